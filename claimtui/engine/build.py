"""Building a claim: decisions and rules applied to a copy of the encounter.

``build_claim`` is a pure function of (encounter, rule set, decisions, today):

1. copy the encounter (the received one is never changed);
2. apply the person's ``edit`` decisions, each recorded as a Change;
3. run every rule in order: out of scope → skipped; condition false → passed;
   true → its actions run (flags, requires, sets, modifiers, repairs), or, when
   a person exempted the rule, its findings are kept but marked exempted and
   its changes are not made; a rule that fails → error, which holds the claim;
4. apply ``override`` decisions, which win over anything a rule set.

Every value that changes is a ``Change`` in the result and in its rule's trace.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from claimtui.engine.expressions import (
    Evaluation,
    EvaluationError,
    build_activation,
    evaluate_condition,
    evaluate_value,
    false_part,
    make_context,
    passed_parts,
)
from claimtui.engine.fieldpaths import expand_path, parent_present
from claimtui.engine.helpers import blank
from claimtui.engine.loader import RuleSet
from claimtui.engine.rules import ClaimScope, CompiledAction, Rule, scope_miss
from claimtui.engine.schema import (
    FlagAction,
    ModifierAction,
    RepairAction,
    RequireAction,
    SetAction,
)
from claimtui.model import (
    BuildResult,
    Change,
    ConditionPart,
    Decision,
    Encounter,
    Finding,
    RuleTrace,
    Severity,
    get_path,
    set_path,
)

_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")

_FIXES: dict[str, Callable[[Any], Any]] = {
    "digits_only": lambda value: re.sub(r"[^0-9]", "", value),
    "strip_punctuation": lambda value: _NOT_ALPHANUMERIC.sub("", value),
    "remove_decimal_point": lambda value: value.replace(".", ""),
    "uppercase": lambda value: value.upper(),
    "trim": lambda value: value.strip(),
    "dedupe": lambda value: list(dict.fromkeys(value)),
}


class _Claim:
    """The encounter being built and the CEL view of it, kept in step."""

    def __init__(
        self,
        encounter: Encounter,
        today: dt.date,
        rule_set: RuleSet,
        facts: Mapping[str, Any] | None,
    ) -> None:
        self.encounter = encounter
        self.owned = False
        """False while the encounter may be shared (the received one, or the
        one of the claim this was forked from)."""
        self.today = today
        self.keep = rule_set.identifiers
        self.functions = rule_set.functions
        self.facts = facts
        self.refresh()

    def own(self) -> Encounter:
        """The encounter, copied first if it is still shared."""
        if not self.owned:
            self.encounter = _copy(self.encounter)
            self.owned = True
        return self.encounter

    def refresh(self) -> None:
        """Rebuild the CEL view after the encounter changed."""
        self.activation = build_activation(
            self.encounter, self.today, self.keep, self.facts
        )
        self.context: Evaluation = make_context(self.activation, self.functions)
        self.scope = ClaimScope.of(self.encounter)

    def fork(self) -> _Claim:
        """A twin to run actions on, adopted only if all of them succeed.

        It shares the encounter until an action is about to change it
        (``own``): a rule that fires but changes nothing costs no copy.
        """
        twin = _Claim.__new__(_Claim)
        twin.encounter = self.encounter
        twin.owned = False
        twin.today, twin.keep = self.today, self.keep
        twin.functions, twin.facts = self.functions, self.facts
        twin.activation, twin.context = self.activation, self.context
        twin.scope = self.scope
        return twin


def _copy(encounter: Encounter) -> Encounter:
    # A dump and re-validate is a full deep copy, and five times faster than
    # model_copy(deep=True).
    return Encounter.model_validate(encounter.model_dump())


@dataclass
class _Outcome:
    changes: list[Change]
    findings: list[Finding]


def _line_indexes(
    compiled: CompiledAction, source: str | None, claim: _Claim
) -> list[int]:
    count = len(claim.encounter.service_lines)
    if source is None:
        return list(range(count))
    return _chosen(compiled, source, claim, "service_lines", "line")


def _chosen(
    compiled: CompiledAction, source: str, claim: _Claim, items: str, variable: str
) -> list[int]:
    """Indexes of the items of list ``items`` for which ``source`` is true, with
    each item bound to ``variable`` in turn."""
    values = claim.activation.get(items, [])
    chosen = []
    for index, value in enumerate(values):
        claim.context.set_variable(variable, value)
        if evaluate_value(compiled.programs[source], claim.context) is True:
            chosen.append(index)
    return chosen


def _finding(
    rule: Rule,
    message: str,
    path: str = "",
    segment: str = "",
    severity: Severity | None = None,
) -> Finding:
    return Finding(
        rule_id=rule.id,
        severity=severity or rule.severity,
        message=message,
        path=path,
        segment=segment,
    )


def _flag(rule: Rule, compiled: CompiledAction, claim: _Claim) -> list[Finding]:
    action = compiled.action
    assert isinstance(action, FlagAction)
    if action.lines is not None:
        indexes = _line_indexes(compiled, action.lines, claim)
    elif action.coverages is not None:
        indexes = _chosen(
            compiled, action.coverages, claim, "other_coverages", "coverage"
        )
    else:
        return [_flagged(rule, compiled, -1)]
    return [_flagged(rule, compiled, index) for index in indexes]


def _flagged(rule: Rule, compiled: CompiledAction, index: int) -> Finding:
    """The finding a flag gives for line (or, with ``coverages``, other payer)
    ``index``; -1: for the claim.

    It is the same on every claim it fires on, and findings are frozen, so it
    is made once.
    """
    finding = compiled.flagged.get(index)
    if finding is not None:
        return finding
    action = compiled.action
    assert isinstance(action, FlagAction)
    message, path = action.flag, action.path
    if index >= 0:
        items, label = "service_lines", "Line"
        if action.coverages is not None:
            items, label = "other_coverages", "Other payer"
        message = f"{label} {index + 1}: {message}"
        path = path.replace("[*]", f"[{index}]", 1) or f"{items}[{index}]"
    finding = _finding(rule, message, path, action.segment, action.severity)
    compiled.flagged[index] = finding
    return finding


def _require(rule: Rule, action: RequireAction, encounter: Encounter) -> list[Finding]:
    findings = []
    for pattern in action.require:
        for path in expand_path(encounter, pattern):
            if blank(get_path(encounter, path)):
                findings.append(_finding(rule, action.message, path, action.segment))
    return findings


def _change(rule: Rule, encounter: Encounter, path: str, value: Any) -> Change | None:
    before = get_path(encounter, path)
    set_path(encounter, path, value)
    after = get_path(encounter, path)
    if before == after:
        return None
    return Change(
        rule_id=rule.id, path=path, before=before, after=after, reason=rule.title
    )


def _set(rule: Rule, compiled: CompiledAction, claim: _Claim) -> list[Change]:
    action = compiled.action
    assert isinstance(action, SetAction)
    value = action.value
    if action.value_expr is not None:
        value = evaluate_value(compiled.programs[action.value_expr], claim.context)
    changes = []
    for path in expand_path(claim.encounter, action.set):
        if parent_present(claim.encounter, path):
            change = _change(rule, claim.encounter, path, value)
            if change is not None:
                changes.append(change)
    return changes


def _modifier(rule: Rule, compiled: CompiledAction, claim: _Claim) -> _Outcome:
    action = compiled.action
    assert isinstance(action, ModifierAction)
    outcome = _Outcome([], [])
    for index in _line_indexes(compiled, action.lines, claim):
        modifiers = list(claim.encounter.service_lines[index].modifiers)
        if action.modifier == "remove":
            modifiers = [code for code in modifiers if code != action.code]
        elif action.modifier == "replace":
            modifiers = [
                action.replace_with if code == action.code else code
                for code in modifiers
            ]
        else:
            for code in _codes_to_add(compiled, index, claim):
                if code in modifiers:
                    continue
                if len(modifiers) >= 4:
                    message = (
                        f"Line {index + 1}: modifier {code} could not be added "
                        "because the line already has four; review the modifiers."
                    )
                    outcome.findings.append(
                        _finding(rule, message, f"service_lines[{index}].modifiers")
                    )
                    continue
                modifiers.append(code)
        path = f"service_lines[{index}].modifiers"
        change = _change(rule, claim.encounter, path, modifiers)
        if change is not None:
            outcome.changes.append(change)
    return outcome


_MODIFIER = re.compile(r"[A-Z0-9]{2}")


def _codes_to_add(compiled: CompiledAction, index: int, claim: _Claim) -> list[str]:
    """The modifiers an add action adds to line ``index``: its code or codes."""
    action = compiled.action
    assert isinstance(action, ModifierAction)
    if action.codes is None:
        return [action.code]
    lines = claim.activation.get("service_lines", [])
    claim.context.set_variable("line", lines[index])
    codes = evaluate_value(compiled.programs[action.codes], claim.context)
    if not isinstance(codes, list) or not all(
        isinstance(code, str) and _MODIFIER.fullmatch(code) for code in codes
    ):
        raise EvaluationError(
            f"'{action.codes}' gave {codes!r}, not a list of two-character modifiers"
        )
    return list(codes)


def _repair(rule: Rule, action: RepairAction, encounter: Encounter) -> list[Change]:
    fix = _FIXES[action.fix]
    changes = []
    for pattern in action.repair:
        for path in expand_path(encounter, pattern):
            if not parent_present(encounter, path):
                continue
            value = get_path(encounter, path)
            if not isinstance(value, str | list) or not value:
                continue
            fixed = fix(value)
            if action.only_if is not None and not (
                isinstance(fixed, str) and re.fullmatch(action.only_if, fixed)
            ):
                continue
            if fixed != value:
                change = _change(rule, encounter, path, fixed)
                if change is not None:
                    changes.append(change)
    return changes


def _run_actions(rule: Rule, claim: _Claim) -> _Outcome:
    outcome = _Outcome([], [])
    for compiled in rule.actions:
        action = compiled.action
        if action.when is not None:
            when = evaluate_value(compiled.programs[action.when], claim.context)
            if when is not True:
                continue
        changes: list[Change] = []
        if isinstance(action, FlagAction):
            outcome.findings.extend(_flag(rule, compiled, claim))
        elif isinstance(action, RequireAction):
            outcome.findings.extend(_require(rule, action, claim.encounter))
        elif isinstance(action, SetAction):
            claim.own()
            changes = _set(rule, compiled, claim)
        elif isinstance(action, ModifierAction):
            claim.own()
            modified = _modifier(rule, compiled, claim)
            changes = modified.changes
            outcome.findings.extend(modified.findings)
        else:
            changes = _repair(rule, action, claim.own())
        if changes:
            outcome.changes.extend(changes)
            claim.refresh()
    return outcome


def _mutates(rule: Rule) -> bool:
    return any(
        not isinstance(compiled.action, FlagAction | RequireAction)
        for compiled in rule.actions
    )


@dataclass
class _Step:
    """A rule as ``build_claim`` runs it, with the traces of its quick passes."""

    rule: Rule
    quick: bool
    """Enabled, and its condition has a Python form."""
    passed: dict[int, RuleTrace]
    """Its passed traces by the index ``false_part`` gives."""
    skipped: dict[str, RuleTrace]
    """Its skipped traces by why the claim is out of its scope."""


_PLAN = ("plan",)


def _plan(rule_set: RuleSet) -> list[_Step]:
    """The rule set's steps, made once and kept with its traces."""
    plan = rule_set.trace_cache.get(_PLAN)
    if plan is None:
        plan = [
            _Step(rule, rule.enabled and rule.condition.decide is not None, {}, {})
            for rule in rule_set.rules
        ]
        rule_set.trace_cache[_PLAN] = plan
    assert isinstance(plan, list)
    return plan


