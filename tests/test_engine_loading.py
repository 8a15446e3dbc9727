"""Loading rule packs: the shipped set, broken files, layering overrides."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from claimtui.engine import (
    ExampleResult,
    RuleLoadError,
    build_claim,
    check_rules,
    load_rule_set,
    rule_file_json_schema,
    run_rule_examples,
    shipped_rules_dir,
)
from claimtui.engine.samples import example_encounter
from claimtui.model import ClaimStatus, Severity

SHIPPED = load_rule_set([shipped_rules_dir()])
TODAY = dt.date(2024, 3, 20)

GOOD_RULE = """\
rules:
  - id: PRAC-01
    title: Practice rule
    why: Our payers want a group number.
    severity: warning
    condition: blank(subscriber.group_number)
    actions:
      - flag: Enter the group number (SBR03).
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_load_without_errors() -> None:
    assert SHIPPED.errors == []
    assert len(SHIPPED.rules) >= 40


def test_shipped_rules_cover_every_required_id() -> None:
    required = {
        "MOD-02", "MOD-06", "MOD-07", "MOD-09", "MI-01", "MI-02", "MI-04",
        "MI-08", "MI-10", "MI-11", "MI-12", "MI-13", "MI-14", "MI-15", "MI-16",
        "MI-17", "MI-20", "MI-21", "MI-22", "FMT-02", "FMT-03", "FMT-04",
        "FMT-05", "FMT-07", "FMT-09", "FMT-10", "FMT-11", "FMT-12", "FMT-13",
        "BAL-01", "BAL-02", "BAL-06", "PAY-01", "PAY-04", "COR-01", "COR-02",
        "COB-01", "COB-02", "WC-01", "WC-02", "WC-03", "WC-04", "WC-05",
        "WC-06", "WC-08", "WC-10", "ACC-01", "ACC-02", "ACC-03", "ACC-04",
        "TF-01",
    }  # fmt: skip
    assert required <= {rule.id for rule in SHIPPED.rules}


def test_shipped_rules_cover_the_whole_catalogue() -> None:
    catalogue = (shipped_rules_dir() / "RULES.md").read_text(encoding="utf-8")
    ids = set(re.findall(r"^\| ([A-Z]+-[0-9]{2}) \|", catalogue, re.MULTILINE))
    assert len(ids) == 120
    assert ids <= {rule.id for rule in SHIPPED.rules}


def test_every_shipped_rule_has_a_firing_and_a_quiet_example() -> None:
    for rule in SHIPPED.rules:
        outcomes = {example.fires for example in rule.spec.examples}
        assert outcomes == {True, False}, rule.id


@pytest.mark.parametrize(
    "result",
    run_rule_examples(SHIPPED),
    ids=lambda result: f"{result.rule_id}:{result.name}",
)
def test_shipped_rule_example(result: ExampleResult) -> None:
    assert result.passed, str(result)


def test_clean_base_claim_is_ready_under_all_shipped_rules() -> None:
    built = build_claim(example_encounter(), SHIPPED, today=TODAY)
    assert built.findings == []
    assert built.changes == []
    assert built.status is ClaimStatus.READY


def test_version_is_stable_and_follows_content(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_RULE)
    first = load_rule_set([tmp_path]).version
    assert load_rule_set([tmp_path]).version == first
    write(tmp_path, "a.yaml", GOOD_RULE.replace("warning", "error"))
    assert load_rule_set([tmp_path]).version != first


