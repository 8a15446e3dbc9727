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

MATCHES_NOTHING = """\
rules:
  - id: PRACTICE-POS-99
    title: Place of service 99 needs a note
    why: Our payers ask what "other" means.
    severity: error
    condition: 'claim.place_of_service == "99"'
    actions:
      - flag: Say in a note where the service was given.
overrides:
  - id: MOD-02
    enabled: false
    reason: Nobody here bills X modifiers.
"""

HOLD_OVER_100 = """\
rules:
  - id: PRACTICE-OVER-100
    title: A second look at claims over 100
    why: Our auditor asks for it.
    severity: error
    condition: 'claim.total_charge > 100.0'
    actions:
      - flag: Check the charges against the chart.
"""

BROKEN = """\
rules:
  - id: PRACTICE-HALF-WRITTEN
    title: Not finished
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
    assert report.rules["BAL-01"].rule_change == "disabled"
    assert report.released == len(only_balance)
    assert report.held == 0
    released = {example.claim_id for example in report.rules["BAL-01"].examples}
    assert released <= {row.id for row in workspace.claim_rows("held", limit=500)}


def test_a_rule_that_matches_no_claim_is_a_row_of_zeros_marked_added(
    workspace: Workspace, tmp_path: Path
) -> None:
    load_demo(workspace)
    changed = load_rule_set([shipped_rules_dir(), practice(tmp_path, MATCHES_NOTHING)])

    report = impact(workspace, changed)

    assert (report.claims, report.changed, report.held, report.released) == (
        120,
        0,
        0,
        0,
    )
    assert report.examples == []
    rows = {
        rule_id: (rule.rule_change, rule.changed, rule.held, rule.released)
        for rule_id, rule in report.rules.items()
    }
    assert rows == {
        "PRACTICE-POS-99": ("added", 0, 0, 0),
        "MOD-02": ("disabled", 0, 0, 0),
    }


def test_a_rule_the_change_removes_that_matched_no_claim_differs_on_none(
    workspace: Workspace, tmp_path: Path
) -> None:
    load_demo(workspace)
    with_rule = load_rule_set(
        [shipped_rules_dir(), practice(tmp_path, MATCHES_NOTHING)]
    )

    report = impact(workspace, load_rule_set([shipped_rules_dir()]), baseline=with_rule)

    assert report.changed == 0
    assert report.rules["PRACTICE-POS-99"].rule_change == "removed"
    assert report.rules["PRACTICE-POS-99"].changed == 0
    assert report.rules["MOD-02"].rule_change == "enabled"


def test_a_new_hold_counts_claims_already_held_as_changed_not_held(
    workspace: Workspace, tmp_path: Path
) -> None:
    load_demo(workspace)
    over_100 = []
    for row in workspace.claim_rows("all", limit=500):
        build = workspace.claim_detail(row.id).build
        if build.encounter.claim.total_charge > 100:
            over_100.append(build.status.value)
    changed = load_rule_set([shipped_rules_dir(), practice(tmp_path, HOLD_OVER_100)])

    report = impact(workspace, changed, limit_examples=1)

    not_yet_held = len([status for status in over_100 if status != "held"])
    assert 0 < not_yet_held < len(over_100)
    assert report.changed == len(over_100)
    assert report.held == not_yet_held
    rule = report.rules["PRACTICE-OVER-100"]
    assert (rule.rule_change, rule.changed, rule.held, rule.released) == (
        "added",
        len(over_100),
        not_yet_held,
        0,
    )
    [example] = rule.examples
    assert example.fields == []
    assert [f.rule_id for f in example.findings_added] == ["PRACTICE-OVER-100"]
    assert example.findings_removed == []


def test_a_rule_set_that_does_not_load_has_a_row_for_the_claims_it_holds(
    workspace: Workspace, tmp_path: Path
) -> None:
    load_demo(workspace)
    changed = load_rule_set([shipped_rules_dir(), practice(tmp_path, BROKEN)])
    assert changed.errors

    report = impact(workspace, changed)

    held_before = len(workspace.claim_rows("held", limit=500))
    assert report.changed == 120
    assert report.held == 120 - held_before
    rule = report.rules["RULES-LOAD"]
    assert (rule.changed, rule.held, rule.released) == (120, 120 - held_before, 0)


def test_every_rule_row_is_part_of_the_summary_and_covers_it(
    workspace: Workspace, tmp_path: Path
) -> None:
    load_demo(workspace)
    folder = practice(tmp_path, SET_PLACE_OF_SERVICE)
    (folder / "hold.yaml").write_text(HOLD_OVER_100, encoding="utf-8")
    (folder / "balance.yaml").write_text(DISABLE_BALANCE, encoding="utf-8")
    changed = load_rule_set([shipped_rules_dir(), folder])

    report = impact(workspace, changed, limit_examples=500)

    summary = {example.claim_id for example in report.examples}
    assert len(summary) == report.changed
    in_rows: set[int] = set()
    for rule in report.rules.values():
        claims = {example.claim_id for example in rule.examples}
        assert len(claims) == rule.changed
        assert claims <= summary
        assert rule.held <= min(rule.changed, report.held)
        assert rule.released <= min(rule.changed, report.released)
        in_rows |= claims
    assert in_rows == summary
    assert report.held == sum(
        1 for e in report.examples if e.status_after == "held" != e.status_before
    )
    # The claims BAL-01 alone held are all over 100: the new rule holds them
    # instead, so turning BAL-01 off releases none of them.
    assert report.rules["BAL-01"].changed == 10
    assert report.rules["BAL-01"].released == report.released == 0
    assert report.rules["PRACTICE-OVER-100"].held == report.held > 0


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
    assert rule["rule_change"] == "added"
    assert rule["examples"][0]["fields"] == [
        {"path": "claim.place_of_service", "before": "11", "after": "02"}
    ]
    assert rule["examples"][0]["findings_added"] == []
    assert rule["examples"][0]["findings_removed"] == []


def test_impact_command_names_a_rule_that_matches_no_claim(
    database_url: str, tmp_path: Path, corpus: Path, capsys: Capture
) -> None:
    db = ["--database", database_url]
    main([*db, "import", str(corpus / "837p" / VALID_837P[0])])
    folder = practice(tmp_path, MATCHES_NOTHING)
    capsys.readouterr()

    status = main([*db, "rules", "impact", "--against", str(folder)])

    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert out[2:] == [
        "1 claims compared: 0 would change, 0 would be held, 0 released",
        "MOD-02           changes 0, holds 0, releases 0  (disabled; no claim differs)",
        "PRACTICE-POS-99  changes 0, holds 0, releases 0  (added; no claim differs)",
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
