"""Comparing our exported file with a clearinghouse's version of it (CH-06)."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest

from claimtui.cli import main
from claimtui.model import Contact, Submitter
from claimtui.review import ReviewError
from claimtui.review.partner import (
    ClaimComparison,
    FieldDifference,
    compare_versions,
)
from claimtui.x12.validate import validate_interchange
from claimtui.x12.writer import write_interchange
from tests.x12_helpers import HEADER, sample_encounter

PARTNER_HEADER = dataclasses.replace(
    HEADER,
    sender_id="PARTNER",
    interchange_control_number=901,
    submitter=Submitter(
        name="PARTNER CLEARINGHOUSE",
        identifier="PCH01",
        contact=Contact(name="EDI DESK", phone="5555550199"),
    ),
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """Our three claims, and the partner's version: claim 1 repaired (a prefix
    on the member id, GT added, charge written as 100.00), claim 2 as sent,
    claim 3 missing and a claim 4 we never sent."""
    ours = tmp_path / "ours.837"
    ours.write_text(
        write_interchange([sample_encounter(n) for n in (1, 2, 3)], HEADER),
        encoding="ascii",
    )
    repaired = sample_encounter(1)
    repaired.subscriber.member_id = "XM1"
    repaired.service_lines[0].modifiers = ["GT"]
    repaired.claim.total_charge = Decimal("100.00")
    partner = tmp_path / "partner.837"
    text = write_interchange(
        [sample_encounter(4), sample_encounter(2), repaired], PARTNER_HEADER
    )
    assert validate_interchange(text).ok
    partner.write_text(text, encoding="ascii")
    return ours, partner


def test_each_claim_is_paired_by_clm01_and_its_differences_located(
    files: tuple[Path, Path],
) -> None:
    assert compare_versions(*files) == [
        ClaimComparison(
            "PCN1",
            "changed",
            [
                FieldDifference("subscriber.member_id", "2010BA NM109", "M1", "XM1"),
                FieldDifference(
                    "service_lines[0].modifiers", "2400 SV101-3", [], ["GT"]
                ),
            ],
        ),
        ClaimComparison("PCN2", "same"),
        ClaimComparison("PCN3", "not at partner"),
        ClaimComparison("PCN4", "only at partner"),
    ]


def test_a_missing_part_is_one_difference_not_one_per_field(tmp_path: Path) -> None:
    ours = tmp_path / "ours.837"
    ours.write_text(write_interchange([sample_encounter(1)], HEADER))
    extra_line = sample_encounter(1)
    extra_line.service_lines.append(extra_line.service_lines[0].model_copy())
    extra_line.claim.total_charge = Decimal(200)
    partner = tmp_path / "partner.837"
    partner.write_text(write_interchange([extra_line], PARTNER_HEADER))

    [comparison] = compare_versions(ours, partner)
    assert [(d.path, d.segment, d.ours) for d in comparison.differences] == [
        ("claim.total_charge", "2300 CLM02", "100"),
        ("service_lines[1]", "2400 SV101-1", None),
    ]
    assert comparison.differences[1].partner["procedure_code"] == "99213"


def test_compare_json_is_one_object_per_claim(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(files[0]), str(files[1]), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [(item["patient_control_number"], item["status"]) for item in printed] == [
        ("PCN1", "changed"),
        ("PCN2", "same"),
        ("PCN3", "not at partner"),
        ("PCN4", "only at partner"),
    ]
    assert printed[0]["differences"][1] == {
        "path": "service_lines[0].modifiers",
        "segment": "2400 SV101-3",
        "ours": [],
        "partner": ["GT"],
    }


def test_compare_text_names_path_location_and_both_values(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(files[0]), str(files[1])]) == 0
    assert capsys.readouterr().out.splitlines()[:3] == [
        "PCN1: 2 differences",
        '  subscriber.member_id (2010BA NM109): ours "M1", partner\'s "XM1"',
        '  service_lines[0].modifiers (2400 SV101-3): ours [], partner\'s ["GT"]',
    ]


def test_a_file_that_is_not_x12_is_refused_with_its_name(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("not a claim file\n")
    with pytest.raises(ReviewError, match=r"the partner's file: notes\.txt"):
        compare_versions(files[0], other)
    assert main(["compare", str(files[0]), str(other)]) == 1
    assert capsys.readouterr().err.startswith("claimtui: the partner's file:")
