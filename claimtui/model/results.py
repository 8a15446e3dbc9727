"""What building a claim produces: findings, changes, rule traces, decisions.

A claim is a pure function of (raw encounter, rule set version, the claim's recorded
decisions). ``Decision`` records what a person decided on one claim; ``BuildResult``
records what the engine did and why, so every change and every hold is explainable.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from claimtui.model.encounter import Encounter


class Severity(StrEnum):
    """How much a finding matters: error holds, warning asks for review, info notes."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class ClaimStatus(StrEnum):
    """Where a claim stands in the workflow."""

    HELD = "held"
    """An unresolved error stops it; it waits in a queue."""
    REVIEW = "review"
    """Only warnings: a person should look before it goes."""
    READY = "ready"
    """Nothing holds it; it goes out with the next export."""
    PARKED = "parked"
    """A person put it aside with a note."""
    EXPORTED = "exported"
    """Written to an exported batch."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Finding(_Frozen):
    """Something a rule or the validator found on a claim."""

    rule_id: str = Field(description="The rule (or validator) that found it.")
    severity: Severity = Field(description="error holds, warning reviews, info notes.")
    message: str = Field(description="What is wrong and what to do about it.")
    path: str = Field("", description="Model path the finding is about, if any.")
    segment: str = Field("", description="X12 location, e.g. 2300 CLM05-3.")
    exempted: bool = Field(
        False, description="A person exempted the rule on this claim; it does not hold."
    )


class Change(_Frozen):
    """One value a rule, a repair or a person changed."""

    rule_id: str = Field(description="Rule id, or 'override' / 'edit' for a person.")
    path: str = Field(description="Model path of the changed value.")
    before: Any = Field(description="Value before the change.")
    after: Any = Field(description="Value after the change.")
    reason: str = Field("", description="Why: the rule's title or a person's reason.")


class ConditionPart(_Frozen):
    """One part of a rule's condition and the value it had on this claim."""

    expression: str
    value: Any


class RuleTrace(_Frozen):
    """What one rule did on one claim, in the order rules ran."""

    rule_id: str
    title: str = ""
    version: str = ""
    outcome: Literal["fired", "passed", "skipped", "exempted", "error"] = Field(
        description="fired: condition true and actions ran; passed: condition "
        "false; skipped: out of scope; exempted: a person exempted it; error: "
        "the rule could not run, which holds the claim."
    )
    detail: str = Field("", description="Why skipped, who exempted and why, or error.")
    condition: list[ConditionPart] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)


class Decision(_Frozen):
    """A person's decision on one claim, honoured on every rebuild."""

    kind: Literal["exempt", "override", "edit"] = Field(
        description="exempt a rule; override a value a rule set; edit a field."
    )
    rule_id: str = Field("", description="The rule exempted or overridden.")
    path: str = Field("", description="Model path for override and edit.")
    value: Any = Field(None, description="The value set by override or edit.")
    reason: str = Field(description="Why, in the person's words.")
    user: str = Field(description="Who decided.")
    at: dt.datetime = Field(description="When, in UTC.")


class BuildResult(BaseModel):
    """The built claim: final encounter, what each rule did, and the outcome."""

    model_config = ConfigDict(extra="forbid")

    encounter: Encounter = Field(description="The encounter after rules and decisions.")
    traces: list[RuleTrace] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    rule_set_version: str = ""

    @property
    def holding_findings(self) -> list[Finding]:
        """Errors that are not exempted: any of these holds the claim."""
        return [
            finding
            for finding in self.findings
            if finding.severity is Severity.ERROR and not finding.exempted
        ]

    @property
    def status(self) -> ClaimStatus:
        """held on an unresolved error, review on a warning, otherwise ready."""
        if self.holding_findings:
            return ClaimStatus.HELD
        if any(
            f.severity is Severity.WARNING and not f.exempted for f in self.findings
        ):
            return ClaimStatus.REVIEW
        return ClaimStatus.READY
