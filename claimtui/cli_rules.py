"""``claimtui rules``: list, check, test, explain and preview the rule set in force."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from claimtui.engine import (
    check_rules,
    load_rule_set,
    run_rule_examples,
    shipped_rules_dir,
)
from claimtui.model import Finding
from claimtui.review import Workspace
from claimtui.review.impact import ClaimImpact, ImpactReport, RuleImpact, impact


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


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _finding_line(sign: str, finding: Finding) -> str:
    text = f"{sign} {finding.severity.value} {finding.rule_id}: {finding.message}"
    if finding.exempted:
        text += " (exempted)"
    return text if len(text) <= 72 else text[:69] + "..."


def _print_example(example: ClaimImpact, indent: str) -> None:
    status = example.status_before
    if example.status_after != status:
        status = f"{status} -> {example.status_after}"
    print(f"{indent}claim {example.claim_id} ({status})")
    for item in example.fields[:10]:
        before, after = _short(item.before), _short(item.after)
        print(f"{indent}  {item.path}: {before} -> {after}")
    if len(example.fields) > 10:
        print(f"{indent}  ... {len(example.fields) - 10} more fields")
    findings = [_finding_line("-", f) for f in example.findings_removed]
    findings += [_finding_line("+", f) for f in example.findings_added]
    for line in findings[:10]:
        print(f"{indent}  {line}")
    if len(findings) > 10:
        print(f"{indent}  ... {len(findings) - 10} more findings")


def _rule_row(rule: RuleImpact, width: int) -> str:
    row = (
        f"{rule.rule_id:{width}} changes {rule.changed}, holds {rule.held}, "
        f"releases {rule.released}"
    )
    notes: list[str] = [rule.rule_change] if rule.rule_change else []
    if not rule.changed:
        notes.append("no claim differs")
    return f"{row}  ({'; '.join(notes)})" if notes else row


def _print_impact(report: ImpactReport) -> None:
    print(f"baseline: {report.baseline}")
    print(f"changed:  {report.changed_set}")
    print(
        f"{report.claims} claims compared: {report.changed} would change, "
        f"{report.held} would be held, {report.released} released"
    )
    for example in report.examples:
        _print_example(example, "  ")
    width = max([12, *(len(rule_id) + 1 for rule_id in report.rules)])
    for rule in sorted(report.rules.values(), key=lambda r: r.rule_id):
        print(_rule_row(rule, width))
        for example in rule.examples:
            _print_example(example, "    ")


def _impact(workspace: Workspace, args: argparse.Namespace) -> int:
    shipped = shipped_rules_dir()
    baseline = None
    if args.against is None:
        # What the practice layers do: shipped rules alone against those in force.
        baseline = load_rule_set([shipped])
        names = ("shipped rules only", "rules in force")
        changed = workspace.rule_set
    else:
        against: Path = args.against
        if not against.is_dir():
            print(f"--against {against}: not a folder", file=sys.stderr)
            return 2
        changed = load_rule_set([shipped, against])
        names = ("rules in force", f"shipped rules + {against}")
    for error in changed.errors:
        print(f"rule problem: {error}", file=sys.stderr)
    report = impact(
        workspace,
        changed,
        baseline=baseline,
        baseline_name=names[0],
        changed_name=names[1],
        limit_examples=max(args.examples, 0),
    )
    if args.json:
        print(json.dumps(report.to_json(), indent=2, default=str))
    else:
        _print_impact(report)
    return 1 if changed.errors else 0


def run_rules_command(workspace: Workspace, args: argparse.Namespace) -> int:
    """Dispatch ``claimtui rules SUBCOMMAND``."""
    command = args.rules_command
    if command == "list":
        return _list(workspace, args.json)
    if command == "check":
        return _check(workspace)
    if command == "test":
        return _test(workspace)
    if command == "impact":
        return _impact(workspace, args)
    return _explain(workspace, args.claim, args.rule)


__all__ = ["check_rules", "run_rules_command"]
