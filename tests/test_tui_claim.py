"""The claim screen: what the panes show, moving between claims, override, help."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from claimtui.review import ClaimDetail, ClaimRow, Workspace
from claimtui.tui import ClaimApp
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.dialogs import HelpScreen, OverridePrompt, ReasonPrompt
from claimtui.tui.panes import CHANGED_MARK, SegmentsPane, path_changed
from claimtui.tui.queue_view import QueueView
from tests.tui_support import demo_workspace, type_text


def rules_text(screen: ClaimScreen) -> list[str]:
    rules = screen.detail_area.rules_pane.rules_list
    return [str(rules.get_option_at_index(i).prompt) for i in range(len(rules.lines))]


def segments_text(screen: ClaimScreen) -> list[str]:
    segments = screen.detail_area.query_one(SegmentsPane).query_one(OptionList)
    return [
        str(segments.get_option_at_index(i).prompt)
        for i in range(segments.option_count)
    ]


def claim_with_changes(workspace: Workspace) -> tuple[int, ClaimRow, ClaimDetail]:
    """Position in the "all" queue, row and detail of the first claim where a
    rule changed a value that a segment element comes from."""
    for position, row in enumerate(workspace.claim_rows("all", limit=500)):
        detail = workspace.claim_detail(row.id)
        sources = [source for segment in detail.segments for source in segment.sources]
        if any(path_changed(source, detail.changed_paths) for source in sources):
            return position, row, detail
    raise AssertionError("the demo has no claim that a rule changed")


async def open_claim_at(pilot: Pilot[None], position: int) -> ClaimScreen:
    """Show the "all" queue, put the cursor on ``position``, open that claim."""
    view = pilot.app.screen.query_one(QueueView)
    view.show_queue("all")
    view.cursor = position
    await pilot.press("enter")
    screen = pilot.app.screen
    assert isinstance(screen, ClaimScreen)
    return screen


async def test_rules_pane_lists_rules_in_run_order_with_changes(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row, detail = claim_with_changes(workspace)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.pause()
        lines = rules_text(screen)
        heads = [line for line in lines if not line.startswith("    ")]
        traced = [f"{t.outcome:<8} {t.rule_id}" for t in detail.build.traces]
        assert [
            head[: len(t)] for head, t in zip(heads, traced, strict=False)
        ] == traced
        change = detail.build.changes[0]
        assert any(line.strip().startswith(f"{change.path}: ") for line in lines)
        assert any(" → " in line for line in lines)
        for finding in detail.build.holding_findings:
            assert any(
                line.strip() == f"E {finding.message}"
                or line.strip().startswith(f"E {finding.message} (")
                for line in lines
            )


async def test_segments_pane_marks_changed_elements(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row, detail = claim_with_changes(workspace)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.pause()
        lines = segments_text(screen)
        assert [line[2:] for line in lines] == detail.segment_lines
        marked = [line for line in lines if line.startswith(CHANGED_MARK)]
        assert marked, "a claim a rule changed has a marked segment"
        pane = screen.detail_area.query_one(SegmentsPane)
        assert "reversed" in pane.border_subtitle


async def test_capital_j_and_k_step_through_the_queue(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    first, second, third = workspace.claim_rows("held", limit=3)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ClaimScreen)
        assert screen.row.id == first.id
        await pilot.press("J", "J")
        assert screen.detail is not None and screen.detail.id == third.id
        await pilot.press("K")
        assert screen.detail is not None and screen.detail.id == second.id
        await pilot.press("q")
        assert app.screen.query_one(QueueView).cursor == 1


async def test_exempt_needs_a_reason(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "2", "e")
        assert isinstance(app.screen, ReasonPrompt)
        await pilot.press("space", "enter")
        assert isinstance(app.screen, ReasonPrompt)
        await pilot.press("escape")
        assert isinstance(app.screen, ClaimScreen)
    assert not [e for e in workspace.audit_events() if e.action == "exempt"]


async def test_x_overrides_the_value_a_rule_set(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, row, detail = claim_with_changes(workspace)
    change = detail.build.changes[0]
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        rules = screen.detail_area.rules_pane.rules_list
        await pilot.press("2")
        while rules.selected is None or rules.selected.change is None:
            await pilot.press("j")
        selected = rules.selected.change
        await pilot.press("x")
        prompt = app.screen
        assert isinstance(prompt, OverridePrompt)
        assert prompt.default_path == selected.path
        prompt.query_one("#value", Input).value = ""
        await type_text(pilot, str(change.before or "X"))
        await pilot.press("enter")
        await type_text(pilot, "keep what the practice sent")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ClaimScreen)
        await pilot.press("dollar_sign", "y")
        await app.workers.wait_for_complete()
    overrides = [e for e in workspace.audit_events(row.id) if e.action == "override"]
    assert len(overrides) == 1
    assert selected.path in overrides[0].detail


async def test_question_mark_lists_every_key_of_the_claim_screen(
    tmp_path: Path,
) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = [str(entry.binding.description) for _, entry in help_screen.entries]
        for binding in ClaimScreen.BINDINGS:
            assert not isinstance(binding, tuple)
            assert binding.description in listed
        assert "Keys" in listed
        await pilot.press("escape")
        assert isinstance(app.screen, ClaimScreen)


async def test_help_filters_and_runs_the_chosen_key(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        await type_text(pilot, "queues")
        assert len(help_screen.shown) == 1
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "QueuePicker"
