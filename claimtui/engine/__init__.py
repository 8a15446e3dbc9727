"""The rule engine: rule packs, conditions, actions, and building a claim.

Public surface::

    shipped_rules_dir()               the installed rules/ folder
    load_rule_set(dirs) -> RuleSet    layers in order; problems in RuleSet.errors
    build_claim(encounter, rule_set, decisions, today=) -> BuildResult
    check_rules(dirs)                 load problems only (claimtui rules check)
    run_rule_examples(rule_set)       rule examples as tests (claimtui rules test)
    rule_file_json_schema()           the rule-file schema for editors

See README.md beside this file for the condition language and why it was chosen.
"""

from claimtui.engine.build import build_claim
from claimtui.engine.examples import ExampleResult, run_rule_examples
from claimtui.engine.loader import (
    RuleLoadError,
    RuleSet,
    check_rules,
    load_rule_set,
    shipped_rules_dir,
)
from claimtui.engine.rules import Rule
from claimtui.engine.schema import rule_file_json_schema

__all__ = [
    "ExampleResult",
    "Rule",
    "RuleLoadError",
    "RuleSet",
    "build_claim",
    "check_rules",
    "load_rule_set",
    "rule_file_json_schema",
    "run_rule_examples",
    "shipped_rules_dir",
]
