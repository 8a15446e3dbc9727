"""Shared fixtures: the public corpus, a private home for each test, a workspace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimtui.review import Config, Workspace

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
GEN837 = REPO.parent / "shared" / "tools" / "gen837.py"
TODAY = dt.date(2026, 12, 4)

VALID_837P = [
    "uhin-x12-parser-library__test-files__837.edi",
    "linuxforhealth-x12__837_005010X222A2__demo.autoaccident.837",
    "linuxforhealth-x12__837_005010X222A2__demo.cob.example3.C.837",
    "linuxforhealth-x12__837_005010X222A2__demo.drug.example10.1.837",
    "linuxforhealth-x12__837_005010X222A2__demo.drug.example10.3.837",
    "linuxforhealth-x12__837_005010X222A2__demo.example1.837",
    "linuxforhealth-x12__837_005010X222A2__demo.example2.837",
    "linuxforhealth-x12__837_005010X222A2__demo.example7.837",
    "linuxforhealth-x12__837_005010X222A2__demo.example8.837",
]
"""Corpus 837P files whose content pyx12 accepts (see the corpus README)."""


def release_all(workspace: Workspace) -> None:
    """Exempt every holding rule with a reason, as a biller would after review."""
    for queue in ("held", "review"):
        for row in workspace.claim_rows(queue, limit=1000):
            detail = workspace.claim_detail(row.id)
            for rule_id in sorted({f.rule_id for f in detail.build.findings}):
                if not all(
                    f.exempted for f in detail.build.findings if f.rule_id == rule_id
                ):
                    workspace.exempt(row.id, rule_id, "reviewed against the TR3")


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every platformdirs folder and the config file into the test's tmp."""
    home = tmp_path / "home"
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(variable, str(home / variable.lower()))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("CLAIMTUI_DATABASE_URL", raising=False)
    monkeypatch.delenv("CLAIMTUI_CONFIG", raising=False)
    return home


@pytest.fixture
def corpus() -> Path:
    """The shared corpus folder; tests read real files from it."""
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}")
    return CORPUS


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh SQLite database for one test."""
    return f"sqlite:///{tmp_path / 'claims.sqlite'}"


@pytest.fixture
def workspace(database_url: str) -> Iterator[Workspace]:
    """A workspace on a fresh database, the shipped rules, and a fixed today."""
    ws = Workspace.open(database_url, user="tester", config=Config(), today=TODAY)
    yield ws
    ws.engine.dispose()
