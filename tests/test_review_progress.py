"""Progress of long work: import counts claims read, export claims written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from claimtui.review import Workspace
from claimtui.review import export as export_module
from tests.conftest import GEN837, VALID_837P, release_all


def test_import_reports_claims_read_in_increasing_counts(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "generated.837"
    subprocess.run([sys.executable, str(GEN837), "1200", "-o", str(path)], check=True)
    calls: list[tuple[int, int | None]] = []
    report = workspace.import_path(
        path, lenient=True, progress=lambda done, total: calls.append((done, total))
    )
    assert report.imported == 1200
    assert calls == [(500, None), (1000, None), (1200, None)]


def test_export_reports_claims_written_of_the_ready_count(
    workspace: Workspace,
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in VALID_837P:
        assert not workspace.import_path(corpus / "837p" / name).refused
    release_all(workspace)
    ready = workspace.count("ready")
    assert ready >= 2
    monkeypatch.setattr(export_module, "_CHUNK", 1)
    calls: list[tuple[int, int | None]] = []
    report = workspace.export(
        tmp_path / "batch.837", lambda done, total: calls.append((done, total))
    )
    assert report.claim_count == ready
    assert calls == [(done, ready) for done in range(1, ready + 1)]
