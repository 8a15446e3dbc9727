"""What a rule change would do to the stored claims, before it goes live.

``impact`` rebuilds every stored claim twice, with a *baseline* rule set and a
*changed* one, each with the claim's own decisions and history, and compares.
The summary counts claims:

- **changed**: the claim comes out differently: a field of the final
  encounter, its status, or its findings (one added, removed or reworded);
- **held**: not held under the baseline, held under the changed set;
- **released**: held under the baseline, not held under the changed set.

A row per rule (or other source of findings: ``RULES-LOAD`` for a rule set
that did not load, ``X12`` for a claim the writer cannot send, ``override``
and ``edit`` for a person's decision that no longer applies) counts the same
claims, seen from that rule:

- **changed**: claims on which this rule's own changes or findings differ;
- **held**: claims of the summary's *held* that this rule holds;
- **released**: claims of the summary's *released* that this rule held.

So every row is part of the summary (no row counts more than the summary's
column) and every claim the summary counts is in at least one row. A claim
two rules act on is in both rows, so rows may add up to more than the
summary, never to less. A rule that fires on nothing in both sets differs on
no claim: it has no row, unless the change itself added, removed or edited it
(``rule_change``), when it has a row of zeros, so a new rule whose condition
matches no stored claim is plain to see.

Each count keeps up to ``limit_examples`` example claims with their exact
field changes (before → after) and the findings added and removed. Claims are
read in chunks of ``chunk_size`` by claim id, so 100,000 stored claims never
sit in memory at once. Exported claims are left out: they are already sent and
a rule change cannot touch them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlmodel import Session, col, select

from claimtui.engine import RuleSet
from claimtui.model import BuildResult, ClaimStatus, Finding
from claimtui.review.claims import build_stored
from claimtui.store import ClaimRecord

_MISSING = "(absent)"


@dataclass(frozen=True)
class FieldChange:
    """One field of the built claim that differs between the two rule sets."""

    path: str
    """Model path, e.g. ``claim.place_of_service``."""
    before: Any
    """The value built with the baseline rule set."""
    after: Any
    """The value built with the changed rule set."""


@dataclass
class ClaimImpact:
    """How one claim comes out differently."""

    claim_id: int
    """The stored claim's id."""
    status_before: str
    """held, review or ready with the baseline rule set."""
    status_after: str
    """held, review or ready with the changed rule set."""
    fields: list[FieldChange]
    """Every field of the final claim that differs."""
    findings_added: list[Finding] = field(default_factory=list)
    """Findings only the changed rule set gives, in rule order."""
    findings_removed: list[Finding] = field(default_factory=list)
    """Findings only the baseline gives, in rule order."""


RuleChange = Literal["", "added", "removed", "disabled", "enabled", "edited"]
"""How a rule itself differs between the two sets ("" when it is the same)."""


@dataclass
class RuleImpact:
    """What one rule does differently across the stored claims."""

    rule_id: str
    rule_change: RuleChange = ""
    """added or removed by the change, disabled, enabled or otherwise edited
    (severity, scope, text); empty when the rule is the same in both sets."""
    changed: int = 0
    """Claims where the rule's own changes or findings differ."""
    held: int = 0
    """Claims newly held (the summary's *held*) that this rule holds."""
    released: int = 0
    """Claims released (the summary's *released*) that this rule held."""
    examples: list[ClaimImpact] = field(default_factory=list)
    """Up to ``limit_examples`` claims it differs on."""


