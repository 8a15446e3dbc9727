"""MOD-08: payer, program and state modifier requirements from a practice table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from claimtui.engine import RuleSet, build_claim, load_rule_set, shipped_rules_dir
from claimtui.engine.helpers import iso_country, modifier_row_valid, modifiers_due
from claimtui.engine.samples import example_encounter
from claimtui.model import BuildResult, Severity

TODAY = dt.date(2024, 3, 20)
COUNSELOR = {
    "entity_type": "1",
    "last_name": "SMITH",
    "first_name": "ANN",
    "npi": "1245319599",
    "taxonomy": "101YP2500X",
}
MEDICAID_THERAPY = {
    "subscriber": {"claim_filing_code": "MC"},
    "rendering_provider": COUNSELOR,
    "service_lines": [{"procedure_code": "90834"}],
}
TABLE = (
    "payer_id,claim_filing_code,state,procedure_code,taxonomy,modifier,action,"
    "effective_from,effective_to\n"
    "*,MC,IL,90832-90838,101Y*,HO,inject,2024-01-01,\n"
    "*,MC,IL,90853,,HQ,require,,\n"
    "ACME1,,,99*,,GT,forbid,2024-01-01,\n"
)


@pytest.fixture
def practice_rules(tmp_path: Path) -> RuleSet:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "modifier-requirements.csv").write_text(
        TABLE, encoding="utf-8"
    )
    rule_set = load_rule_set([shipped_rules_dir(), tmp_path])
    assert rule_set.errors == []
    return rule_set


def build(rule_set: RuleSet, fragment: dict[str, Any]) -> BuildResult:
    return build_claim(example_encounter(fragment), rule_set, today=TODAY)


def mod08_findings(result: BuildResult) -> list[tuple[Severity, str, str]]:
    return [
        (f.severity, f.path, f.message)
        for f in result.findings
        if f.rule_id == "MOD-08"
    ]


def test_an_injected_modifier_is_a_change_with_before_and_after(
    practice_rules: RuleSet,
) -> None:
    result = build(practice_rules, MEDICAID_THERAPY)
    [change] = [c for c in result.changes if c.rule_id == "MOD-08"]
    assert (change.path, change.before, change.after) == (
        "service_lines[0].modifiers",
        [],
        ["HO"],
    )
    assert mod08_findings(result) == []
    assert result.encounter.service_lines[0].modifiers == ["HO"]


def test_a_modifier_that_does_not_fit_is_flagged_not_dropped(
    practice_rules: RuleSet,
) -> None:
    full = {"procedure_code": "90834", "modifiers": ["GT", "95", "U1", "U2"]}
    result = build(practice_rules, {**MEDICAID_THERAPY, "service_lines": [full]})
    [(severity, path, message)] = mod08_findings(result)
    assert severity is Severity.ERROR
    assert path == "service_lines[0].modifiers"
    assert message.startswith("Line 1: modifier HO could not be added")


def test_a_missing_required_modifier_holds_the_line(practice_rules: RuleSet) -> None:
    group = {**MEDICAID_THERAPY, "service_lines": [{"procedure_code": "90853"}]}
    [(severity, path, message)] = mod08_findings(build(practice_rules, group))
    assert (severity, path) == (Severity.ERROR, "service_lines[0].modifiers")
    assert "action require" in message


def test_a_forbidden_modifier_holds_only_after_the_row_starts(
    practice_rules: RuleSet,
) -> None:
    before = {"service_lines": [{"modifiers": ["GT"], "service_date": "2023-12-29"}]}
    assert mod08_findings(build(practice_rules, before)) == []
    after = {"service_lines": [{"modifiers": ["GT"]}]}
    [(severity, _, message)] = mod08_findings(build(practice_rules, after))
    assert severity is Severity.ERROR
    assert "action forbid" in message


def test_without_the_table_medicaid_claims_get_a_note_and_are_not_held() -> None:
    result = build(load_rule_set([shipped_rules_dir()]), MEDICAID_THERAPY)
    [(severity, _, message)] = mod08_findings(result)
    assert severity is Severity.INFO
    assert message.startswith("Table modifier-requirements is not supplied")
    assert "MOD-08" not in {f.rule_id for f in result.holding_findings}


def test_rows_match_the_lines_own_rendering_provider_first() -> None:
    rows = [
        {"payer_id": "*", "modifier": "HO", "action": "inject", "taxonomy": "101Y*"}
    ]
    psychiatrist = {"taxonomy": "2084P0800X", "npi": "1679576722"}
    line = {"procedure_code": "90834", "modifiers": [], "service_date": "2024-03-04"}
    payer, subscriber = {"payer_id": "ACME1"}, {"claim_filing_code": "MC"}
    billing = {"taxonomy": "207Q00000X", "address": {"state": "IL"}}
    assert modifiers_due(rows, payer, subscriber, line, COUNSELOR, billing) == ["HO"]
    own = {**line, "rendering_provider": psychiatrist}
    assert modifiers_due(rows, payer, subscriber, own, COUNSELOR, billing) == []
    assert modifiers_due(rows, payer, subscriber, line, None, billing) == []


@pytest.mark.parametrize(
    ("row", "valid"),
    [
        ({"payer_id": "*", "modifier": "HO", "action": "warn"}, True),
        ({"payer_id": "", "modifier": "HO", "action": "warn"}, False),
        ({"payer_id": "*", "modifier": "HOX", "action": "warn"}, False),
        ({"payer_id": "*", "modifier": "HO", "action": "Inject"}, False),
        (
            {
                "payer_id": "*",
                "modifier": "HO",
                "action": "warn",
                "effective_from": "01/01/2024",
            },
            False,
        ),
    ],
)
def test_a_table_row_is_applied_only_when_complete(
    row: dict[str, str], valid: bool
) -> None:
    assert modifier_row_valid(row) is valid


def test_iso_country_takes_assigned_alpha_2_codes_in_capitals() -> None:
    assert [iso_country(code) for code in ("MX", "CA", "US", "DE")] == [True] * 4
    assert [iso_country(code) for code in ("mx", "MEX", "ZZ", "")] == [False] * 4