_TRACE_CACHE_SIZE = 20_000
"""Traces kept for reuse at most; a rule set in use for weeks stays small."""


def _cached_trace(
    rule_set: RuleSet, key: tuple[Any, ...], make: Callable[[], RuleTrace]
) -> RuleTrace:
    try:
        trace = rule_set.trace_cache.get(key)
    except TypeError:
        return make()
    if trace is None:
        trace = make()
        if len(rule_set.trace_cache) >= _TRACE_CACHE_SIZE:
            rule_set.trace_cache.clear()
        rule_set.trace_cache[key] = trace
    assert isinstance(trace, RuleTrace)
    return trace


def _error_trace(
    rule: Rule, detail: str, condition: list[ConditionPart], exemption: Decision | None
) -> RuleTrace:
    message = (
        f"Rule {rule.id} could not run on this claim ({detail}). The claim is held "
        "until the rule is fixed or a person exempts it with a reason."
    )
    finding = Finding(
        rule_id=rule.id,
        severity=Severity.ERROR,
        message=message,
        exempted=exemption is not None,
    )
    outcome = "exempted" if exemption is not None else "error"
    if exemption is not None:
        detail = f"{_exempt_detail(exemption)} (rule failed: {detail})"
    return RuleTrace(
        rule_id=rule.id,
        title=rule.title,
        version=rule.version,
        outcome=outcome,
        detail=detail,
        condition=condition,
        findings=[finding],
    )


