"""SVG snapshots of the queue, the claim screen, its case pane and help, narrow
and wide.

The demo claims are made for a fixed day, so the pictures are stable. Each picture
is taken only once the panes show their claim (the wide queue loads its detail
beside the list), so a slow run cannot catch a half-drawn screen. After an
intended change of the look, refresh them with ``pytest --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from claimtui.tui import ClaimApp
from claimtui.tui.case_pane import CaseList
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.panes import RulesList
from claimtui.tui.queue_screen import QueueScreen
from claimtui.tui.queue_view import QueueView
from tests.tui_support import demo_workspace

SnapCompare = Callable[..., bool]

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]

SETTLE_ROUNDS = 50
"""Most pauses to wait for the panes to show their claim."""


def _settled(app: ClaimApp) -> bool:
    screen = app.screen
    if isinstance(screen, QueueScreen):
        return screen.layout_name == "narrow" or screen.detail_shown is not None
    if isinstance(screen, ClaimScreen):
        case_list = screen.detail_area.case_pane.case_list
        return screen.detail is not None and case_list.claim_id == screen.row.id
    return True


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the screen shows its claim, then let the last paint finish."""
    app = pilot.app
    assert isinstance(app, ClaimApp)
    for _ in range(SETTLE_ROUNDS):
        if _settled(app):
            break
        await pilot.pause(0.05)
    await app.workers.wait_for_complete()
    await pilot.pause()
    # A new claim's rules list scrolls its first acting rule to the top after
    # the next refresh, which a loaded machine may not have drawn yet; make
    # that scroll now (the deferred one lands on the same line).
    for pane_list in [*app.screen.query(RulesList), *app.screen.query(CaseList)]:
        if pane_list.highlighted is not None:
            pane_list.scroll_to_highlight(top=True)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_queue_screen(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_claim_screen(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = ClaimApp(demo_workspace(tmp_path))

    async def open_claim(pilot: Pilot[None]) -> None:
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_claim)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = ClaimApp(demo_workspace(tmp_path))

    async def open_help(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", SIZES)
def test_case_pane(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    """A held Workers' Comp claim's case, opened from the Workers' Comp queue."""
    app = ClaimApp(demo_workspace(tmp_path))

    async def open_case(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app.screen.query_one(QueueView).show_queue("workers-comp")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_case)
