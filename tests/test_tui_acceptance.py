"""The console milestone end to end: a biller exempts the rule that holds a claim.

Queue → claim → rules pane → ``e`` → reason → the claim is rebuilt at once with the
staged exemption → ``$`` → confirm → it leaves the held queue, and the exemption is
in the audit trail.
"""

from __future__ import annotations

from pathlib import Path

from claimtui.review import ClaimRow, Workspace
from claimtui.tui import ClaimApp
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.prompts import CommitDialog, WorkDialog
from claimtui.tui.queue_screen import QueueScreen
from claimtui.tui.queue_view import QueueView
from tests.tui_support import demo_workspace, type_text

REASON = "payer confirmed by phone"


def held_by_one_rule(workspace: Workspace) -> ClaimRow:
    """The first held claim that exactly one rule holds."""
    rows = workspace.claim_rows("held", limit=500)
    return next(row for row in rows if len(row.rules) == 1)


def notifications(app: ClaimApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_exempting_the_holding_rule_releases_the_claim(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    target = held_by_one_rule(workspace)
    rule_id = target.rules[0]
    held_before = workspace.count("held")
    app = ClaimApp(workspace)

    async with app.run_test(size=(80, 24)) as pilot:
        view = app.screen.query_one(QueueView)
        assert view.queue == "held"
        while view.current_row is not None and view.current_row.id != target.id:
            await pilot.press("j")
        await pilot.press("enter")
        claim_screen = app.screen
        assert isinstance(claim_screen, ClaimScreen)

        await pilot.press("2")
        rules = claim_screen.detail_area.rules_pane.rules_list
        for _ in rules.lines:
            if rules.selected is not None and rules.selected.rule_id == rule_id:
                break
            await pilot.press("j")
        assert rules.selected is not None and rules.selected.rule_id == rule_id

        await pilot.press("e")
        await type_text(pilot, REASON)
        await pilot.press("enter")
        await pilot.pause()
        assert claim_screen.detail is not None
        assert claim_screen.detail.status != "held"
        assert not workspace.audit_events(target.id), "staged, not yet stored"

        await pilot.press("dollar_sign")
        assert isinstance(app.screen, CommitDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, WorkDialog)
        assert app.screen.outcome.startswith("Committed 1 of 1 changes.")
        await pilot.press("escape")
        assert app.screen is claim_screen
        assert any("left the held queue" in text for text in notifications(app))
        lines = [
            str(rules.get_option_at_index(index).prompt)
            for index in range(rules.option_count)
        ]
        assert any(line.startswith(f"exempted {rule_id} ") for line in lines)
        assert f"    by tester: {REASON}" in lines

        await pilot.press("q")
        assert isinstance(app.screen, QueueScreen)
        assert view.total == held_before - 1
        shown = [view.window.get(index) for index in range(view.total)]
        assert target.id not in {row.id for row in shown if row is not None}

    assert not workspace.in_queue("held", target.id)
    events = workspace.audit_events(target.id)
    exemptions = [event for event in events if event.action == "exempt"]
    assert len(exemptions) == 1
    assert rule_id in exemptions[0].detail
    assert REASON in exemptions[0].detail
    assert exemptions[0].user == "tester"