def _exempt_detail(exemption: Decision) -> str:
    return f"exempted by {exemption.user}: {exemption.reason}"


def _run_rule(
    rule: Rule, claim: _Claim, exemption: Decision | None, rule_set: RuleSet
) -> tuple[RuleTrace, _Claim]:
    """Run one rule; return its trace and the claim state to go on with."""
    if not rule.enabled:
        miss = rule.disabled_note
    else:
        miss = scope_miss(rule.scope, claim.scope) if rule.scoped else ""
    if miss:
        key: tuple[Any, ...] = ("skipped", rule.id, rule.version, miss)
        return _cached_trace(rule_set, key, lambda: _skipped(rule, miss)), claim
    index = false_part(rule.condition, claim.context)
    if index is not None:
        key = ("false part", rule.id, rule.version, index)
        return _cached_trace(rule_set, key, lambda: _passed(rule, index)), claim
    try:
        fired, parts = evaluate_condition(rule.condition, claim.context)
    except EvaluationError as error:
        return _error_trace(rule, str(error), [], exemption), claim
    if not fired:
        key = ("passed", rule.id, rule.version, tuple(parts))
        make = _trace_maker(rule, "passed", "", parts)
        return _cached_trace(rule_set, key, make), claim
    condition = [ConditionPart(expression=text, value=value) for text, value in parts]
    work = claim.fork() if exemption is not None or _mutates(rule) else claim
    try:
        outcome = _run_actions(rule, work)
    except Exception as error:  # a rule must never take the build down
        detail = f"{type(error).__name__}: {error}".replace("\n", " ")
        return _error_trace(rule, detail, condition, exemption), claim
    if exemption is not None:
        findings = [f.model_copy(update={"exempted": True}) for f in outcome.findings]
        trace = RuleTrace(
            rule_id=rule.id,
            title=rule.title,
            version=rule.version,
            outcome="exempted",
            detail=_exempt_detail(exemption),
            condition=condition,
            findings=findings,
        )
        return trace, claim

    def fired_trace() -> RuleTrace:
        return RuleTrace(
            rule_id=rule.id,
            title=rule.title,
            version=rule.version,
            outcome="fired",
            condition=condition,
            changes=outcome.changes,
            findings=outcome.findings,
        )

    if outcome.changes:
        return fired_trace(), work
    # A rule that only flags fires the same way on many claims of a batch.
    said = tuple((f.severity, f.message, f.path, f.segment) for f in outcome.findings)
    key = ("fired", rule.id, rule.version, tuple(parts), said)
    return _cached_trace(rule_set, key, fired_trace), work