def test_rules_run_in_layer_then_file_order(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", GOOD_RULE.replace("PRAC-01", "PRAC-B"))
    write(tmp_path, "a/z.yaml", GOOD_RULE.replace("PRAC-01", "PRAC-A"))
    rule_set = load_rule_set([shipped_rules_dir(), tmp_path])
    ids = [rule.id for rule in rule_set.rules]
    assert ids[: len(SHIPPED.rules)] == [rule.id for rule in SHIPPED.rules]
    assert ids[len(SHIPPED.rules) :] == ["PRAC-A", "PRAC-B"]


def test_bad_yaml_names_file_and_line_and_others_still_load(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", "rules:\n  - id: X\n    title: [unclosed\n")
    write(tmp_path, "good.yaml", GOOD_RULE)
    rule_set = load_rule_set([tmp_path])
    assert [rule.id for rule in rule_set.rules] == ["PRAC-01"]
    assert len(rule_set.errors) == 1
    error = rule_set.errors[0]
    assert (error.file, error.line, error.rule_id) == (str(bad), 4, "")
    assert str(error).startswith(f"{bad}:4: not valid YAML")


def test_unknown_field_names_its_line_and_rule(tmp_path: Path) -> None:
    text = GOOD_RULE.replace(
        "    severity: warning\n", "    severity: warning\n    sevrity: x\n"
    )
    path = write(tmp_path, "typo.yaml", text)
    errors = check_rules([tmp_path])
    assert errors == [
        RuleLoadError(
            str(path),
            6,
            "PRAC-01",
            "unknown field 'sevrity' (remove it or fix its spelling)",
        )
    ]
    assert str(errors[0]) == (
        f"{path}:6: rule PRAC-01: unknown field 'sevrity' "
        "(remove it or fix its spelling)"
    )


def test_unknown_action_field_points_at_the_action_line(tmp_path: Path) -> None:
    text = GOOD_RULE + "        colour: red\n"
    path = write(tmp_path, "action.yaml", text)
    [error] = check_rules([tmp_path])
    assert (error.file, error.line, error.rule_id) == (str(path), 9, "PRAC-01")


def test_bad_expression_is_reported_with_rule_id(tmp_path: Path) -> None:
    text = GOOD_RULE.replace(
        "blank(subscriber.group_number)", "subscriber.group_number =="
    )
    path = write(tmp_path, "expr.yaml", text)
    [error] = check_rules([tmp_path])
    assert (error.file, error.line, error.rule_id) == (str(path), 6, "PRAC-01")
    assert error.message.startswith("condition does not parse")


def test_unknown_function_and_variable_are_load_errors(tmp_path: Path) -> None:
    write(tmp_path, "f.yaml", GOOD_RULE.replace("blank(", "blnk("))
    write(tmp_path, "v.yaml", GOOD_RULE.replace("PRAC-01", "PRAC-02").replace(
        "subscriber.group_number", "subscribr.group_number"))  # fmt: skip
    messages = [error.message for error in check_rules([tmp_path])]
    assert messages == [
        "condition calls unknown function 'blnk'",
        "condition names unknown variable 'subscribr'",
    ]


def test_cel_matches_is_refused_in_favour_of_fullmatch(tmp_path: Path) -> None:
    text = GOOD_RULE.replace(
        "blank(subscriber.group_number)", 'subscriber.group_number.matches("^G")'
    )
    write(tmp_path, "m.yaml", text)
    [error] = check_rules([tmp_path])
    assert error.message.startswith("use fullmatch(value, pattern)")


def test_unknown_action_path_is_a_load_error(tmp_path: Path) -> None:
    text = GOOD_RULE + "      - repair: [subscriber.phone]\n        fix: digits_only\n"
    write(tmp_path, "path.yaml", text)
    [error] = check_rules([tmp_path])
    assert error.message == "'subscriber.phone': Subscriber has no field 'phone'"


def test_duplicate_id_keeps_the_first_and_reports_the_second(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_RULE)
    second = write(tmp_path, "b.yaml", GOOD_RULE)
    rule_set = load_rule_set([tmp_path])
    assert [rule.file for rule in rule_set.rules] == [str(tmp_path / "a.yaml")]
    [error] = rule_set.errors
    assert (error.file, error.line, error.rule_id) == (str(second), 2, "PRAC-01")
    assert "duplicate rule id" in error.message


def test_broken_practice_file_holds_every_claim(tmp_path: Path) -> None:
    write(tmp_path, "bad.yaml", "rules: [\n")
    rule_set = load_rule_set([shipped_rules_dir(), tmp_path])
    assert len(rule_set.rules) == len(SHIPPED.rules)
    built = build_claim(example_encounter(), rule_set, today=TODAY)
    [finding] = built.findings
    assert finding.rule_id == "RULES-LOAD"
    assert finding.severity is Severity.ERROR
    assert str(tmp_path / "bad.yaml") in finding.message
    assert built.status is ClaimStatus.HELD


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    [error] = check_rules([tmp_path / "nowhere"])
    assert error.message == "rule folder does not exist"


def test_override_disables_a_shipped_rule(tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", "overrides:\n  - id: MI-08\n    enabled: false\n"
          "    reason: Payer accepts dashes.\n")  # fmt: skip
    rule_set = load_rule_set([shipped_rules_dir(), tmp_path])
    encounter = example_encounter({"subscriber": {"member_id": "AB-1"}})
    built = build_claim(encounter, rule_set, today=TODAY)
    [trace] = [trace for trace in built.traces if trace.rule_id == "MI-08"]
    assert trace.outcome == "skipped"
    assert trace.detail == f"disabled in {tmp_path / 'o.yaml'}: Payer accepts dashes."
    assert built.findings == []


def test_override_changes_severity(tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", "overrides:\n  - id: MI-08\n    severity: warning\n"
          "    reason: Review only.\n")  # fmt: skip
    rule_set = load_rule_set([shipped_rules_dir(), tmp_path])
    encounter = example_encounter({"subscriber": {"member_id": "AB-1"}})
    built = build_claim(encounter, rule_set, today=TODAY)
    assert [(f.rule_id, f.severity) for f in built.findings] == [
        ("MI-08", Severity.WARNING)
    ]
    assert built.status is ClaimStatus.REVIEW


def test_override_rescopes_a_rule_by_id(tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", "overrides:\n  - id: MI-08\n    scope:\n"
          "      payer_ids: [OTHER]\n    reason: Only OTHER checks ids.\n")  # fmt: skip
    rule_set = load_rule_set([shipped_rules_dir(), tmp_path])
    encounter = example_encounter({"subscriber": {"member_id": "AB-1"}})
    built = build_claim(encounter, rule_set, today=TODAY)
    [trace] = [trace for trace in built.traces if trace.rule_id == "MI-08"]
    assert (trace.outcome, trace.detail) == ("skipped", "payer id not in scope")
    original = SHIPPED.rule("MI-08")
    assert original is not None
    assert trace.version != original.version


def test_switched_on_for_one_clearinghouse_ch05_notes_only_its_claims(
    tmp_path: Path,
) -> None:
    write(tmp_path, "o.yaml", "overrides:\n  - id: CH-05\n    enabled: true\n"
          "    scope: {clearinghouses: [CH01]}\n"
          "    reason: One billing provider per ST.\n")  # fmt: skip
    rule_set = load_rule_set([shipped_rules_dir(), tmp_path])
    outcomes = []
    for receiver in ("CH01", "CH02"):
        fragment = {"receiver": {"name": "PARTNER", "identifier": receiver}}
        built = build_claim(example_encounter(fragment), rule_set, today=TODAY)
        [trace] = [trace for trace in built.traces if trace.rule_id == "CH-05"]
        outcomes.append((trace.outcome, [f.severity for f in trace.findings]))
        assert built.status is ClaimStatus.READY
    assert outcomes == [("fired", [Severity.INFO]), ("skipped", [])]


def test_override_of_unknown_rule_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "o.yaml", "overrides:\n  - id: NOPE-1\n    enabled: false\n"
                 "    reason: x\n")  # fmt: skip
    errors = check_rules([shipped_rules_dir(), tmp_path])
    assert errors == [
        RuleLoadError(
            str(path), 2, "NOPE-1", "override names no loaded rule; check the id"
        )
    ]


def test_json_schema_describes_rules_and_overrides() -> None:
    schema = rule_file_json_schema()
    assert schema["title"] == "claimtui rule pack"
    assert set(schema["properties"]) == {"rules", "overrides"}
    assert schema["additionalProperties"] is False
    rule = schema["$defs"]["RuleSpec"]
    assert rule["required"] == ["id", "title", "why", "severity", "actions"]
    json.dumps(schema)


def test_a_load_problem_changes_the_version_so_stored_claims_are_rebuilt(
    tmp_path: Path,
) -> None:
    shipped = load_rule_set([shipped_rules_dir()])
    missing = load_rule_set([shipped_rules_dir(), tmp_path / "no-such-folder"])
    assert missing.errors
    assert missing.version != shipped.version


def test_a_coverages_selector_is_checked_like_a_condition(tmp_path: Path) -> None:
    selector = "      - flag: x\n        coverages: coverage.payer_paid == null\n"
    write(tmp_path, "c.yaml", GOOD_RULE + selector)
    [error] = check_rules([tmp_path])
    assert error.message.startswith(
        "names a field the claim does not have: coverage.payer_paid "
    )


def test_a_flag_takes_lines_or_coverages_not_both(tmp_path: Path) -> None:
    both = "      - flag: x\n        lines: 'true'\n        coverages: 'true'\n"
    write(tmp_path, "both.yaml", GOOD_RULE + both)
    [error] = check_rules([tmp_path])
    assert "a flag takes lines or coverages, not both" in error.message
