"""The case pane (5): a WC or accident claim's case, edited field by field with
reasons, staged, previewed at once and committed, on the bundled demo claims."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from claimtui.review import ClaimRow, Workspace
from claimtui.tui import ClaimApp
from claimtui.tui.case_pane import NOT_A_CASE, CaseFieldPrompt, CasePane
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.dialogs import HelpScreen, OverridePrompt
from claimtui.tui.prompts import CommitDialog
from claimtui.tui.queue_screen import QueueScreen
from claimtui.tui.queue_view import QueueView
from tests.tui_support import demo_workspace, type_text

CLAIM_NUMBER = "patient.property_casualty_claim_number"
INJURY_DATE = "claim.accident_date"


def held_by(workspace: Workspace, queue: str, rule_id: str) -> tuple[int, ClaimRow]:
    """Position in ``queue`` and row of the first claim ``rule_id`` holds."""
    for position, row in enumerate(workspace.claim_rows(queue, limit=500)):
        detail = workspace.claim_detail(row.id)
        if rule_id in {f.rule_id for f in detail.build.holding_findings}:
            return position, row
    raise AssertionError(f"the demo has no claim held by {rule_id} in {queue}")


async def open_case(pilot: Pilot[None], queue: str, position: int) -> CasePane:
    """Show ``queue``, open the claim at ``position`` and focus its case pane."""
    view = pilot.app.screen.query_one(QueueView)
    view.show_queue(queue)
    view.cursor = position
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ClaimScreen)
    await pilot.press("5")
    await pilot.pause()
    return screen.detail_area.case_pane


async def select_field(pilot: Pilot[None], pane: CasePane, path: str) -> None:
    """Move the case pane's cursor with j and k to the field at ``path``."""
    paths = [
        line.case_field.path if line.case_field else "" for line in pane.case_list.lines
    ]
    wanted = paths.index(path)
    current = pane.case_list.highlighted or 0
    key = "j" if wanted > current else "k"
    for _ in range(abs(wanted - current)):
        await pilot.press(key)


async def edit_selected(pilot: Pilot[None], value: str, reason: str) -> None:
    """Press enter on the selected field, type the value and the reason."""
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CaseFieldPrompt)
    await type_text(pilot, value)
    await pilot.press("enter")
    await type_text(pilot, reason)
    await pilot.press("enter")
    await pilot.pause()


