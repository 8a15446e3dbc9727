"""Practice tables, code scopes and the code sets rules read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from claimtui.engine import (
    RuleSet,
    build_claim,
    codesets,
    load_rule_set,
    shipped_rules_dir,
)
from claimtui.engine.codesets import icd10_billable, icd10_known, zip_state
from claimtui.engine.helpers import code_in
from claimtui.engine.samples import example_encounter
from claimtui.model import Finding, Severity

TODAY = dt.date(2024, 3, 20)
TWO_CODES = {
    "service_lines": [
        {},
        {"procedure_code": "20605", "charge": "80.00", "service_date": "2024-03-04"},
    ]
}


def findings(
    rule_set: RuleSet, fragment: dict[str, Any], rule_id: str
) -> list[Finding]:
    built = build_claim(example_encounter(fragment), rule_set, today=TODAY)
    return [f for f in built.findings if f.rule_id == rule_id]


def test_missing_ncci_table_is_an_info_finding_not_a_hold() -> None:
    rule_set = load_rule_set([shipped_rules_dir()])
    [finding] = findings(rule_set, TWO_CODES, "MOD-01")
    assert finding.severity is Severity.INFO
    assert finding.message.startswith("Table ncci-ptp is not supplied")


def test_practice_table_is_read_from_the_tables_folder(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "ncci-ptp.csv").write_text(
        "column1,column2,modifier_indicator,effective_from,effective_to\n"
        "99213,20605,0,,\n",
        encoding="utf-8",
    )
    rule_set = load_rule_set([shipped_rules_dir(), tmp_path])
    assert rule_set.errors == []
    [finding] = findings(rule_set, TWO_CODES, "MOD-01")
    assert finding.severity is Severity.ERROR
    assert finding.path == "service_lines[1].procedure_code"


def test_a_broken_table_is_a_load_problem_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "mue.csv").write_text(
        "code,limit,mai\n96372,2,3,extra\n", encoding="utf-8"
    )
    [error] = load_rule_set([shipped_rules_dir(), tmp_path]).errors
    assert error.file.endswith("mue.csv")
    assert error.line == 2
    assert error.message == "4 cells but 3 columns"


def test_table_content_is_part_of_the_rule_set_version(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    table = tmp_path / "tables" / "mue.csv"
    table.write_text("code,limit,mai\n96372,2,3\n", encoding="utf-8")
    first = load_rule_set([tmp_path]).version
    table.write_text("code,limit,mai\n96372,3,3\n", encoding="utf-8")
    assert load_rule_set([tmp_path]).version != first


def test_procedure_and_diagnosis_scopes_take_codes_prefixes_and_ranges(
    tmp_path: Path,
) -> None:
    (tmp_path / "r.yaml").write_text(
        "rules:\n"
        "  - id: SCOPED\n    title: t\n    why: w\n    severity: warning\n"
        "    scope: {procedure_codes: ['99202-99215'], diagnosis_codes: ['J0*']}\n"
        "    actions: [{flag: look}]\n",
        encoding="utf-8",
    )
    rule_set = load_rule_set([tmp_path])
    assert findings(rule_set, {}, "SCOPED")
    other_dx = {"claim": {"diagnoses": [{"code": "I10", "qualifier": "ABK"}]}}
    assert findings(rule_set, other_dx, "SCOPED") == []
    other_code = {"service_lines": [{"procedure_code": "99396"}]}
    assert findings(rule_set, other_code, "SCOPED") == []


def test_code_patterns() -> None:
    assert code_in("99213", ["99202-99215"])
    assert code_in("S72001A", ["S00-T88"])
    assert code_in("E119", ["E11*"])
    assert not code_in("99396", ["99202-99215", "992*"])


def test_icd10_and_zip_code_sets() -> None:
    assert icd10_billable("J069")
    assert icd10_known("E11") and not icd10_billable("E11")
    assert not icd10_known("Q999Z")
    assert zip_state("627011234") == "IL"
    assert zip_state("00000") == ""


def test_the_zip_table_is_kept_in_the_cache_folder_and_rebuilt_when_damaged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    codesets._zip_states.cache_clear()
    cache = codesets._zip_cache_file()
    assert not cache.exists()  # the test's own cache folder
    assert zip_state("62701") == "IL"
    assert cache.exists()
    # Read from the cache from now on, not from the package.
    codesets._zip_states.cache_clear()
    built = codesets._zip_states_from_package
    monkeypatch.setattr(codesets, "_zip_states_from_package", dict)
    assert zip_state("62701") == "IL"
    # A damaged cache is built again and written anew.
    monkeypatch.setattr(codesets, "_zip_states_from_package", built)
    for damage in ('{"62701": 5}', "not json", "[]"):
        cache.write_text(damage, encoding="ascii")
        codesets._zip_states.cache_clear()
        assert zip_state("62701") == "IL"
        assert '"62701":"IL"' in cache.read_text(encoding="ascii")
    codesets._zip_states.cache_clear()


def test_an_unwritable_cache_folder_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be", encoding="ascii")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    codesets._zip_states.cache_clear()
    assert zip_state("62701") == "IL"
    assert blocked.is_file()
    codesets._zip_states.cache_clear()


def test_code_sets_load_ahead_only_for_the_helpers_named() -> None:
    """Before workers fork, the sets the rule set's helpers read are loaded once."""
    codesets._zip_states.cache_clear()
    codesets._icd10_codes.cache_clear()
    codesets.load_for(["claim", "zip_known", "size"])
    assert codesets._zip_states.cache_info().currsize == 1
    assert codesets._icd10_codes.cache_info().currsize == 0
    codesets.load_for(["icd10_billable"])
    assert codesets._icd10_codes.cache_info().currsize == 1
