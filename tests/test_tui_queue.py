"""The queue screen: keyset-paged rows in a bounded window, keys, queues, status."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from claimtui.review import Workspace
from claimtui.tui import ClaimApp
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.dialogs import QueuePicker, SortPicker
from claimtui.tui.queue_view import QueueView
from claimtui.tui.status import StatusLine
from tests.tui_support import demo_workspace, generated_workspace

GENERATED_CLAIMS = 3000


@pytest.fixture(scope="module")
def big_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Three thousand generated claims, shared by the paging tests."""
    return generated_workspace(tmp_path_factory.mktemp("big"), GENERATED_CLAIMS)


def queue_view(app: ClaimApp) -> QueueView:
    return app.screen.query_one(QueueView)


def status_text(app: ClaimApp) -> str:
    return str(app.screen.query_one(StatusLine).render())


async def show_all_claims(pilot: Pilot[None], view: QueueView) -> None:
    view.show_queue("all")
    await pilot.pause()


async def test_paging_to_the_end_keeps_the_row_window_bounded(
    big_workspace: Workspace,
) -> None:
    app = ClaimApp(big_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        view = queue_view(app)
        await show_all_claims(pilot, view)
        assert view.total == GENERATED_CLAIMS
        sizes = [view.window_size]

        await pilot.press("G")
        sizes.append(view.window_size)
        last = big_workspace.claim_rows("all", before=Workspace.END, limit=1)[0]
        assert view.cursor == GENERATED_CLAIMS - 1
        assert view.current_row is not None and view.current_row.id == last.id

        for _ in range(40):
            await pilot.press("pageup")
            sizes.append(view.window_size)
        for _ in range(30):
            await pilot.press("ctrl+d")
            sizes.append(view.window_size)
        await pilot.press("g")
        sizes.append(view.window_size)

        assert max(sizes) <= view.window_cap <= 3 * view.page


async def test_walking_the_whole_queue_meets_every_claim_once(
    big_workspace: Workspace,
) -> None:
    app = ClaimApp(big_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        view = queue_view(app)
        await show_all_claims(pilot, view)
        seen = []
        while True:
            row = view.current_row
            assert row is not None
            seen.append(row.id)
            assert view.window_size <= view.window_cap
            if view.cursor == view.total - 1:
                break
            view.move_cursor(1)
        await pilot.pause()
    expected = [row.id for row in big_workspace.claim_rows("all", limit=5000)]
    assert seen == expected


async def test_jumping_to_the_middle_from_either_end(big_workspace: Workspace) -> None:
    app = ClaimApp(big_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        view = queue_view(app)
        await show_all_claims(pilot, view)
        every = [row.id for row in big_workspace.claim_rows("all", limit=5000)]
        await pilot.press("G")
        view.cursor = 1500
        await pilot.pause()
        assert view.current_row is not None and view.current_row.id == every[1500]
        await pilot.press("g")
        view.cursor = 1700
        await pilot.pause()
        assert view.current_row is not None and view.current_row.id == every[1700]
        assert view.window_size <= view.window_cap


async def test_movement_keys(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        view = queue_view(app)
        await show_all_claims(pilot, view)
        height = view.scrollable_content_region.height
        await pilot.press("j", "j", "down")
        assert view.cursor == 3
        await pilot.press("k", "up")
        assert view.cursor == 1
        await pilot.press("ctrl+d")
        assert view.cursor == 1 + height // 2
        await pilot.press("ctrl+u")
        assert view.cursor == 1
        await pilot.press("pagedown")
        assert view.cursor == height
        await pilot.press("end")
        assert view.cursor == view.total - 1
        await pilot.press("j")
        assert view.cursor == view.total - 1
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.press("k")
        assert view.cursor == 0


async def test_the_queue_shows_its_columns_and_flag_letters(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    first = workspace.claim_rows("held", limit=1)[0]
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)):
        view = queue_view(app)
        header = str(app.screen.query_one("#queue-header").render())
        for title in ("Flg", "Claim", "Patient", "Payer", "Charge", "Service"):
            assert title in header
        assert "Status" in header and "Rules" in header
        line = view.render_line(0).text
        assert line.startswith(first.flags)
        assert "!" in first.flags
        assert first.patient_control_number[:10] in line
        assert f"{first.total_charge:,.2f}" in line


async def test_c_lists_queues_with_counts_and_switches(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        picker = app.screen
        assert isinstance(picker, QueuePicker)
        names = [queue.name for queue in picker.queues]
        for name in ("held", "review", "ready", "parked", "all"):
            assert name in names
        options = picker.query_one("#queues", OptionList)
        ready_count = workspace.count("ready")
        await pilot.press("down")
        while (option := options.highlighted_option) and option.id != "ready":
            await pilot.press("down")
        assert option is not None
        assert f"{ready_count:,}" in str(option.prompt)
        await pilot.press("enter")
        view = queue_view(app)
        assert view.queue == "ready"
        assert view.total == ready_count
        assert status_text(app).startswith(" Ready to export │")


async def test_status_line_names_queue_limit_counts_and_mode(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    held = workspace.count("held")
    app = ClaimApp(workspace, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j")
        text = status_text(app)
        assert text.startswith(" Held │ no limit │ ")
        assert f"2/{held}" in text
        assert "tagged 0" in text and "staged 0" in text
        assert text.rstrip().endswith("READ-ONLY")


async def test_read_only_refuses_to_exempt(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    app = ClaimApp(workspace, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, ClaimScreen)
        await pilot.press("e")
        assert isinstance(app.screen, ClaimScreen)
        assert "READ-ONLY" in status_text(app)
    assert not [e for e in workspace.audit_events() if e.action == "exempt"]


async def test_an_empty_queue_says_it_is_empty(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    assert workspace.count("exported") == 0
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        view = queue_view(app)
        await show_all_claims(pilot, view)
        view.show_queue("exported")
        await pilot.press("j", "enter")
        assert view.current_row is None
        assert "No claims in the exported queue" in view.render_line(0).text
        assert " 0/0 " in status_text(app)


async def test_o_sorts_by_a_column_and_capital_o_reverses_it(
    big_workspace: Workspace,
) -> None:
    by_charge = [
        row.id
        for row in big_workspace.claim_rows("all", limit=5000, sort="total_charge")
    ]
    app = ClaimApp(big_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        view = queue_view(app)
        await show_all_claims(pilot, view)
        await pilot.press("o")
        picker = app.screen
        assert isinstance(picker, SortPicker)
        options = picker.query_one(OptionList)
        while (option := options.highlighted_option) and option.id != "total_charge":
            await pilot.press("down")
        await pilot.press("enter")
        assert view.sort == "total_charge" and not view.descending
        assert "sort Charge ↑" in status_text(app)
        assert view.current_row is not None
        assert view.cursor == by_charge.index(view.current_row.id)
        await pilot.press("g")
        assert view.current_row is not None and view.current_row.id == by_charge[0]
        await pilot.press("G")
        assert view.current_row is not None and view.current_row.id == by_charge[-1]
        view.cursor = 1234
        await pilot.pause()
        assert view.current_row is not None and view.current_row.id == by_charge[1234]
        assert view.window_size <= view.window_cap

        await pilot.press("O")
        assert view.descending
        assert "sort Charge ↓" in status_text(app)
        assert view.current_row is not None and view.current_row.id == by_charge[1234]
        assert view.cursor == GENERATED_CLAIMS - 1 - 1234
        await pilot.press("g")
        assert view.current_row is not None and view.current_row.id == by_charge[-1]
        seen = []
        for _ in range(250):
            row = view.current_row
            assert row is not None
            seen.append(row.id)
            view.move_cursor(1)
        assert seen == by_charge[::-1][:250]
        assert view.window_size <= view.window_cap


async def test_a_new_sort_fetches_the_rows_around_the_cursors_claim(
    big_workspace: Workspace,
) -> None:
    """Deep in the queue, a new order fetches the page around the claim by its
    key instead of walking there from an end, and moving on from it meets the
    neighbours in the new order."""
    by_payer = [
        row.id for row in big_workspace.claim_rows("all", limit=5000, sort="payer_name")
    ]
    app = ClaimApp(big_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        view = queue_view(app)
        await show_all_claims(pilot, view)
        view.cursor = 1500
        await pilot.pause()
        claim = view.current_row
        assert claim is not None
        app.root.apply_sort("payer_name", False)
        await pilot.pause()
        index = by_payer.index(claim.id)
        assert view.cursor == index
        assert view.window_size <= view.page + view.page // 2
        seen = []
        for step in [-1] * 60 + [1] * 120:
            view.move_cursor(step)
            assert view.current_row is not None
            seen.append(view.current_row.id)
        assert seen[59] == by_payer[index - 60]
        assert seen[-1] == by_payer[index + 60]
        assert seen[60:] == by_payer[index - 59 : index + 61]
