"""Decisions on one claim: kept with user, time and reason, honoured on every
rebuild, undoable, and all in the audit log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claimtui.model import Change
from claimtui.review import ReviewError, Workspace
from tests.conftest import TODAY


@pytest.fixture
def held_claim(workspace: Workspace) -> int:
    from claimtui.review.demo import load_demo

    load_demo(workspace, count=24)
    rows = workspace.claim_rows("held", limit=1)
    assert rows, "the demo samples include held claims"
    return rows[0].id


def test_exempting_the_holding_rules_releases_the_claim(
    workspace: Workspace, held_claim: int
) -> None:
    detail = workspace.claim_detail(held_claim)
    for finding in detail.build.holding_findings:
        detail = workspace.exempt(held_claim, finding.rule_id, "checked with payer")
    assert detail.status in ("ready", "review")
    assert not workspace.in_queue("held", held_claim)


def test_exemption_is_kept_with_user_and_reason_and_audited(
    workspace: Workspace, held_claim: int
) -> None:
    rule_id = workspace.claim_detail(held_claim).build.holding_findings[0].rule_id
    detail = workspace.exempt(held_claim, rule_id, "payer waived this edit")
    decision = detail.decisions[-1]
    assert (decision.kind, decision.rule_id, decision.user) == (
        "exempt",
        rule_id,
        "tester",
    )
    assert decision.reason == "payer waived this edit"
    event = workspace.audit_events(held_claim)[0]
    assert event.action == "exempt"
    assert json.loads(event.detail)["rule_id"] == rule_id
    trace = next(t for t in detail.build.traces if t.rule_id == rule_id)
    assert trace.outcome == "exempted"


def test_exemption_is_honoured_when_the_workspace_reopens(
    workspace: Workspace, held_claim: int, database_url: str
) -> None:
    rule_id = workspace.claim_detail(held_claim).build.holding_findings[0].rule_id
    workspace.exempt(held_claim, rule_id, "documented in chart")
    reopened = Workspace.open(database_url, config=workspace.config, today=TODAY)
    findings = reopened.claim_detail(held_claim).build.findings
    assert all(f.exempted for f in findings if f.rule_id == rule_id)


def test_undo_restores_the_hold_and_keeps_history(
    workspace: Workspace, held_claim: int
) -> None:
    rule_id = workspace.claim_detail(held_claim).build.holding_findings[0].rule_id
    detail = workspace.exempt(held_claim, rule_id, "first look")
    decision_id = detail.decisions[-1].id
    detail = workspace.undo_decision(held_claim, decision_id, "exempted by mistake")
    assert rule_id in {f.rule_id for f in detail.build.holding_findings}
    assert [e.action for e in workspace.audit_events(held_claim)][:2] == [
        "undo",
        "exempt",
    ]


def test_a_reason_is_required(workspace: Workspace, held_claim: int) -> None:
    rule_id = workspace.claim_detail(held_claim).build.holding_findings[0].rule_id
    with pytest.raises(ReviewError, match="reason is required"):
        workspace.exempt(held_claim, rule_id, "   ")


def test_unknown_rule_and_claim_are_review_errors(
    workspace: Workspace, held_claim: int
) -> None:
    with pytest.raises(ReviewError, match="no rule 'NOPE-1'"):
        workspace.exempt(held_claim, "NOPE-1", "x")
    with pytest.raises(ReviewError, match="no claim 999999"):
        workspace.claim_detail(999999)


def _rule_change(workspace: Workspace) -> tuple[int, Change]:
    for row in workspace.claim_rows("all", limit=200):
        changes = workspace.claim_detail(row.id).build.changes
        if changes:
            return row.id, changes[0]
    raise AssertionError("the demo samples include a claim a rule repairs")


def test_override_puts_back_what_a_rule_changed_and_is_traced(
    workspace: Workspace, held_claim: int
) -> None:
    claim_id, repair = _rule_change(workspace)
    detail = workspace.override(
        claim_id, repair.path, repair.before, "as billed", repair.rule_id
    )
    change = detail.build.changes[-1]
    assert (change.rule_id, change.path) == ("override", repair.path)
    assert (change.before, change.after) == (repair.after, repair.before)


def test_override_of_a_value_no_rule_changed_points_to_edit(
    workspace: Workspace, held_claim: int
) -> None:
    with pytest.raises(ReviewError, match="edit the field instead"):
        workspace.override(held_claim, "claim.place_of_service", "22", "per chart")


def test_edit_corrects_the_encounter_and_the_rules_run_again(
    workspace: Workspace, held_claim: int
) -> None:
    detail = workspace.edit(
        held_claim, "claim.place_of_service", "22", "outpatient hospital per chart"
    )
    assert detail.encounter.claim.place_of_service == "22"
    assert detail.received.claim.place_of_service == "11"
    change = next(c for c in detail.build.changes if c.rule_id == "edit")
    assert (change.path, change.before, change.after) == (
        "claim.place_of_service",
        "11",
        "22",
    )


def test_override_of_a_field_that_does_not_exist_is_refused(
    workspace: Workspace, held_claim: int
) -> None:
    with pytest.raises(ReviewError, match="no field 'plaice'"):
        workspace.edit(held_claim, "claim.plaice", "22", "typo")


def test_parking_takes_a_claim_out_of_the_held_queue(
    workspace: Workspace, held_claim: int
) -> None:
    workspace.park(held_claim, "waiting for the referral")
    assert workspace.in_queue("parked", held_claim)
    assert not workspace.in_queue("held", held_claim)
    detail = workspace.unpark(held_claim, "referral arrived")
    assert detail.status == "held"


def test_demo_fills_the_special_queues(workspace: Workspace, tmp_path: Path) -> None:
    from claimtui.review.demo import load_demo

    assert load_demo(workspace) == 120
    counts = {queue.name: queue.count for queue in workspace.queues()}
    assert counts["all"] == 120
    assert counts["held"] > 0
    assert counts["ready"] > 0
    assert counts["workers-comp"] == 10
    assert counts["accident"] == 10
    assert load_demo(workspace) == 0


def test_override_with_a_value_that_does_not_fit_is_refused(
    workspace: Workspace, held_claim: int
) -> None:
    with pytest.raises(ReviewError, match="does not fit"):
        workspace.edit(held_claim, "claim.total_charge", "abc", "typo")
    assert workspace.claim_detail(held_claim).decisions == []


def test_an_edited_claim_is_flagged_d_not_o(tmp_path: Path) -> None:
    from tests.tui_support import demo_workspace

    workspace = demo_workspace(tmp_path)
    row = workspace.claim_rows("all", limit=1)[0]
    workspace.edit(row.id, "claim.patient_control_number", "FIXED01", "typo")
    flags = workspace.claim_rows("all", limit=1)[0].flags
    assert "D" in flags
    assert "O" not in flags


def test_an_edit_x12_cannot_carry_is_refused(
    workspace: Workspace, held_claim: int
) -> None:
    with pytest.raises(ReviewError, match="outside the X12 character set"):
        workspace.edit(held_claim, "subscriber.last_name", "MÜLLER", "spelling")


def test_an_imported_value_x12_cannot_carry_holds_the_claim(
    workspace: Workspace, tmp_path: Path
) -> None:
    from claimtui.review.demo import sample_encounters
    from tests.conftest import TODAY

    encounter = sample_encounters(TODAY, 7)[6]
    encounter.subscriber.last_name = "MÜLLER"
    path = tmp_path / "one.json"
    path.write_text("[" + encounter.model_dump_json() + "]", encoding="utf-8")
    workspace.import_path(path)
    row = workspace.claim_rows("all", limit=1)[0]
    detail = workspace.claim_detail(row.id)
    assert detail.status == "held"
    assert "X12" in row.rules
    assert detail.segments == []


def _shown(detail: Any) -> dict[str, Any]:
    """What a claim view shows, comparable between two reads."""
    return {
        "status": detail.status,
        "findings": detail.build.findings,
        "traces": detail.build.traces,
        "segments": detail.segment_lines,
        "decisions": detail.decisions,
        "audit": detail.audit,
        "changed": detail.changed_paths,
    }


def test_each_action_returns_the_claim_as_a_fresh_read_shows_it(
    workspace: Workspace, held_claim: int
) -> None:
    """An action shows the claim from the build it saved, without building again."""
    rule_id = workspace.claim_detail(held_claim).build.holding_findings[0].rule_id
    steps: list[Callable[[], Any]] = [
        lambda: workspace.exempt(held_claim, rule_id, "payer waived this edit"),
        lambda: workspace.park(held_claim, "waiting for the chart"),
        lambda: workspace.unpark(held_claim, "chart arrived"),
        lambda: workspace.undo_decision(
            held_claim,
            workspace.claim_detail(held_claim).decisions[-1].id,
            "exempted by mistake",
        ),
    ]
    for step in steps:
        returned = step()
        assert _shown(returned) == _shown(workspace.claim_detail(held_claim))
    review = workspace.claim_rows("review", limit=1)
    assert review
    returned = workspace.approve(review[0].id, "checked")
    assert returned.status == "ready"
    assert _shown(returned) == _shown(workspace.claim_detail(review[0].id))
