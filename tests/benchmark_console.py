"""Console speed at 100,000 claims: open, page, key to repaint, limit, search, and
keypress to updated segments for a staged exemption.

Not collected by pytest (the name does not start with ``test_``). Run it with::

    python tests/benchmark_console.py [--claims 100000]

The demo claims are imported once through the review layer; the store tables are
then filled to the requested size by copying those rows in SQL, which takes
seconds where importing 100,000 claims would take minutes. The copies are real
rows: queues, limits and paging run over them exactly as over imported claims.
Times are medians in milliseconds; targets are under 50 ms to open a queue, from
key to repaint, to apply a limit, count tagged claims for ``;``, list the queues
with their counts (``c``) and sort the queue by any column (``o``/``O``), and
under 100 ms from keypress to updated segments.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from textual.geometry import Region

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claimtui.review import Config, Workspace
from claimtui.review.demo import load_demo
from claimtui.review.queues import SORT_COLUMNS
from claimtui.review.staging import StagedAction
from claimtui.store import ClaimRecord
from claimtui.tui import ClaimApp
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.queue_screen import QueueScreen
from claimtui.tui.queue_view import QueueView
from tests.tui_support import TODAY

TEMPLATES = 120
"""Demo claims imported for real; every other claim copies one of them."""


def fill(workspace: Workspace, claims: int) -> None:
    """Copy the imported claims, their encounters and findings up to ``claims``."""
    columns = [
        column.name
        for column in ClaimRecord.__table__.columns  # type: ignore[attr-defined]
        if column.name not in ("id", "encounter_id")
    ]
    copied = ", ".join(columns)
    from_template = ", ".join(f"c.{name}" for name in columns)
    with workspace.engine.begin() as connection:
        while True:
            have = connection.execute(text("SELECT count(*) FROM encounter")).scalar()
            assert have is not None
            if have >= claims:
                break
            connection.execute(
                text(
                    "INSERT INTO encounter (batch_id, position, raw_format, raw, "
                    "encounter_json, read_issues_json, fingerprint) SELECT batch_id, "
                    "position, raw_format, raw, encounter_json, read_issues_json, "
                    "fingerprint FROM encounter ORDER BY id LIMIT :n"
                ),
                {"n": min(have, claims - have)},
            )
        connection.execute(
            text(
                f"INSERT INTO claim (encounter_id, {copied}) "
                f"SELECT e.id, {from_template} FROM encounter e "
                "JOIN claim c ON c.encounter_id = ((e.id - 1) % :t) + 1 "
                "WHERE e.id > :t ORDER BY e.id"
            ),
            {"t": TEMPLATES},
        )
        connection.execute(
            text(
                "INSERT INTO finding (claim_id, rule_id, severity, message, path, "
                "exempted) SELECT n.id, f.rule_id, f.severity, f.message, f.path, "
                "f.exempted FROM claim n "
                "JOIN claim t ON t.encounter_id = ((n.encounter_id - 1) % :t) + 1 "
                "JOIN finding f ON f.claim_id = t.id WHERE n.id > :t"
            ),
            {"t": TEMPLATES},
        )


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def paint(view: QueueView) -> None:
    """Draw every line on screen, as a repaint does."""
    region = view.scrollable_content_region
    view.render_lines(Region(0, 0, region.width, region.height))


def timed(action: Callable[[], object], rounds: int) -> float:
    """Median time of ``action`` in milliseconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return median_ms(samples)


