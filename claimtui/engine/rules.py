"""A loaded rule: its spec, compiled expressions, and whether a claim is in scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from claimtui.engine.expressions import CompiledPart, Condition, claim_kinds
from claimtui.engine.helpers import code_in
from claimtui.engine.schema import Action, RuleSpec, Scope
from claimtui.model import Encounter, Finding, Severity


@dataclass(frozen=True)
class CompiledAction:
    """An action with its expressions compiled, keyed by their source."""

    action: Action
    programs: dict[str, CompiledPart] = field(default_factory=dict)
    flagged: dict[int, Finding] = field(default_factory=dict, compare=False, repr=False)
    """A flag action's findings, made once: by line (or other payer) index, -1
    for the claim."""


@dataclass(frozen=True)
class Rule:
    """One loaded rule, as it runs: practice overrides already applied."""

    spec: RuleSpec
    """The rule as written in its file."""
    condition: Condition
    """The compiled condition."""
    actions: list[CompiledAction]
    """The compiled actions, in file order."""
    file: str
    """The file the rule came from."""
    line: int | None
    """Where the rule starts in its file."""
    layer: int
    """0 for the shipped packs, then 1, 2, ... for practice folders."""
    version: str
    """Hash of the rule's text and any overrides applied to it."""
    severity: Severity = Severity.ERROR
    """Severity in force (the spec's unless an override changed it)."""
    scope: Scope = field(default_factory=Scope)
    """Scope in force (the spec's unless an override changed it)."""
    enabled: bool = True
    """False when an override turned the rule off."""
    disabled_note: str = ""
    """Where and why it was turned off."""
    scoped: bool = field(init=False)
    """False when the scope lets every claim in (no need to match it)."""
    id: str = field(init=False)
    """The rule id, e.g. ACC-01."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "scoped", self.scope != Scope())
        object.__setattr__(self, "id", self.spec.id)

    @property
    def title(self) -> str:
        """The short title shown in queues and traces."""
        return self.spec.title

    def expression_sources(self) -> Iterator[str]:
        """Every CEL expression in the rule: condition and action expressions."""
        yield self.spec.condition
        for compiled in self.actions:
            yield from compiled.programs


@dataclass(frozen=True)
class ClaimScope:
    """The facts about a claim that scopes are matched against."""

    payer_id: str
    claim_filing_code: str
    receivers: frozenset[str]
    kinds: frozenset[str]
    state: str
    first_service_date: dt.date | None
    procedure_codes: frozenset[str]
    diagnosis_codes: frozenset[str]

    @classmethod
    def of(cls, encounter: Encounter) -> ClaimScope:
        """The scope facts of ``encounter``."""
        receiver = encounter.receiver
        names = {receiver.identifier, receiver.name} if receiver else set()
        address = encounter.billing_provider.address
        return cls(
            payer_id=encounter.payer.payer_id,
            claim_filing_code=encounter.subscriber.claim_filing_code,
            receivers=frozenset(name.upper() for name in names if name),
            kinds=frozenset(claim_kinds(encounter)),
            state=address.state if address else "",
            first_service_date=encounter.first_service_date,
            procedure_codes=frozenset(
                line.procedure_code for line in encounter.service_lines
            ),
            diagnosis_codes=frozenset(d.code for d in encounter.claim.diagnoses),
        )


def scope_miss(scope: Scope, claim: ClaimScope) -> str:
    """Why the claim is outside ``scope``; empty when it is inside."""
    if scope.payer_ids and claim.payer_id not in scope.payer_ids:
        return "payer id not in scope"
    if scope.claim_filing_codes and claim.claim_filing_code not in (
        scope.claim_filing_codes
    ):
        return "claim filing code not in scope"
    if scope.clearinghouses and not claim.receivers & {
        name.upper() for name in scope.clearinghouses
    }:
        return "clearinghouse not in scope"
    if scope.kinds and not claim.kinds & set(scope.kinds):
        return "claim kind not in scope (" + ", ".join(scope.kinds) + ")"
    if scope.states and claim.state not in scope.states:
        return "billing provider state not in scope"
    if scope.procedure_codes and not any(
        code_in(code, scope.procedure_codes) for code in claim.procedure_codes
    ):
        return "no procedure code in scope"
    if scope.diagnosis_codes and not any(
        code_in(code, scope.diagnosis_codes) for code in claim.diagnosis_codes
    ):
        return "no diagnosis code in scope"
    first = claim.first_service_date
    if first is not None:
        if scope.effective_from is not None and first < scope.effective_from:
            return f"service date before {scope.effective_from.isoformat()}"
        if scope.effective_to is not None and first > scope.effective_to:
            return f"service date after {scope.effective_to.isoformat()}"
    return ""
