"""Write SVG screenshots of the console on the bundled demo claims.

    python -m claimtui.tui.screenshots screenshots/

writes ``queue.svg``, ``claim.svg`` and ``case.svg`` at 80x24 (a terminal over
SSH) and the same with ``-wide`` at 160x48; the case is that of the first held
Workers' Comp claim. The demo claims go into a
temporary database that is removed afterwards, and the day is fixed, so the same
code gives the same pictures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path

from textual.pilot import Pilot

from claimtui.review import Config, Workspace
from claimtui.review.demo import sample_interchange
from claimtui.tui.app import ClaimApp
from claimtui.tui.case_pane import CaseList
from claimtui.tui.panes import PaneList, RulesList

DEMO_DAY = dt.date(2026, 12, 4)
"""The day the demo claims are made for; fixed so the pictures do not change."""

DEMO_CLAIMS = 40

SIZES = {"": (80, 24), "-wide": (160, 48)}
"""File name suffix and terminal size of each set of screenshots."""


def demo_workspace(folder: Path) -> Workspace:
    """A workspace in ``folder`` holding the demo claims."""
    path = folder / "sample.837"
    path.write_text(sample_interchange(DEMO_DAY, DEMO_CLAIMS), encoding="ascii")
    url = f"sqlite:///{folder / 'screenshots.sqlite'}"
    workspace = Workspace.open(url, user="demo", config=Config(), today=DEMO_DAY)
    workspace.import_path(path)
    return workspace


async def settle(pilot: Pilot[None]) -> None:
    """Let the screen draw its claim, then put each list's cursor line at the
    top, as a new claim does once drawn, so a slow machine takes the same
    picture as a fast one."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)
    for pane_list in pilot.app.screen.query(PaneList):
        scrolls = isinstance(pane_list, RulesList | CaseList)
        if scrolls and pane_list.highlighted is not None:
            pane_list.scroll_to_highlight(top=True)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def save_screenshots(
    workspace: Workspace, out: Path, size: tuple[int, int], suffix: str
) -> list[Path]:
    """Screenshot the queue, the first held claim, then the case pane of the
    first Workers' Comp claim, at ``size``."""
    app = ClaimApp(workspace)
    written = []
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        written.append(Path(app.save_screenshot(f"queue{suffix}.svg", str(out))))
        await pilot.press("enter")
        await settle(pilot)
        written.append(Path(app.save_screenshot(f"claim{suffix}.svg", str(out))))
        await pilot.press("escape")
        app.root.queue_view.show_queue("workers-comp")
        await pilot.press("enter")
        await pilot.press("5")
        await settle(pilot)
        written.append(Path(app.save_screenshot(f"case{suffix}.svg", str(out))))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Write the screenshots into the folder named on the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m claimtui.tui.screenshots",
        description="Write SVG screenshots of the console on the demo claims.",
    )
    parser.add_argument("folder", type=Path, help="where to write the SVG files")
    out = parser.parse_args(argv).folder
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        workspace = demo_workspace(Path(scratch))
        for suffix, size in SIZES.items():
            for path in asyncio.run(save_screenshots(workspace, out, size, suffix)):
                print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
