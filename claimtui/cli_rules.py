"""``claimtui rules``: list, check, test and explain the rule set in force."""

from __future__ import annotations

import argparse
import json

from claimtui.engine import check_rules, run_rule_examples
from claimtui.review import Workspace


def _list(workspace: Workspace, as_json: bool) -> int:
    rules = workspace.rule_set.rules
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": rule.id,
                        "title": rule.title,
                        "severity": rule.severity.value,
                        "enabled": rule.enabled,
                        "file": rule.file,
                        "line": rule.line,
                        "version": rule.version,
                    }
                    for rule in rules
                ],
                indent=2,
            )
        )
        return 0
    for rule in rules:
        state = "" if rule.enabled else "  (disabled)"
        print(f"{rule.id:10} {rule.severity.value:8} {rule.title}{state}")
    print(f"{len(rules)} rules, version {workspace.rule_set.version[:12]}")
    return 0


def _check(workspace: Workspace) -> int:
    errors = workspace.rule_set.errors
    for error in errors:
        print(str(error))
    if errors:
        print(f"{len(errors)} problems; claims are held until they are fixed")
        return 1
    print(f"{len(workspace.rule_set.rules)} rules load cleanly")
    return 0


def _test(workspace: Workspace) -> int:
    results = run_rule_examples(workspace.rule_set)
    failed = [result for result in results if not result.passed]
    for result in failed:
        print(str(result))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _explain(workspace: Workspace, claim_id: int, rule_id: str) -> int:
    if workspace.rule_set.rule(rule_id) is None:
        print(f"there is no rule '{rule_id}' in the rule set")
        return 1
    detail = workspace.claim_detail(claim_id)
    trace = next((t for t in detail.build.traces if t.rule_id == rule_id), None)
    if trace is None:
        print(f"rule {rule_id} did not run on claim {claim_id}")
        return 1
    print(f"{trace.rule_id} {trace.title}: {trace.outcome}")
    if trace.detail:
        print(f"  {trace.detail}")
    for part in trace.condition:
        print(f"  {part.expression}  ->  {part.value!r}")
    for change in trace.changes:
        print(f"  changed {change.path}: {change.before!r} -> {change.after!r}")
    for finding in trace.findings:
        print(f"  {finding.severity.value}: {finding.message}")
    return 0


def run_rules_command(workspace: Workspace, args: argparse.Namespace) -> int:
    """Dispatch ``claimtui rules SUBCOMMAND``."""
    command = args.rules_command
    if command == "list":
        return _list(workspace, args.json)
    if command == "check":
        return _check(workspace)
    if command == "test":
        return _test(workspace)
    return _explain(workspace, args.claim, args.rule)


__all__ = ["check_rules", "run_rules_command"]
