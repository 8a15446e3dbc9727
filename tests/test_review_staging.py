"""Staged actions: previewed without being stored, committed in order, undoable."""

from __future__ import annotations

import pytest

from claimtui.review import ReviewError, Workspace
from claimtui.review.demo import load_demo
from claimtui.review.staging import StagedAction, Staging, commit


@pytest.fixture
def held(workspace: Workspace) -> tuple[Workspace, int, str]:
    load_demo(workspace, count=24)
    row = workspace.claim_rows("held", limit=1)[0]
    return workspace, row.id, row.rules[0]


def test_preview_shows_the_staged_exemption_without_storing_it(
    held: tuple[Workspace, int, str],
) -> None:
    workspace, claim_id, rule_id = held
    staged = [StagedAction(claim_id, "exempt", "payer waived", rule_id=rule_id)]
    preview = workspace.preview(claim_id, staged)
    trace = next(t for t in preview.build.traces if t.rule_id == rule_id)
    assert trace.outcome == "exempted"
    assert workspace.claim_detail(claim_id).decisions == []
    assert workspace.in_queue("held", claim_id)


def test_preview_of_park_and_approve_changes_only_the_status(
    held: tuple[Workspace, int, str],
) -> None:
    workspace, claim_id, _ = held
    staged = [StagedAction(claim_id, "park", "waiting for chart")]
    assert workspace.preview(claim_id, staged).status == "parked"
    review_id = workspace.claim_rows("review", limit=1)[0].id
    approve = [StagedAction(review_id, "approve", "fine")]
    assert workspace.preview(review_id, approve).status == "ready"
    assert workspace.claim_detail(review_id).status == "review"


def test_commit_applies_in_order_and_reports_failures(
    held: tuple[Workspace, int, str],
) -> None:
    workspace, claim_id, rule_id = held
    actions = [
        StagedAction(claim_id, "exempt", "payer waived", rule_id=rule_id),
        StagedAction(claim_id, "note", "called payer"),
        StagedAction(claim_id, "exempt", "typo", rule_id="NO-SUCH-RULE"),
    ]
    report = commit(workspace, actions)
    assert report.applied == 2
    assert report.failures == [
        f"claim {claim_id}: exempt rule NO-SUCH-RULE: "
        "there is no rule 'NO-SUCH-RULE' in the rule set"
    ]
    actions_logged = [event.action for event in workspace.audit_events(claim_id)]
    assert actions_logged[:2] == ["note", "exempt"]


def test_undo_last_and_undo_claim() -> None:
    staging = Staging()
    staging.stage(StagedAction(1, "note", "a"))
    staging.stage(StagedAction(2, "note", "b"))
    staging.stage(StagedAction(1, "park", "c"))
    assert staging.undo_last(2) == StagedAction(2, "note", "b")
    assert staging.undo_claim(1) == 2
    assert len(staging) == 0


def test_summary_counts_kinds_claims_and_reasons() -> None:
    staging = Staging()
    staging.stage_many(
        StagedAction(claim_id, "exempt", "payer waived", rule_id="R1")
        for claim_id in (1, 2, 3)
    )
    staging.stage(StagedAction(3, "park", "chart missing"))
    summary = staging.summary()
    assert (summary.actions, summary.claims) == (4, 3)
    assert summary.kinds == [("exempt rule", 3), ("park", 1)]
    assert summary.reasons == [("payer waived", 3), ("chart missing", 1)]


def test_undo_last_drops_a_bulk_batch_whole() -> None:
    staging = Staging()
    staging.stage(StagedAction(9, "note", "single"))
    staging.stage_many(StagedAction(claim_id, "park", "bulk") for claim_id in (1, 2))
    dropped = staging.undo_last()
    assert dropped is not None and dropped.batch
    assert staging.actions == [StagedAction(9, "note", "single")]


def test_staging_a_value_that_does_not_fit_is_refused_at_once(
    workspace: Workspace,
) -> None:
    load_demo(workspace, count=12)
    claim_id = workspace.claim_rows("held", limit=1)[0].id
    bad = StagedAction(claim_id, "edit", "typo", path="claim.total_charge", value="abc")
    with pytest.raises(ReviewError, match="does not fit"):
        workspace.preview(claim_id, [bad])
    unknown = StagedAction(claim_id, "edit", "typo", path="claim.plaice", value="22")
    with pytest.raises(ReviewError, match="no field 'plaice'"):
        workspace.preview(claim_id, [unknown])
