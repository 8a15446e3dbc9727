"""What a rule change would do to the stored claims, before it goes live.

``impact`` rebuilds every stored claim twice, with a *baseline* rule set and a
*changed* one, each with the claim's own decisions and history, and compares:

- **changed**: the built claim differs (any field of the final encounter, or
  its status);
- **held**: not held under the baseline, held under the changed set;
- **released**: held under the baseline, not held under the changed set.

Per rule it counts the claims where that rule did something different (other
changes or findings), the claims it newly holds and the claims it no longer
holds, with up to ``limit_examples`` example claims each and their exact
field changes (before → after). Claims are read in chunks of ``chunk_size`` by
claim id, so 100,000 stored claims never sit in memory at once. Exported
claims are left out: they are already sent and a rule change cannot touch them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from claimtui.engine import RuleSet
from claimtui.model import BuildResult, ClaimStatus, RuleTrace
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


@dataclass
class RuleImpact:
    """What one rule does differently across the stored claims."""

    rule_id: str
    changed: int = 0
    """Claims where the rule's changes or findings differ."""
    held: int = 0
    """Claims the rule holds under the changed set and not the baseline."""
    released: int = 0
    """Claims the rule held under the baseline and no longer does."""
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
    """Claims whose built claim or status differs."""
    held: int = 0
    """Claims held only under the changed rule set."""
    released: int = 0
    """Claims held only under the baseline."""
    examples: list[ClaimImpact] = field(default_factory=list)
    """Up to ``limit_examples`` changed claims."""
    rules: dict[str, RuleImpact] = field(default_factory=dict)
    """Per rule, only rules that differ on at least one claim."""

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
    }


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


def _rule_view(trace: RuleTrace) -> tuple[Any, ...]:
    changes = tuple((change.path, repr(change.after)) for change in trace.changes)
    findings = tuple(
        (finding.severity.value, finding.message, finding.exempted)
        for finding in trace.findings
    )
    return changes, findings


def _holding_rules(result: BuildResult) -> set[str]:
    return {finding.rule_id for finding in result.holding_findings}


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
    example = ClaimImpact(claim_id, before.status.value, after.status.value, fields)
    was_held = before.status is ClaimStatus.HELD
    is_held = after.status is ClaimStatus.HELD
    report.held += is_held and not was_held
    report.released += was_held and not is_held
    if fields or before.status != after.status:
        report.changed += 1
        if len(report.examples) < limit:
            report.examples.append(example)

    traces_before = {trace.rule_id: _rule_view(trace) for trace in before.traces}
    traces_after = {trace.rule_id: _rule_view(trace) for trace in after.traces}
    holding_before, holding_after = _holding_rules(before), _holding_rules(after)
    for rule_id in sorted(set(traces_before) | set(traces_after)):
        differs = traces_before.get(rule_id) != traces_after.get(rule_id)
        newly_held = rule_id in holding_after and rule_id not in holding_before
        released = rule_id in holding_before and rule_id not in holding_after
        if not (differs or newly_held or released):
            continue
        rule = report.rules.setdefault(rule_id, RuleImpact(rule_id))
        rule.changed += differs
        rule.held += newly_held
        rule.released += released
        if len(rule.examples) < limit:
            rule.examples.append(example)


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
        rule, with example claims and their field changes.
    """
    base = baseline if baseline is not None else workspace.rule_set
    day = today or workspace.today
    report = ImpactReport(
        baseline=f"{baseline_name} ({base.version[:12]})",
        changed_set=f"{changed_name} ({changed_rule_set.version[:12]})",
    )
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
