"""Running the examples written in rule files as tests (``claimtui rules test``).

Each example lays its ``input`` fragment over the clean base claim
(``engine.samples``), builds it with the one rule, and checks whether the rule
fired and, when the example lists them, exactly which changes it made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from claimtui.engine.build import build_claim
from claimtui.engine.loader import RuleSet
from claimtui.engine.rules import Rule
from claimtui.engine.samples import EXAMPLE_TODAY, example_encounter
from claimtui.engine.schema import Example
from claimtui.engine.tables import Tables


@dataclass(frozen=True)
class ExampleResult:
    """How one rule example turned out."""

    rule_id: str
    """The rule the example belongs to."""
    index: int
    """Position of the example in the rule, from 0."""
    name: str
    """The example's name, or 'example N'."""
    passed: bool
    """True when the rule did what the example expects."""
    message: str
    """Empty when passed; otherwise what differed."""
    file: str
    """The rule's file."""

    def __str__(self) -> str:
        status = "ok" if self.passed else "FAILED"
        detail = f": {self.message}" if self.message else ""
        return f"{self.rule_id} [{self.name}] {status}{detail}"


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, Decimal | int | float) and not isinstance(actual, bool):
        try:
            return Decimal(str(actual)) == Decimal(str(expected))
        except InvalidOperation:
            return False
    return bool(to_jsonable_python(actual) == to_jsonable_python(expected))


def run_example(rule: Rule, example: Example, rule_set: RuleSet) -> str:
    """Run one example; return what differed, or an empty string."""
    try:
        encounter = example_encounter(example.input)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(step) for step in first["loc"])
        return f"input does not fit the encounter model at {where}: {first['msg']}"
    # An example tests what the rule does, also for rules shipped switched off.
    single = RuleSet(
        [replace(rule, enabled=True)],
        [],
        rule_set.version,
        rule_set.identifiers,
        tables=Tables.of(example.tables),
    )
    today = example.today or dt.date.fromisoformat(EXAMPLE_TODAY)
    facts = example.facts or None
    trace = build_claim(encounter, single, today=today, facts=facts).traces[0]
    if trace.outcome == "error":
        return f"the rule failed: {trace.detail}"
    fired = trace.outcome == "fired"
    if fired != example.fires:
        expected = "fire" if example.fires else "not fire"
        return f"expected the rule to {expected}, but it {trace.outcome}"
    if example.changes is not None:
        made = [(change.path, change.after) for change in trace.changes]
        wanted = [(change.path, change.after) for change in example.changes]
        matches = len(made) == len(wanted) and all(
            path == want_path and _same(after, want_after)
            for (path, after), (want_path, want_after) in zip(made, wanted, strict=True)
        )
        if not matches:
            return f"expected changes {wanted}, got {to_jsonable_python(made)}"
    return ""


def run_rule_examples(rule_set: RuleSet) -> list[ExampleResult]:
    """Run every example of every rule in ``rule_set``, in rule order."""
    results = []
    for rule in rule_set.rules:
        for index, example in enumerate(rule.spec.examples):
            message = run_example(rule, example, rule_set)
            results.append(
                ExampleResult(
                    rule_id=rule.id,
                    index=index,
                    name=example.name or f"example {index + 1}",
                    passed=not message,
                    message=message,
                    file=rule.file,
                )
            )
    return results
