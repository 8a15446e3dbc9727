"""Worker processes build imported claims exactly as the importer would alone.

Workers build a chunk with history guessed from the claims as received; where a
rule changed a line of an earlier claim of the same patient, the guess is wrong
and the importer builds that claim again. Either way the stored claims must
equal an import without workers, and a rebuild of each claim from the store.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from claimtui.engine import load_rule_set, shipped_rules_dir
from claimtui.review import Config, Workspace
from claimtui.review.parallel import BuildPool, worker_count
from claimtui.review.workspace import _ClaimStore
from claimtui.store import open_engine
from tests.conftest import TODAY
from tests.test_import_fast_path import (
    generated_records,
    patients_seen_twice,
    stored_state,
)

# A practice rule that changes every line (modifier GT), so the lines a worker
# guessed as history differ from the lines as built.
CHANGING_RULE = """
rules:
  - id: PRAC-GT
    title: Mark every line as telehealth
    why: A practice rule for the test; changes lines so history guesses miss.
    severity: info
    condition: size(service_lines) > 0
    actions:
      - modifier: add
        code: GT
"""


def returning_in_later_chunks(tmp_path: Path) -> Path:
    """Generated claims where patients come back in the same chunk of 20, in
    the second and third chunks, which workers build."""
    records = generated_records(tmp_path, 60, seed=7)
    for index in (22, 26, 30, 44, 48):
        again = json.loads(json.dumps(records[index]))
        again["claim"]["patient_control_number"] += "R"
        records.insert(index + 2, again)
    path = tmp_path / "returning-later.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def _workspace(
    tmp_path: Path, name: str, workers: int, rules: Path | None
) -> Workspace:
    layers = [shipped_rules_dir()] + ([rules] if rules else [])
    engine = open_engine(f"sqlite:///{tmp_path / name}")
    config = Config(import_workers=workers)
    return Workspace(engine, load_rule_set(layers), "tester", config, TODAY)


@pytest.mark.parametrize("changing", [False, True], ids=["as-received", "changed"])
def test_workers_store_the_same_claims_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changing: bool
) -> None:
    monkeypatch.setattr(_ClaimStore, "CHUNK", 20)
    rules = None
    if changing:
        rules = tmp_path / "practice"
        rules.mkdir()
        (rules / "telehealth.yaml").write_text(CHANGING_RULE, encoding="utf-8")
    source = returning_in_later_chunks(tmp_path)
    alone = _workspace(tmp_path, "alone.sqlite", 0, rules)
    pooled = _workspace(tmp_path, "pooled.sqlite", 2, rules)
    try:
        assert alone.import_path(source).imported == 65
        report = pooled.import_path(source)
        assert (report.imported, report.refused) == (65, False)
        expected = stored_state(alone)
        assert stored_state(pooled) == expected
        duplicates = [
            claim_id
            for claim_id, (_, findings, _) in expected.items()
            if any(finding[0] == "CODE-07" for finding in findings)
        ]
        # With the practice rule, an earlier visit's lines carry GT by the time
        # the return visit is built, so it is no longer a duplicate; the
        # workers guessed from the lines as received, which said it was.
        assert len(duplicates) == (0 if changing else 5)
    finally:
        alone.engine.dispose()
        pooled.engine.dispose()


def test_the_pool_is_used_for_a_large_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_ClaimStore, "CHUNK", 20)
    started: list[int] = []
    original = BuildPool.__init__

    def counting(self: BuildPool, *args: object) -> None:
        started.append(1)
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(BuildPool, "__init__", counting)
    workspace = _workspace(tmp_path, "claims.sqlite", 2, None)
    try:
        workspace.import_path(patients_seen_twice(tmp_path))
    finally:
        workspace.engine.dispose()
    assert started == [1]


def test_an_import_from_a_thread_builds_in_its_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The console imports from a background thread, where forking is unsafe.
    monkeypatch.setattr(_ClaimStore, "CHUNK", 20)
    started: list[int] = []
    monkeypatch.setattr(BuildPool, "__init__", lambda *_: started.append(1))
    source = returning_in_later_chunks(tmp_path)
    alone = _workspace(tmp_path, "alone.sqlite", 0, None)
    threaded = _workspace(tmp_path, "threaded.sqlite", 2, None)
    reports = []
    try:
        alone.import_path(source)
        worker = threading.Thread(
            target=lambda: reports.append(threaded.import_path(source))
        )
        worker.start()
        worker.join()
        assert reports[0].imported == 65
        assert stored_state(threaded) == stored_state(alone)
    finally:
        alone.engine.dispose()
        threaded.engine.dispose()
    assert started == []


def test_worker_count_follows_the_config() -> None:
    assert worker_count(0) == 0
    assert worker_count(3) == 3
    assert worker_count(50) == 8
    assert worker_count(None) >= 0