def measure_sorts(root: QueueScreen, view: QueueView) -> dict[str, float]:
    """Sort the whole queue by each column the ``o`` picker offers, then
    reversed (``O``), with the cursor mid-queue: the cursor's claim stays
    under the cursor, so each sort counts, finds the claim's new place and
    fetches the rows around it. Then a page down in that order."""
    results: dict[str, float] = {}
    root.change_queue("all")
    for sort, label in SORT_COLUMNS.items():
        for descending in (False, True):
            view.cursor = 50_000
            key = "O" if descending else "o"

            def sort_and_paint(sort: str = sort, descending: bool = descending) -> None:
                root.apply_sort(sort, descending)
                paint(view)

            results[f"{key}: sort by {label.lower()}, cursor's claim kept, paint"] = (
                timed(sort_and_paint, 3)
            )

        def page_down() -> None:
            view.action_page(1)
            paint(view)

        results[f"key to repaint: pagedown, sorted by {label.lower()}"] = timed(
            page_down, 10
        )
    root.apply_sort("id", False)
    return results


async def measure(workspace: Workspace) -> dict[str, float]:
    """Time what a biller does, from the key's action to the lines drawn.

    Each figure is the console's own work on the event loop: the key's action,
    the queries it makes and drawing the lines on screen. The Pilot round trip
    adds Textual's fixed idle waits (about 100 ms per key even on a tiny
    queue), so it is reported on its own line for comparison.
    """
    results: dict[str, float] = {}
    app = ClaimApp(workspace, lock_minutes=0)
    async with app.run_test(size=(80, 24)) as pilot:
        root = app.root
        view = root.queue_view

        def open_all() -> None:
            root.change_queue("all")
            paint(view)

        results["open queue 'all' (count, first page, paint)"] = timed(open_all, 5)

        def key(action: Callable[[], object]) -> Callable[[], None]:
            def press() -> None:
                action()
                paint(view)

            return press

        view.cursor = 50_000
        results["key to repaint: j (mid-queue)"] = timed(
            key(view.action_cursor_down), 50
        )
        results["key to repaint: pagedown"] = timed(
            key(lambda: view.action_page(1)), 50
        )
        results["key to repaint: G then g"] = timed(
            key(lambda: (view.action_last(), paint(view), view.action_first())), 5
        )
        results["limit ~p medicare ~a >100 (count, page, paint)"] = timed(
            key(lambda: root.apply_limit("~p medicare ~a >100")), 5
        )
        root.apply_limit("")
        root.apply_search("~w")
        results["search ~w: n to the next match and repaint"] = timed(
            key(lambda: root.action_next_match(1)), 20
        )
        root.apply_search("")

        start = time.perf_counter()
        root.tag_pattern("~s held")
        tagged = len(app.tags)
        results[f"T ~s held ({tagged:,} claims tagged)"] = (
            time.perf_counter() - start
        ) * 1000
        results["; bulk prompt count (tagged hidden by limit)"] = timed(
            lambda: workspace.count_among(app.tags, "all", "~w"), 3
        )
        results["c: queue list with counts"] = timed(workspace.queues, 3)
        results.update(measure_sorts(root, view))

        round_trips = []
        for _ in range(20):
            start = time.perf_counter()
            await pilot.press("j")
            round_trips.append(time.perf_counter() - start)
        results["Pilot round trip for j (includes Textual idle waits)"] = median_ms(
            round_trips
        )

        root.change_queue("held")
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ClaimScreen)
        row = screen.row
        rule_id = row.rules[0]
        samples = []
        for _ in range(20):
            action = StagedAction(row.id, "exempt", "bench", rule_id=rule_id)
            start = time.perf_counter()
            screen._stage(action)
            samples.append(time.perf_counter() - start)
            app.staging.undo_claim(row.id)
        results["keypress to updated segments: staged exempt (preview)"] = median_ms(
            samples
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    claims = parser.parse_args().claims
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.sqlite'}"
        workspace = Workspace.open(url, user="bench", config=Config(), today=TODAY)
        start = time.perf_counter()
        load_demo(workspace, TEMPLATES)
        fill(workspace, claims)
        seconds = time.perf_counter() - start
        print(f"{workspace.count('all'):,} claims ready in {seconds:.1f} s")
        for name, value in asyncio.run(measure(workspace)).items():
            print(f"{value:9.1f} ms  {name}")
        workspace.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