@dataclass
class ImpactReport:
    """The comparison of two rule sets over the stored claims."""

    baseline: str
    """Which rule set was the baseline, in words, and its version."""
    changed_set: str
    """Which rule set was the changed one, in words, and its version."""
    claims: int = 0
    """Stored claims compared (exported ones are not)."""
    changed: int = 0
    """Claims that come out differently: a field, the status or a finding."""
    held: int = 0
    """Claims held only under the changed rule set."""
    released: int = 0
    """Claims held only under the baseline."""
    examples: list[ClaimImpact] = field(default_factory=list)
    """Up to ``limit_examples`` changed claims."""
    rules: dict[str, RuleImpact] = field(default_factory=dict)
    """Per rule: rules that differ on at least one claim, and rules the change
    added, removed or edited even when they differ on none."""

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (``claimtui rules impact --json``)."""
        return {
            "baseline": self.baseline,
            "changed_set": self.changed_set,
            "claims": self.claims,
            "changed": self.changed,
            "held": self.held,
            "released": self.released,
            "examples": [_claim_json(example) for example in self.examples],
            "rules": [
                {
                    "rule_id": rule.rule_id,
                    "rule_change": rule.rule_change,
                    "changed": rule.changed,
                    "held": rule.held,
                    "released": rule.released,
                    "examples": [_claim_json(example) for example in rule.examples],
                }
                for rule in sorted(self.rules.values(), key=lambda r: r.rule_id)
            ],
        }


def _claim_json(example: ClaimImpact) -> dict[str, Any]:
    return {
        "claim_id": example.claim_id,
        "status_before": example.status_before,
        "status_after": example.status_after,
        "fields": [
            {"path": item.path, "before": item.before, "after": item.after}
            for item in example.fields
        ],
        "findings_added": [_finding_json(item) for item in example.findings_added],
        "findings_removed": [_finding_json(item) for item in example.findings_removed],
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    return finding.model_dump(mode="json")


def field_changes(before: Any, after: Any, path: str = "") -> list[FieldChange]:
    """Every leaf value that differs between two JSON-like values, by path."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[FieldChange] = []
        for key in [*before, *(k for k in after if k not in before)]:
            inner = f"{path}.{key}" if path else str(key)
            found += field_changes(
                before.get(key, _MISSING), after.get(key, _MISSING), inner
            )
        return found
    if (
        isinstance(before, list)
        and isinstance(after, list)
        and len(before) == len(after)
        and any(isinstance(item, dict) for item in before)
    ):
        found = []
        for index, (one, other) in enumerate(zip(before, after, strict=True)):
            found += field_changes(one, other, f"{path}[{index}]")
        return found
    if before == after:
        return []
    return [FieldChange(path, before, after)]


def _stored_claims(workspace: Any, chunk_size: int) -> Iterator[list[int]]:
    last = 0
    while True:
        with Session(workspace.engine) as session:
            statement = (
                select(ClaimRecord.id)
                .where(col(ClaimRecord.id) > last)
                .where(ClaimRecord.status != ClaimStatus.EXPORTED.value)
                .order_by(col(ClaimRecord.id))
                .limit(chunk_size)
            )
            ids = [claim_id for claim_id in session.exec(statement) if claim_id]
        if not ids:
            return
        yield ids
        last = ids[-1]


_View = tuple[list[tuple[str, str]], Counter[Finding]]
_NOTHING: _View = ([], Counter())


def _views(result: BuildResult) -> dict[str, _View]:
    """What each rule (or other source) did: its changes in order, its findings.

    Read from the whole build, not the traces, so findings that no trace
    carries (a rule set that did not load, a claim the writer cannot send, a
    decision that no longer applies) are counted too.
    """
    views: dict[str, _View] = {}
    for change in result.changes:
        changes, _ = views.setdefault(change.rule_id, ([], Counter()))
        changes.append((change.path, repr(change.after)))
    for finding in result.findings:
        _, findings = views.setdefault(finding.rule_id, ([], Counter()))
        findings[finding] += 1
    return views


def _differing(before: BuildResult, after: BuildResult) -> set[str]:
    """Rules whose changes or findings differ; a rule absent did nothing."""
    views_before, views_after = _views(before), _views(after)
    return {
        rule_id
        for rule_id in views_before.keys() | views_after.keys()
        if views_before.get(rule_id, _NOTHING) != views_after.get(rule_id, _NOTHING)
    }


def _holding_rules(result: BuildResult) -> set[str]:
    return {finding.rule_id for finding in result.holding_findings}