def pane_text(pane: CasePane, width: int = 120) -> list[str]:
    """The case pane's lines as plain text, one line per field or finding."""
    console = Console(width=width, record=True, file=io.StringIO())
    lines = []
    for index in range(pane.case_list.option_count):
        console.print(pane.case_list.get_option_at_index(index).prompt)
        text = console.export_text()
        lines += [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return lines


def messages(app: ClaimApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_held_workers_comp_claim_is_released_by_editing_its_case(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, row = held_by(workspace, "workers-comp", "WC-03")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_case(pilot, "workers-comp", position)
        selected = pane.case_list.selected
        assert selected is not None and selected.path == CLAIM_NUMBER

        await edit_selected(pilot, "WC4410023", "claim number from the adjuster")
        assert len(app.staging) == 1
        assert any("WC-03 no longer holds" in text for text in messages(app))
        assert pane.case is not None
        assert pane.case.field(CLAIM_NUMBER).value == "WC4410023"
        assert not pane.case.field(CLAIM_NUMBER).findings

        await select_field(pilot, pane, INJURY_DATE)
        await edit_selected(pilot, "2026-11-20", "first report of injury")
        screen = app.screen
        assert isinstance(screen, ClaimScreen) and screen.detail is not None
        assert screen.detail.status == "review"

        await pilot.press("dollar_sign")
        assert isinstance(app.screen, CommitDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()

        assert not workspace.in_queue("held", row.id)
        await pilot.press("escape", "escape", "q")
        view = app.screen.query_one(QueueView)
        view.show_queue("held")
        assert not view.contains(row)

    edits = [
        event.detail
        for event in workspace.audit_events(row.id)
        if event.action == "edit"
    ]
    assert any(
        CLAIM_NUMBER in e and "claim number from the adjuster" in e for e in edits
    )
    assert any(INJURY_DATE in e and "first report of injury" in e for e in edits)


async def test_auto_accident_without_its_state_is_released_by_the_state(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, row = held_by(workspace, "accident", "ACC-01")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_case(pilot, "accident", position)
        selected = pane.case_list.selected
        assert selected is not None and selected.path == "claim.accident_state"
        assert [f.rule_id for f in selected.findings] == ["ACC-01"]

        await edit_selected(pilot, "OR", "state from the police report")
        screen = app.screen
        assert isinstance(screen, ClaimScreen) and screen.detail is not None
        assert screen.detail.status == "ready"

        await pilot.press("dollar_sign", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()

    detail = workspace.claim_detail(row.id)
    assert detail.status == "ready"
    assert any(
        line.startswith("CLM*") and "AA:::OR" in line for line in detail.segment_lines
    )


async def test_a_date_not_written_as_year_month_day_keeps_the_prompt_open(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row = held_by(workspace, "workers-comp", "WC-04")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_case(pilot, "workers-comp", position)
        await select_field(pilot, pane, INJURY_DATE)
        await pilot.press("enter")
        await type_text(pilot, "11/20/2026")
        await pilot.press("enter")
        await pilot.pause()

        prompt = app.screen
        assert isinstance(prompt, CaseFieldPrompt)
        assert prompt.focused is prompt.query_one("#value", Input)
        assert any("YYYY-MM-DD" in text for text in messages(app))
        assert len(app.staging) == 0


async def test_a_case_edit_needs_a_reason(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row = held_by(workspace, "workers-comp", "WC-03")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, "workers-comp", position)
        await pilot.press("enter")
        await type_text(pilot, "WC4410023")
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CaseFieldPrompt)
        assert "A reason is required." in messages(app)
        await pilot.press("escape")
        assert len(app.staging) == 0


async def test_a_missing_group_is_added_with_the_value_then_edited(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row = held_by(workspace, "workers-comp", "WC-03")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_case(pilot, "workers-comp", position)
        assert pane.case is not None
        phone = pane.case.field("subscriber.contact.phone")
        assert phone.missing_group == "subscriber.contact"
        await select_field(pilot, pane, "subscriber.contact.phone")
        await edit_selected(pilot, "5035550199", "adjuster from the carrier portal")

        [staged] = app.staging.actions
        assert (staged.path, staged.value) == (
            "subscriber.contact",
            {"phone": "5035550199"},
        )
        assert pane.case is not None
        name = pane.case.field("subscriber.contact.name")
        assert (name.editable, name.missing_group) == (True, "")
        assert pane.case.field("subscriber.contact.phone").value == "5035550199"

        await select_field(pilot, pane, "subscriber.contact.name")
        await pilot.press("enter")
        prompt = app.screen
        assert isinstance(prompt, CaseFieldPrompt)
        assert not prompt.case_field.missing_group


async def test_case_lines_show_flags_values_places_and_findings(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row = held_by(workspace, "workers-comp", "WC-03")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_case(pilot, "workers-comp", position)
        lines = pane_text(pane)
        [contact] = [line for line in lines if "Adjuster contact (subscriber)" in line]
        assert "(not present — press enter to add)" in contact
        assert contact.endswith("2010BA PER02")
        [number] = [line for line in lines if "P&C claim number (patient)" in line]
        assert number.startswith("E ")
        assert any(
            line.startswith("E WC-03 Enter the carrier's Workers' Comp claim")
            for line in lines
        )


async def test_a_claim_that_is_not_a_case_says_so(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row = held_by(workspace, "held", "BAL-01")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_case(pilot, "held", position)
        case_list = pane.case_list
        assert case_list.option_count == 1
        assert str(case_list.get_option_at_index(0).prompt) == NOT_A_CASE
        assert case_list.selected is None
        assert not app.screen.active_bindings["enter"].enabled
        await pilot.press("enter")
        assert isinstance(app.screen, ClaimScreen)


async def test_case_edits_are_refused_when_read_only(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row = held_by(workspace, "workers-comp", "WC-03")
    app = ClaimApp(workspace, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, "workers-comp", position)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ClaimScreen)
        assert len(app.staging) == 0


async def test_help_lists_the_case_pane_and_its_edit_key(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row = held_by(workspace, "workers-comp", "WC-03")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, "workers-comp", position)
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = {
            (keys, str(entry.binding.description), entry.binding.id)
            for keys, entry in help_screen.entries
        }
        assert ("5", "Case", "claim.pane-case") in listed
        assert ("⏎", "Edit case field", "case.edit") in listed


async def test_shift_e_edits_the_case_field_only_from_the_case_pane(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row = held_by(workspace, "workers-comp", "WC-03")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, "workers-comp", position)
        await pilot.press("E")
        prompt = app.screen
        assert isinstance(prompt, CaseFieldPrompt)
        assert prompt.case_field.path == CLAIM_NUMBER
        await pilot.press("escape", "2", "E")
        assert isinstance(app.screen, OverridePrompt)


async def test_enter_on_the_case_beside_the_queue_opens_the_claim_on_its_case(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, row = held_by(workspace, "workers-comp", "WC-03")
    app = ClaimApp(workspace)
    async with app.run_test(size=(160, 48)) as pilot:
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        queue.queue_view.show_queue("workers-comp")
        queue.queue_view.cursor = position
        await pilot.press("5")
        case_list = queue.detail_area.case_pane.case_list
        for _ in range(50):
            if case_list.claim_id == row.id:
                break
            await pilot.pause(0.05)
        assert case_list.claim_id == row.id
        case_list.focus()
        await pilot.press("enter")
        await pilot.pause()

        screen = app.screen
        assert isinstance(screen, ClaimScreen) and screen.row.id == row.id
        assert screen.detail_area.case_pane.case_list.has_focus
