"""Layouts by terminal width: narrow 80x24 over SSH, medium, and wide 160x48."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static, Tabs

from claimtui.tui import ClaimApp
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.detail import DetailArea
from claimtui.tui.panes import Pane
from claimtui.tui.queue_screen import QueueScreen
from claimtui.tui.queue_view import QueueView
from tests.tui_support import demo_workspace


def visible_panes(area: DetailArea) -> list[int]:
    return [pane.number for pane in area.panes if pane.display]


def raw_text(area: DetailArea) -> str:
    return str(area.pane(1).query_one(".raw", Static).render())


async def test_narrow_queue_fills_the_screen(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)):
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert screen.layout_name == "narrow"
        assert not screen.detail_area.display
        view = screen.query_one(QueueView)
        assert view.size.width == 80
        assert view.size.height == 24 - 3


async def test_medium_queue_has_one_tabbed_detail_area(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        area = screen.detail_area
        assert screen.layout_name == "medium"
        assert area.display and area.query_one(Tabs).display
        assert visible_panes(area) == [1]
        await pilot.press("3")
        assert visible_panes(area) == [3]


async def test_wide_queue_has_three_panes_that_follow_the_cursor(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    first, second = workspace.claim_rows("held", limit=2)
    app = ClaimApp(workspace)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        area = screen.detail_area
        assert screen.layout_name == "wide"
        assert not area.query_one(Tabs).display
        assert visible_panes(area) == [1, 2, 3]
        assert first.patient_control_number in raw_text(area)
        await pilot.press("j")
        await pilot.pause(0.3)
        assert second.patient_control_number in raw_text(area)


async def test_narrow_claim_screen_stacks_three_panes_and_z_maximises(
    tmp_path: Path,
) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ClaimScreen)
        area = screen.detail_area
        assert area.arrangement == "stacked"
        assert visible_panes(area) == [1, 2, 3]
        await pilot.press("3")
        assert screen.focused is area.pane(3).focus_target
        await pilot.press("z")
        assert isinstance(screen.maximized, Pane) and screen.maximized.number == 3
        await pilot.press("z")
        assert screen.maximized is None
        await pilot.press("1", "z", "escape")
        assert screen.maximized is None
        assert app.screen is screen
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_wide_claim_screen_sets_panes_side_by_side(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ClaimScreen)
        area = screen.detail_area
        assert area.arrangement == "columns"
        lefts = [pane.region.x for pane in area.panes[:3]]
        assert lefts == sorted(lefts) and len(set(lefts)) == 3
        assert not area.pane(4).display
