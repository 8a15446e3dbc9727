"""Helpers for the console tests: real workspaces on SQLite, and typing keys.

Every console test runs the real review layer on a fresh database in the test's
tmp folder: the bundled demo claims, or an 837P file made by the shared generator.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from textual.pilot import Pilot

from claimtui.review import Config, Workspace
from claimtui.review.demo import load_demo

REPO = Path(__file__).resolve().parents[1]
GEN837 = REPO.parent / "shared" / "tools" / "gen837.py"
TODAY = dt.date(2026, 12, 4)
"""A fixed today, so the demo claims and the screenshots never change."""

DEMO_CLAIMS = 40


def open_workspace(tmp_path: Path) -> Workspace:
    """An empty workspace on a new SQLite file, with the shipped rules."""
    url = f"sqlite:///{tmp_path / 'console.sqlite'}"
    return Workspace.open(url, user="tester", config=Config(), today=TODAY)


def demo_workspace(tmp_path: Path, count: int = DEMO_CLAIMS) -> Workspace:
    """A workspace holding the bundled demo claims (every queue has some)."""
    workspace = open_workspace(tmp_path)
    load_demo(workspace, count)
    return workspace


def generated_workspace(tmp_path: Path, claims: int) -> Workspace:
    """A workspace holding ``claims`` claims from the shared 837P generator."""
    path = tmp_path / "generated.837"
    subprocess.run(
        [sys.executable, str(GEN837), str(claims), "-o", str(path)], check=True
    )
    workspace = open_workspace(tmp_path)
    report = workspace.import_path(path, lenient=True)
    assert report.imported == claims, report.problems[:5]
    return workspace


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Type ``text`` key by key, as a person would."""
    await pilot.press(*["space" if char == " " else char for char in text])