def _skipped(rule: Rule, miss: str) -> RuleTrace:
    return _trace_maker(rule, "skipped", miss, ())()


def _passed(rule: Rule, index: int) -> RuleTrace:
    parts = passed_parts(rule.condition, index)
    return _trace_maker(rule, "passed", "", parts)()


def _trace_maker(
    rule: Rule, outcome: str, detail: str, parts: Sequence[tuple[str, Any]]
) -> Callable[[], RuleTrace]:
    def make() -> RuleTrace:
        return RuleTrace.model_validate(
            {
                "rule_id": rule.id,
                "title": rule.title,
                "version": rule.version,
                "outcome": outcome,
                "detail": detail,
                "condition": [
                    {"expression": text, "value": value} for text, value in parts
                ],
            }
        )

    return make


def _apply_decision(
    encounter: Encounter, decision: Decision
) -> tuple[Change | None, Finding | None]:
    label = decision.kind
    try:
        before = get_path(encounter, decision.path)
        set_path(encounter, decision.path, decision.value)
        after = get_path(encounter, decision.path)
    except Exception as error:  # a bad stored decision holds, never crashes
        message = (
            f"The {label} of '{decision.path}' by {decision.user} could not be "
            f"applied ({type(error).__name__}); correct or remove it."
        )
        finding = Finding(
            rule_id=label, severity=Severity.ERROR, message=message, path=decision.path
        )
        return None, finding
    change = Change(
        rule_id=label,
        path=decision.path,
        before=before,
        after=after,
        reason=decision.reason,
    )
    return change, None


