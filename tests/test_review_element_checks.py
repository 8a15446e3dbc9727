"""A value its X12 element cannot carry holds its claim, wherever it came from.

An override, an edit, a rule's set action: the claim is held by an X12 finding
naming the field and the element, the person typing such a value is told at
once, and an export never receives the claim.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from claimtui.engine import load_rule_set
from claimtui.review import ReviewError, Workspace
from claimtui.review.staging import StagedAction
from claimtui.store import DecisionRecord
from claimtui.x12.reader import read_837p
from tests.conftest import CORPUS, GEN837, VALID_837P

ADD_MODIFIER = """\
rules:
  - id: PRAC-95
    title: Telehealth modifier on every line
    why: Practice policy.
    severity: info
    actions:
      - modifier: add
        code: "95"
"""

LONG_RECORD_NUMBER = """\
rules:
  - id: PRAC-MRN
    title: Medical record number from the practice system
    why: Practice policy.
    severity: info
    condition: claim.patient_control_number == "{pcn}"
    actions:
      - set: claim.medical_record_number
        value: "{value}"
"""

MODIFIER_MESSAGE = (
    "service_lines[0].modifiers[0] (2400 SV101-3): a procedure modifier is 2 "
    "characters; 'ABC' has 3; correct the value"
)
RECORD_NUMBER_MESSAGE = (
    "claim.medical_record_number (2300 REF02): a reference identification is at "
    "most 50 characters; this one has 51; correct the value"
)


def practice_rules(workspace: Workspace, folder: Path, text: str) -> None:
    """Run only the given practice rules, so the outcome is theirs alone."""
    folder.mkdir(exist_ok=True)
    (folder / "practice.yaml").write_text(text, encoding="utf-8")
    workspace.rule_set = load_rule_set([folder])
    assert workspace.rule_set.errors == []


@pytest.fixture
def modified_claim(workspace: Workspace, tmp_path: Path) -> int:
    """The UHIN sample claim, ready, with a rule that added modifier 95."""
    practice_rules(workspace, tmp_path / "rules", ADD_MODIFIER)
    workspace.import_path(CORPUS / "837p" / VALID_837P[0])
    [row] = workspace.claim_rows("all")
    detail = workspace.claim_detail(row.id)
    assert detail.status == "ready"
    assert detail.encounter.service_lines[0].modifiers == ["95"]
    return row.id


def test_an_override_to_a_three_character_modifier_is_refused_naming_the_element(
    workspace: Workspace, modified_claim: int
) -> None:
    with pytest.raises(ReviewError) as refused:
        workspace.override(
            modified_claim, "service_lines[0].modifiers", ["ABC"], "as billed"
        )
    assert str(refused.value) == MODIFIER_MESSAGE
    detail = workspace.claim_detail(modified_claim)
    assert detail.decisions == []
    assert detail.status == "ready"


def test_the_console_refuses_the_modifier_before_staging_it(
    workspace: Workspace, modified_claim: int
) -> None:
    action = StagedAction(
        modified_claim,
        "override",
        "as billed",
        rule_id="PRAC-95",
        path="service_lines[0].modifiers",
        value=["ABC"],
    )
    with pytest.raises(ReviewError) as refused:
        workspace.preview(modified_claim, [action])
    assert str(refused.value) == MODIFIER_MESSAGE


def test_a_valid_override_of_the_modifier_leaves_the_claim_ready(
    workspace: Workspace, modified_claim: int
) -> None:
    detail = workspace.override(
        modified_claim, "service_lines[0].modifiers", ["GT"], "audio only", "PRAC-95"
    )
    assert detail.status == "ready"
    assert detail.encounter.service_lines[0].modifiers == ["GT"]
    assert [f for f in detail.build.findings if f.rule_id == "X12"] == []


def test_a_stored_override_the_element_cannot_carry_holds_the_claim(
    workspace: Workspace, modified_claim: int, tmp_path: Path
) -> None:
    # Kept before values were checked against their elements.
    with Session(workspace.engine) as session:
        session.add(
            DecisionRecord(
                claim_id=modified_claim,
                kind="override",
                rule_id="PRAC-95",
                path="service_lines[0].modifiers",
                value_json='["ABC"]',
                reason="as billed",
                user="earlier",
            )
        )
        session.commit()
    detail = workspace.claim_detail(modified_claim)
    assert detail.status == "held"
    [finding] = detail.build.holding_findings
    assert (finding.rule_id, finding.path, finding.segment, finding.message) == (
        "X12",
        "service_lines[0].modifiers[0]",
        "2400 SV101-3",
        MODIFIER_MESSAGE,
    )
    # The segments still show, so the console can mark the element.
    assert any(line.startswith("SV1*HC:") for line in detail.segment_lines)
    [row] = workspace.claim_rows("all")
    assert (row.rules, row.flags) == (["X12"], "!O")
    with pytest.raises(ReviewError, match="no claim is ready"):
        workspace.export(tmp_path / "out.837")


def test_an_edit_of_the_npi_to_one_digit_is_refused_naming_the_element(
    workspace: Workspace, modified_claim: int
) -> None:
    with pytest.raises(ReviewError) as refused:
        workspace.edit(modified_claim, "billing_provider.npi", "1", "as keyed")
    assert str(refused.value) == (
        "billing_provider.npi (2010AA NM109): a billing provider identifier is 2 "
        "to 80 characters; this one has 1; correct the value"
    )


def test_a_rule_that_sets_a_value_too_long_holds_the_claim(
    workspace: Workspace, tmp_path: Path
) -> None:
    rules = LONG_RECORD_NUMBER.format(pcn="1606", value="M" * 51)
    practice_rules(workspace, tmp_path / "rules", rules)
    workspace.import_path(CORPUS / "837p" / VALID_837P[0])
    [row] = workspace.claim_rows("all")
    detail = workspace.claim_detail(row.id)
    assert detail.status == "held"
    assert [(f.rule_id, f.message) for f in detail.build.holding_findings] == [
        ("X12", RECORD_NUMBER_MESSAGE)
    ]
    # The finding is the writer's, not a rule's: it cannot be exempted.
    with pytest.raises(ReviewError, match="no rule 'X12'"):
        workspace.exempt(row.id, "X12", "send it anyway")


def test_export_never_receives_a_claim_whose_value_its_element_cannot_carry(
    workspace: Workspace, tmp_path: Path
) -> None:
    generated = tmp_path / "generated.837"
    command = [sys.executable, str(GEN837), "5", "--seed", "7", "-o", str(generated)]
    subprocess.run(command, check=True)
    workspace.rule_set = load_rule_set([])
    workspace.import_path(generated)
    assert workspace.count("ready") == 5
    # The practice's rules change after the claims were found ready.
    rules = LONG_RECORD_NUMBER.format(pcn="PCN00000002", value="M" * 51)
    practice_rules(workspace, tmp_path / "rules", rules)
    out = tmp_path / "batch.837"
    report = workspace.export(out)
    assert report.claim_count == 4
    [held] = workspace.claim_rows("held")
    assert held.patient_control_number == "PCN00000002"
    assert f"claim {held.id} is no longer ready: held" in report.notes
    sent = [claim.encounter.claim for claim in read_837p(out).claims]
    assert "PCN00000002" not in [claim.patient_control_number for claim in sent]
    assert all(claim.medical_record_number != "M" * 51 for claim in sent)