def _only_in(one: BuildResult, other: BuildResult) -> list[Finding]:
    extra = Counter(one.findings) - Counter(other.findings)
    found = []
    for finding in one.findings:
        if extra[finding]:
            extra[finding] -= 1
            found.append(finding)
    return found


def _compare(
    report: ImpactReport,
    claim_id: int,
    before: BuildResult,
    after: BuildResult,
    limit: int,
) -> None:
    fields = field_changes(
        before.encounter.model_dump(mode="json"),
        after.encounter.model_dump(mode="json"),
    )
    differing = _differing(before, after)
    if not (fields or differing or before.status != after.status):
        return
    example = ClaimImpact(
        claim_id,
        before.status.value,
        after.status.value,
        fields,
        findings_added=_only_in(after, before),
        findings_removed=_only_in(before, after),
    )
    was_held = before.status is ClaimStatus.HELD
    is_held = after.status is ClaimStatus.HELD
    newly_held, released = is_held and not was_held, was_held and not is_held
    report.changed += 1
    report.held += newly_held
    report.released += released
    if len(report.examples) < limit:
        report.examples.append(example)

    # A claim newly held has no holding rule under the baseline, so each rule
    # that holds it now differs on it (and likewise for a claim released):
    # walking the differing rules reaches every one of them.
    holding_before, holding_after = _holding_rules(before), _holding_rules(after)
    for rule_id in sorted(differing):
        rule = report.rules.setdefault(rule_id, RuleImpact(rule_id))
        rule.changed += 1
        rule.held += newly_held and rule_id in holding_after
        rule.released += released and rule_id in holding_before
        if len(rule.examples) < limit:
            rule.examples.append(example)


def rule_changes(baseline: RuleSet, changed: RuleSet) -> dict[str, RuleChange]:
    """Each rule that differs between the two sets, and how."""
    before = {rule.id: rule for rule in baseline.rules}
    after = {rule.id: rule for rule in changed.rules}
    found: dict[str, RuleChange] = {}
    for rule_id in before.keys() | after.keys():
        old, new = before.get(rule_id), after.get(rule_id)
        if old is None:
            found[rule_id] = "added"
        elif new is None:
            found[rule_id] = "removed"
        elif old.enabled != new.enabled:
            found[rule_id] = "enabled" if new.enabled else "disabled"
        elif old.version != new.version:
            found[rule_id] = "edited"
    return found


def impact(
    workspace: Any,
    changed_rule_set: RuleSet,
    *,
    baseline: RuleSet | None = None,
    baseline_name: str = "current rule set",
    changed_name: str = "changed rule set",
    limit_examples: int = 3,
    chunk_size: int = 500,
    today: dt.date | None = None,
) -> ImpactReport:
    """Compare ``baseline`` (default: the workspace's rules) with ``changed_rule_set``.

    Nothing is written: both builds are thrown away after the comparison.

    Returns:
        Counts of changed, newly held and released claims, overall and per
        rule (see the module docstring for how they add up), with example
        claims, their field changes and the findings added and removed.
    """
    base = baseline if baseline is not None else workspace.rule_set
    day = today or workspace.today
    report = ImpactReport(
        baseline=f"{baseline_name} ({base.version[:12]})",
        changed_set=f"{changed_name} ({changed_rule_set.version[:12]})",
    )
    for rule_id, change in rule_changes(base, changed_rule_set).items():
        report.rules[rule_id] = RuleImpact(rule_id, rule_change=change)
    for ids in _stored_claims(workspace, chunk_size):
        with Session(workspace.engine) as session:
            for claim_id in ids:
                claim = session.get(ClaimRecord, claim_id)
                assert claim is not None
                _, before, _ = build_stored(session, claim, base, day)
                _, after, _ = build_stored(session, claim, changed_rule_set, day)
                report.claims += 1
                _compare(report, claim_id, before, after, limit_examples)
            session.rollback()
    return report