def _load_finding(rule_set: RuleSet) -> Finding:
    first = rule_set.errors[0]
    count = len(rule_set.errors)
    message = (
        f"The rule set did not load completely ({count} problem(s); first: "
        f"{first}). Fix the rule file or folder it names and rebuild; claims "
        "are held until then."
    )
    return Finding(
        rule_id="RULES-LOAD", severity=Severity.ERROR, message=message, path=""
    )


def build_claim(
    encounter: Encounter,
    rule_set: RuleSet,
    decisions: Sequence[Decision] = (),
    *,
    today: dt.date | None = None,
    facts: Mapping[str, Any] | None = None,
) -> BuildResult:
    """Build a claim from ``encounter`` with ``rule_set`` and a person's decisions.

    ``today`` is the date timely-filing rules measure against; pass it so a
    rebuild on another day gives the same result. ``facts`` are added to the
    ``facts`` rules see (the review layer passes ``history_known`` and
    ``history``, the lines of the patient's other stored claims). The input is
    never changed.

    Returns:
        The built claim: final encounter, one trace per rule, findings, changes.
    """
    # Rules that change values work on copies (see ``_Claim.fork``), so the
    # received encounter needs copying here only for a person's decisions.
    decided = any(decision.kind in ("edit", "override") for decision in decisions)
    work = _copy(encounter) if decided else encounter
    findings: list[Finding] = []
    changes: list[Change] = []
    if rule_set.errors:
        findings.append(_load_finding(rule_set))
    for decision in decisions:
        if decision.kind == "edit":
            change, problem = _apply_decision(work, decision)
            changes.extend([change] if change else [])
            findings.extend([problem] if problem else [])
    exemptions = {d.rule_id: d for d in decisions if d.kind == "exempt"}

    claim = _Claim(work, today or dt.date.today(), rule_set, facts)
    traces = []
    for step in _plan(rule_set):
        rule = step.rule
        if step.quick and rule.id not in exemptions:
            # The common cases, kept short: a claim out of the rule's scope, and
            # a rule found false.
            miss = scope_miss(rule.scope, claim.scope) if rule.scoped else ""
            if miss:
                trace = step.skipped.get(miss)
                if trace is None:
                    trace = step.skipped[miss] = _skipped(rule, miss)
                traces.append(trace)
                continue
            index = false_part(rule.condition, claim.context)
            if index is not None:
                trace = step.passed.get(index)
                if trace is None:
                    trace = step.passed[index] = _passed(rule, index)
                traces.append(trace)
                continue
        trace, claim = _run_rule(rule, claim, exemptions.get(rule.id), rule_set)
        traces.append(trace)
        findings.extend(trace.findings)
        changes.extend(trace.changes)

    work = claim.encounter
    for decision in decisions:
        if decision.kind == "override":
            change, problem = _apply_decision(work, decision)
            changes.extend([change] if change else [])
            findings.extend([problem] if problem else [])
    return BuildResult(
        encounter=work,
        traces=traces,
        findings=findings,
        changes=changes,
        rule_set_version=rule_set.version,
    )
