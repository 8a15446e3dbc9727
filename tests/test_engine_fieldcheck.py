"""A misspelt field in a rule is a load error naming the rule, not a silent pass."""

from __future__ import annotations

from pathlib import Path

from claimtui.engine import load_rule_set, shipped_rules_dir
from claimtui.engine.fieldcheck import unknown_fields

RULE = """\
rules:
  - id: PRAC-09
    title: Practice check
    why: Practice policy.
    severity: error
    condition: {condition}
    actions:
      - flag: Check it.
"""


def test_names_of_the_model_are_known() -> None:
    source = (
        "claim.place_of_service == '11' && service_lines.exists(l, "
        "l.drug.ndc != '' && l.modifiers.size() > 0) && subscriber.address.state != ''"
    )
    assert unknown_fields(source) == []


def test_a_misspelt_field_is_named() -> None:
    assert unknown_fields("claim.place_of_servise == '11'") == [
        "claim.place_of_servise (no field 'place_of_servise')"
    ]


def test_a_misspelt_field_of_a_macro_variable_is_named() -> None:
    source = "service_lines.exists(line, line.procedure_cod == '99213')"
    assert unknown_fields(source) == ["line.procedure_cod (no field 'procedure_cod')"]


def test_text_inside_strings_is_not_a_field() -> None:
    assert unknown_fields("claim.place_of_service == 'a.b.c'") == []


def test_a_rule_with_an_unknown_field_fails_to_load_at_its_condition_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "practice.yaml").write_text(
        RULE.format(condition="claim.total_charges > 0")
    )
    rule_set = load_rule_set([shipped_rules_dir(), tmp_path])
    [error] = rule_set.errors
    assert (error.rule_id, error.line) == ("PRAC-09", 6)
    assert "claim.total_charges" in error.message


def test_every_shipped_rule_names_only_real_fields() -> None:
    assert load_rule_set([shipped_rules_dir()]).errors == []
