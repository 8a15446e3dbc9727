"""Every value a claim sends is checked against its element's TR3 limits.

The limits are the ones pyx12 validates with, so a value the check names is one
pyx12 would refuse at export, at the same element, and a claim pyx12 takes has
nothing to name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from pyx12.map_if import load_map_file
from pyx12.params import params

from claimtui.model import Encounter
from claimtui.x12._elements import element_rules
from claimtui.x12.reader import ReadClaim, iter_837p_file
from claimtui.x12.validate import validate_interchange
from claimtui.x12.writer import (
    WriteProblem,
    plainly_sendable,
    write_interchange,
    write_problems,
)
from tests.conftest import CORPUS, VALID_837P
from tests.x12_helpers import HEADER, sample_encounter

Change = Callable[[Encounter], None]


def _modifier(encounter: Encounter) -> None:
    encounter.service_lines[0].modifiers = ["ABC"]


def _npi(encounter: Encounter) -> None:
    encounter.billing_provider.npi = "1"


def _charge(encounter: Encounter) -> None:
    encounter.service_lines[0].charge = Decimal("1234567890123456789")


def _birth_date(encounter: Encounter) -> None:
    encounter.subscriber.birth_date = dt.date(1799, 12, 31)
    encounter.subscriber.gender = "F"  # DMG03 goes with a DMG


def _trailing_space(encounter: Encounter) -> None:
    encounter.subscriber.last_name = "DOE "


def _long_name(encounter: Encounter) -> None:
    encounter.subscriber.last_name = "A" * 61


def _state(encounter: Encounter) -> None:
    assert encounter.billing_provider.address is not None
    encounter.billing_provider.address.state = "TEX"


CASES: list[tuple[Change, WriteProblem]] = [
    (
        _modifier,
        WriteProblem(
            "service_lines[0].modifiers[0] (2400 SV101-3): a procedure modifier is "
            "2 characters; 'ABC' has 3; correct the value",
            "service_lines[0].modifiers[0]",
            "2400 SV101-3",
        ),
    ),
    (
        _npi,
        WriteProblem(
            "billing_provider.npi (2010AA NM109): a billing provider identifier is "
            "2 to 80 characters; this one has 1; correct the value",
            "billing_provider.npi",
            "2010AA NM109",
        ),
    ),
    (
        _charge,
        WriteProblem(
            "service_lines[0].charge (2400 SV102): a line item charge amount is at "
            "most 18 digits; this one has 19; correct the value",
            "service_lines[0].charge",
            "2400 SV102",
        ),
    ),
    (
        _birth_date,
        WriteProblem(
            "subscriber.birth_date (2010BA DMG02): a date is sent as CCYYMMDD and "
            "must be a real date from 1800 on; correct the value",
            "subscriber.birth_date",
            "2010BA DMG02",
        ),
    ),
    (
        _trailing_space,
        WriteProblem(
            "subscriber.last_name (2010BA NM103): a subscriber last name cannot end "
            "with a space; correct the value",
            "subscriber.last_name",
            "2010BA NM103",
        ),
    ),
    (
        _long_name,
        WriteProblem(
            "subscriber.last_name (2010BA NM103): a subscriber last name is at most "
            "60 characters; this one has 61; correct the value",
            "subscriber.last_name",
            "2010BA NM103",
        ),
    ),
    (
        _state,
        WriteProblem(
            "billing_provider.address.state (2010AA N402): a billing provider state "
            "or province code is 2 characters; 'TEX' has 3; correct the value",
            "billing_provider.address.state",
            "2010AA N402",
        ),
    ),
]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_a_value_its_element_cannot_carry_is_named_with_the_element(
    change: Change, expected: WriteProblem
) -> None:
    encounter = sample_encounter(1)
    change(encounter)
    assert not plainly_sendable(encounter)
    assert write_problems(encounter) == [expected]


def _pyx12_element(location: str) -> tuple[str, str]:
    """``2400 SV101-3`` as pyx12 names it: ``("SV1", "SV101-03")``."""
    match = re.fullmatch(r"(\w+?)(\d\d)(?:-(\d+))?", location.split()[-1])
    assert match is not None
    segment, position, component = match.groups()
    name = f"{segment}{position}"
    if component:
        name += f"-{int(component):02d}"
    return segment, name


def test_the_sample_claim_passes_pyx12() -> None:
    encounter = sample_encounter(1)
    assert write_problems(encounter) == []
    assert validate_interchange(write_interchange([encounter], HEADER)).ok


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_pyx12_refuses_the_same_element_the_check_names(
    change: Change, expected: WriteProblem
) -> None:
    encounter = sample_encounter(1)
    change(encounter)
    # The export writer leaves element limits to the claim's check and pyx12.
    report = validate_interchange(write_interchange([encounter], HEADER))
    found = {(finding.segment_id, finding.element) for finding in report.findings}
    assert found == {_pyx12_element(expected.location)}


def _corpus_encounters(names: list[str]) -> list[Encounter]:
    return [
        item.encounter
        for name in names
        for item in iter_837p_file(CORPUS / "837p" / name)
        if isinstance(item, ReadClaim)
    ]


def test_claims_pyx12_accepts_have_nothing_to_name() -> None:
    encounters = _corpus_encounters(VALID_837P)
    assert encounters
    for encounter in encounters:
        assert plainly_sendable(encounter)
        assert write_problems(encounter) == []


def test_a_composite_sent_with_the_wrong_separator_is_named() -> None:
    # The file's ISA16 says ':' but its composites use '>' (see the corpus
    # README): the place of service reads as 11>B>1, which pyx12 refuses too.
    [encounter] = _corpus_encounters(
        ["linuxforhealth-x12__837_005010X222A2__demo.example11.837"]
    )
    first = write_problems(encounter)[0]
    assert first.message == (
        "claim.place_of_service (2300 CLM05-1): a place of service code is at "
        "most 2 characters; '11>B>1' has 6; correct the value"
    )


def test_every_limit_is_the_one_pyx12_reads_from_its_map() -> None:
    pyx12_map = load_map_file("837.5010.X222.A1.xml", params())
    rules = element_rules()
    checked = 0
    for node in pyx12_map.loop_segment_iterator():
        if not node.is_segment():
            continue
        loop = node.get_parent().id
        for child in node.children:
            if child.is_composite():
                elements = [(child.seq, sub.seq, sub) for sub in child.children]
            else:
                elements = [(child.seq, 0, child)]
            for position, component, element in elements:
                if element.usage == "N":
                    continue
                rule = rules[(loop, node.id, position, component)]
                assert rule.data_type == element.data_type
                assert rule.min_len <= element.min_len
                assert rule.max_len >= element.max_len
                checked += 1
    assert checked > 1500
