"""The biller's flows by keyboard: limit, search, tags, bulk, staging, commands,
palette, remapped keys, read-only, background work and the idle lock."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input, OptionList, Static

from claimtui.review import Config, Workspace
from claimtui.review.demo import sample_interchange
from claimtui.review.staging import ActionKind, StagedAction
from claimtui.tui import ClaimApp
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.panes import HistoryPane
from claimtui.tui.prompts import (
    TYPE_COUNT_FROM,
    CommitDialog,
    ConfirmDialog,
    LinePrompt,
    LockScreen,
    WorkDialog,
)
from claimtui.tui.queue_screen import QueueScreen
from claimtui.tui.queue_view import QueueView
from claimtui.tui.status import StatusLine
from tests.tui_support import TODAY, demo_workspace, type_text


def view_of(app: ClaimApp) -> QueueView:
    return app.root.queue_view


def status_of(app: ClaimApp) -> str:
    return str(app.screen.query_one(StatusLine).render())


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type into the one-line prompt and press enter."""
    assert isinstance(pilot.app.screen, LinePrompt)
    await type_text(pilot, text)
    await pilot.press("enter")
    await pilot.pause()


async def test_limit_narrows_the_queue_and_the_status_line_says_so(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    total = workspace.count("all")
    workers = workspace.count("all", "~w")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await answer(pilot, "queue all")
        await pilot.press("l")
        await answer(pilot, "~w")
        view = view_of(app)
        assert (view.total, view.queue_total) == (workers, total)
        assert f"limit ~w │ 1/{workers} of {total}" in status_of(app)
        await pilot.press("L")
        assert view.total == total
        assert "no limit" in status_of(app)


async def test_a_limit_carried_into_an_empty_result_is_named(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    workers = workspace.count("workers-comp")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        await answer(pilot, "~p nosuchpayer")
        await pilot.press("colon")
        await answer(pilot, "queue workers-comp")
        view = view_of(app)
        assert view.total == 0
        expected = (
            f"No claims match limit ~p nosuchpayer in workers-comp "
            f"({workers} hidden by the limit; L clears it)"
        )
        assert view.empty_text == expected
        shown = " ".join(str(view.render_line(y).text).strip() for y in (0, 1))
        assert shown == expected
        assert any(n.message == expected for n in app._notifications)


async def test_a_bad_limit_is_refused_with_a_message(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        await answer(pilot, "~a lots")
        assert view_of(app).limit == ""
        assert any("~a takes an amount" in n.message for n in app._notifications)


async def test_search_jumps_to_matches_and_hides_nothing(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    rows = workspace.claim_rows("all", limit=500)
    wc = [index for index, row in enumerate(rows) if row.kind == "WC"]
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await answer(pilot, "queue all")
        await pilot.press("slash")
        await answer(pilot, "~w")
        view = view_of(app)
        assert view.total == len(rows)
        assert view.cursor == wc[0]
        await pilot.press("n")
        assert view.cursor == wc[1]
        await pilot.press("N", "N")
        assert view.cursor == wc[-1]


async def test_bulk_action_counts_tagged_claims_hidden_by_the_limit(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    held = workspace.count("held")
    held_wc = workspace.count("held", "~w")
    assert 0 < held_wc < held
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("T")
        await answer(pilot, "~s held")
        assert len(app.tags) == held
        await pilot.press("l")
        await answer(pilot, "~w")
        await pilot.press("semicolon", "i")
        prompt = app.screen
        assert isinstance(prompt, LinePrompt)
        hidden = held - held_wc
        assert prompt.label == (
            f"Note on {held} tagged claims ({hidden} not shown here):"
        )
        await type_text(pilot, "sent to coding")
        await pilot.press("enter")
        assert len(app.staging) == held
        assert f"staged {held}" in status_of(app)
        await pilot.press("dollar_sign")
        dialog = app.screen
        assert isinstance(dialog, CommitDialog)
        assert dialog.summary.kinds == [("note", held)]
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
    notes = [e for e in workspace.audit_events() if e.action == "note"]
    assert len(notes) == held


async def test_bulk_exempt_offers_the_rule_holding_most_tagged_claims(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    held_ids = workspace.claim_ids("held")
    holders: Counter[str] = Counter()
    for claim_id in held_ids:
        detail = workspace.claim_detail(claim_id)
        holders.update({f.rule_id for f in detail.build.holding_findings})
    top = max(sorted(holders), key=lambda rule_id: holders[rule_id])
    hidden = len(held_ids) - workspace.count("held", "~w")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("T")
        await answer(pilot, "~s held")
        await pilot.press("l")
        await answer(pilot, "~w")
        await pilot.press("semicolon", "e")
        prompt = app.screen
        assert isinstance(prompt, LinePrompt)
        assert prompt.value == top
        await pilot.press("enter")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, LinePrompt)
        assert prompt.label == (
            f"Exempt {top} on {len(held_ids)} tagged claims — it holds "
            f"{holders[top]} of them; {hidden} not shown here. Why?"
        )


async def test_space_tags_and_moves_down_and_marks_the_row(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        first = view.current_row
        assert first is not None
        await pilot.press("space")
        assert app.tags == {first.id}
        assert view.cursor == 1
        assert str(view.render_line(0).text).startswith("*")
        await pilot.press("v", "j", "j", "v")
        assert len(app.tags) == 4


async def test_staged_exempt_rebuilds_at_once_and_undo_reverts(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "2", "e")
        await type_text(pilot, "payer waived")
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ClaimScreen)
        assert screen.detail is not None
        rule_id = screen.staged[0].rule_id
        traces = {t.rule_id: t.outcome for t in screen.detail.build.traces}
        assert traces[rule_id] == "exempted"
        await pilot.press("u")
        assert screen.staged == []
        traces = {t.rule_id: t.outcome for t in screen.detail.build.traces}
        assert traces[rule_id] != "exempted"
    assert "exempt" not in {event.action for event in workspace.audit_events()}


async def test_park_and_note_are_staged_and_shown_in_history(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "p")
        await answer(pilot, "waiting for the chart")
        await pilot.press("i")
        await answer(pilot, "called the office")
        screen = app.screen
        assert isinstance(screen, ClaimScreen)
        assert screen.detail is not None and screen.detail.status == "parked"
        await pilot.press("4")
        history = screen.detail_area.query_one(HistoryPane).query_one(OptionList)
        first = str(history.get_option_at_index(0).prompt)
        assert first.startswith("staged") and "called the office" in first
        await pilot.press("U")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert len(screen.staged) == 2
        await pilot.press("U", "y")
        assert screen.staged == []
        assert screen.detail.status == "held"


async def test_approve_releases_a_claim_in_review_after_commit(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    review = workspace.claim_rows("review", limit=1)[0]
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await answer(pilot, f"claim {review.id}")
        screen = app.screen
        assert isinstance(screen, ClaimScreen)
        await pilot.press("a")
        await answer(pilot, "")
        assert screen.detail is not None and screen.detail.status == "ready"
        await pilot.press("dollar_sign", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert workspace.in_queue("ready", review.id)


async def test_command_line_keeps_history(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await answer(pilot, "queue ready")
        assert view_of(app).queue == "ready"
        await pilot.press("colon", "up")
        assert app.screen.query_one(Input).value == "queue ready"
        await pilot.press("escape")
        await pilot.press("colon")
        await answer(pilot, "queue nowhere")
        assert view_of(app).queue == "ready"
        assert any("no queue named" in n.message for n in app._notifications)


async def test_palette_offers_queues_and_goes_there(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "Queue: Ready")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert view_of(app).queue == "ready"


async def test_keys_are_remapped_by_binding_id(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    workspace.config = Config(keys={"queue.limit": "ctrl+l"})
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, LinePrompt)


async def test_readonly_command_stops_changes(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await answer(pilot, "readonly")
        assert "READ-ONLY" in status_of(app)
        await pilot.press("enter", "p")
        assert isinstance(app.screen, ClaimScreen)
        assert len(app.staging) == 0


async def test_export_runs_in_a_worker_and_reports(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    ready = workspace.count("ready")
    out = tmp_path / "out.837"
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await answer(pilot, f"export {out}")
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WorkDialog)
        assert dialog.outcome.startswith(f"Wrote {ready} claims to ")
        counted = str(dialog.query_one("#progress-text", Static).render())
        assert counted == f"{ready} of {ready} claims written"
    assert out.exists()
    assert workspace.count("exported") == ready


async def test_import_runs_in_a_worker(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    workspace = Workspace.open(url, user="tester", config=Config(), today=TODAY)
    source = tmp_path / "batch.837"
    source.write_text(sample_interchange(TODAY, 6), encoding="ascii")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await answer(pilot, f"import {source}")
        await app.workers.wait_for_complete()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WorkDialog)
        assert dialog.outcome.startswith("batch.837: 6 claims imported")
        counted = str(dialog.query_one("#progress-text", Static).render())
        assert counted == "6 claims read"
        await pilot.press("escape")
        assert view_of(app).queue_total == workspace.count("held")


async def test_idle_console_locks_and_hides_the_queue(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path), lock_minutes=10)
    async with app.run_test(size=(80, 24)) as pilot:
        app.lock_when_idle(now=app.last_key_at + 9 * 60)
        assert not app.is_locked
        app.lock_when_idle(now=app.last_key_at + 10 * 60)
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        number = view_of(app).window.rows[0].patient_control_number
        assert number not in app.export_screenshot()
        await pilot.press("x")
        await pilot.pause()
        assert number in app.export_screenshot()
        assert isinstance(app.screen, QueueScreen)


async def test_quit_with_staged_changes_answers_to_y_and_n(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await answer(pilot, "called the office")
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmDialog)
        assert "1 staged change not committed" in app.screen.body
        await pilot.press("n")
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0


async def test_commit_summary_keeps_its_hint_in_view_at_80x24(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        kinds: list[ActionKind] = ["note", "park", "approve", "assign", "exempt"]
        for number, kind in enumerate(kinds * 3):
            app.staging.stage(StagedAction(number + 1, kind, f"reason {number}"))
        await pilot.press("dollar_sign")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CommitDialog)
        hint = dialog.query_one(".dialog-hint")
        assert str(hint.render()) == "y confirm · n or esc cancel"
        assert hint.region.y >= 0 and hint.region.bottom <= 24
        assert hint.region.height == 1


async def test_quit_while_work_runs_in_the_background_asks_first(
    tmp_path: Path,
) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    release = threading.Event()

    def slow_job(progress: object) -> str:
        release.wait(10)
        return "done"

    async with app.run_test(size=(80, 24)) as pilot:
        app.run_in_background("Commit", slow_job)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "still running" in app.screen.body
        await pilot.press("n")
        await pilot.pause()
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.return_code is None


async def test_a_large_commit_takes_the_typed_count_at_once(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        for number in range(TYPE_COUNT_FROM):
            app.staging.stage(StagedAction(number % 50 + 1, "note", f"n {number}"))
        await pilot.press("dollar_sign")
        await pilot.pause()
        assert isinstance(app.screen, CommitDialog)
        await type_text(pilot, str(TYPE_COUNT_FROM))
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, CommitDialog)
