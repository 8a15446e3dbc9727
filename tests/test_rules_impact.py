"""Previewing a rule change on stored claims, explaining a rule on a real claim,
and rules that read the store's history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimtui.cli import main
from claimtui.engine import load_rule_set, shipped_rules_dir
from claimtui.review import Workspace
from claimtui.review.demo import load_demo
from claimtui.review.impact import FieldChange, field_changes, impact
from tests.conftest import VALID_837P

Capture = pytest.CaptureFixture[str]

SET_PLACE_OF_SERVICE = """\
rules:
  - id: PRACTICE-POS
    title: Every claim is billed from the outpatient hospital
    why: Our clinic moved into the hospital building.
    severity: info
    actions:
      - set: claim.place_of_service
        value: "22"
    examples:
      - input: {}
        fires: true
"""

DISABLE_BALANCE = """\
overrides:
  - id: BAL-01
    enabled: false
    reason: The clearinghouse recomputes the total.
"""


def practice(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "rules.yaml").write_text(text, encoding="utf-8")
    return folder


def test_field_changes_name_each_differing_leaf_by_path() -> None:
    before = {"claim": {"place_of_service": "11"}, "lines": [{"units": 1}]}
    after = {"claim": {"place_of_service": "22"}, "lines": [{"units": 2}]}
    assert field_changes(before, after) == [
        FieldChange("claim.place_of_service", "11", "22"),
        FieldChange("lines[0].units", 1, 2),
    ]


def test_a_rule_that_sets_place_of_service_changes_every_claim(
    workspace: Workspace, tmp_path: Path
) -> None:
    assert load_demo(workspace) == 120
    changed = load_rule_set(
        [shipped_rules_dir(), practice(tmp_path, SET_PLACE_OF_SERVICE)]
    )

    report = impact(workspace, changed, limit_examples=2, chunk_size=7)

    assert report.claims == 120
    assert report.changed == 120
    assert report.held == 0
    assert report.released == 0
    assert len(report.examples) == 2
    first = report.examples[0]
    assert FieldChange("claim.place_of_service", "11", "22") in first.fields
    assert report.rules["PRACTICE-POS"].changed == 120
    assert report.rules["PRACTICE-POS"].examples[0].fields == first.fields


def test_disabling_an_error_rule_releases_the_claims_it_alone_held(
    workspace: Workspace, tmp_path: Path
) -> None:
    load_demo(workspace)
    only_balance = [
        row.id
        for row in workspace.claim_rows("held", limit=500)
        if row.rules == ["BAL-01"]
    ]
    assert only_balance
    changed = load_rule_set([shipped_rules_dir(), practice(tmp_path, DISABLE_BALANCE)])

    report = impact(workspace, changed)

    assert report.rules["BAL-01"].released == 10
    assert report.released == len(only_balance)
    assert report.held == 0
    released = {example.claim_id for example in report.rules["BAL-01"].examples}
    assert released <= {row.id for row in workspace.claim_rows("held", limit=500)}


def test_impact_command_reports_json_against_a_folder(
    database_url: str, tmp_path: Path, corpus: Path, capsys: Capture
) -> None:
    db = ["--database", database_url]
    assert main([*db, "import", str(corpus / "837p" / VALID_837P[0])]) == 0
    folder = practice(tmp_path, SET_PLACE_OF_SERVICE.replace('"22"', '"02"'))
    capsys.readouterr()

    status = main([*db, "rules", "impact", "--against", str(folder), "--json"])

    report = json.loads(capsys.readouterr().out)
    assert status == 0
    assert report["claims"] == 1
    assert report["changed"] == 1
    [rule] = [r for r in report["rules"] if r["rule_id"] == "PRACTICE-POS"]
    assert rule["examples"][0]["fields"] == [
        {"path": "claim.place_of_service", "before": "11", "after": "02"}
    ]


def test_impact_command_without_against_shows_what_practice_rules_do(
    database_url: str, tmp_path: Path, corpus: Path, capsys: Capture
) -> None:
    db = ["--database", database_url]
    main([*db, "import", str(corpus / "837p" / VALID_837P[0])])
    folder = practice(tmp_path, SET_PLACE_OF_SERVICE)
    capsys.readouterr()

    status = main([*db, "--rules", str(folder), "rules", "impact"])

    out = capsys.readouterr().out
    assert status == 0
    assert "baseline: shipped rules only" in out
    assert "1 claims compared: 1 would change, 0 would be held, 0 released" in out
    assert 'claim.place_of_service: "11" -> "22"' in out


def test_explain_shows_each_condition_part_on_a_real_claim(
    database_url: str, corpus: Path, capsys: Capture
) -> None:
    db = ["--database", database_url]
    main([*db, "import", str(corpus / "837p" / VALID_837P[1])])
    capsys.readouterr()
    main([*db, "claims", "--json"])
    claim_id = json.loads(capsys.readouterr().out)[0]["id"]

    status = main([*db, "rules", "explain", str(claim_id), "FMT-12"])

    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert out[0] == "FMT-12 Diagnosis codes and qualifiers: fired"
    assert '  claim.diagnoses.exists(d, d.code.contains("."))  ->  False' in out
    assert any(
        "claim.diagnoses[0].qualifier" in line and "True" in line for line in out
    )


def test_a_second_claim_for_the_same_visit_is_held_as_a_duplicate(
    workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    original = (corpus / "837p" / VALID_837P[0]).read_text(encoding="utf-8")
    again = tmp_path / "again.edi"
    again.write_text(original.replace("CLM*1606*", "CLM*1607*"), encoding="utf-8")
    workspace.import_path(corpus / "837p" / VALID_837P[0])
    workspace.import_path(again)

    first, second = sorted(workspace.claim_rows("all"), key=lambda row: row.id)

    assert "CODE-07" not in first.rules
    assert "CODE-07" in second.rules
    detail = workspace.claim_detail(second.id)
    [trace] = [t for t in detail.build.traces if t.rule_id == "CODE-07"]
    assert trace.outcome == "fired"
