"""SVG snapshots of the queue and the claim screen, narrow and wide.

The demo claims are made for a fixed day, so the pictures are stable. After an
intended change of the look, refresh them with ``pytest --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from claimtui.tui import ClaimApp
from tests.tui_support import demo_workspace

SnapCompare = Callable[..., bool]

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_queue_screen(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_claim_screen(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    assert snap_compare(app, terminal_size=size, press=["enter"])
