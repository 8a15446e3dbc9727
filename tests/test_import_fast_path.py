"""The import builds and stores claims in bulk; a rebuild must agree with it.

A claim imported in a chunk and the same claim rebuilt one at a time from its
stored rows (``Workspace.claim_detail``) give the same status, findings and line
keys, including history (earlier claims of the same patient, in this file and
chunk or before) and the problems met reading the file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from claimtui.review import Workspace
from claimtui.review.workspace import _ClaimStore
from claimtui.store import ClaimRecord, FindingRecord, ServiceLineKey
from claimtui.x12.reader import read_837p
from tests.conftest import GEN837

SUMMARY = ("status", "holding_rules", "errors", "warnings", "flags", "total_charge")


def stored_state(workspace: Workspace) -> dict[int, Any]:
    """Per claim: its summary columns, finding rows and line key rows."""
    state: dict[int, Any] = {}
    with Session(workspace.engine) as session:
        for claim in session.exec(select(ClaimRecord).order_by(col(ClaimRecord.id))):
            assert claim.id is not None
            findings = session.exec(
                select(FindingRecord).where(FindingRecord.claim_id == claim.id)
            )
            keys = session.exec(
                select(ServiceLineKey).where(ServiceLineKey.claim_id == claim.id)
            )
            state[claim.id] = (
                [getattr(claim, name) for name in SUMMARY],
                sorted(
                    (f.rule_id, f.severity, f.message, f.path, f.exempted)
                    for f in findings
                ),
                [
                    (k.patient_key, k.service_date, k.procedure_code, k.charge, k.units)
                    for k in keys
                ],
            )
    return state


def rebuilt_state(workspace: Workspace) -> dict[int, Any]:
    """The stored state after every claim was opened (and so rebuilt) alone."""
    for claim_id in workspace.claim_ids("all"):
        detail = workspace.claim_detail(claim_id)
        assert detail.status == detail.build.status.value
    return stored_state(workspace)


def generated_records(tmp_path: Path, count: int, seed: int) -> list[Any]:
    """``count`` generated claims as the JSON records an import reads."""
    generated = tmp_path / "generated.837"
    command = [sys.executable, str(GEN837), str(count), "--seed", str(seed)]
    subprocess.run([*command, "-o", str(generated)], check=True)
    encounters = [claim.encounter for claim in read_837p(generated).claims]
    return [encounter.model_dump(mode="json") for encounter in encounters]


def patients_seen_twice(tmp_path: Path) -> Path:
    """A JSON file of generated claims where ten patients come back with the same
    lines under a new claim number: five in the same chunk, five chunks later."""
    records = generated_records(tmp_path, 60, seed=5)
    for index in range(10):
        again = json.loads(json.dumps(records[index]))
        again["claim"]["patient_control_number"] += "R"
        if index < 5:
            records.insert(index * 2 + 1, again)
        else:
            records.append(again)
    path = tmp_path / "returning-patients.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def test_chunked_import_and_rebuild_give_the_same_claims(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_ClaimStore, "CHUNK", 20)
    report = workspace.import_path(patients_seen_twice(tmp_path))
    assert (report.imported, report.refused) == (70, False)

    imported = stored_state(workspace)
    duplicates = [
        claim_id
        for claim_id, (_, findings, _) in imported.items()
        if any(finding[0] == "CODE-07" for finding in findings)
    ]
    assert len(duplicates) == 10
    assert rebuilt_state(workspace) == imported


def test_lenient_import_of_the_corpus_matches_a_rebuild(
    workspace: Workspace, corpus: Path
) -> None:
    for path in sorted((corpus / "837p").iterdir()):
        workspace.import_path(path, lenient=True)
    imported = stored_state(workspace)
    read_problems = [
        claim_id
        for claim_id, (_, findings, _) in imported.items()
        if any(finding[0] == "CH-03" for finding in findings)
    ]
    assert imported and read_problems
    assert rebuilt_state(workspace) == imported
