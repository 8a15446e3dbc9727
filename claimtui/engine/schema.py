"""The rule-file schema: what a YAML rule pack may say, checked field by field.

Every model forbids unknown fields, so a misspelt key is an error with a line
number rather than a setting that silently does nothing. ``rule_file_json_schema``
publishes the same schema for editors.

A rule file holds ``rules`` (new rules) and ``overrides`` (changes a practice
makes to a rule loaded from an earlier layer, by id, without editing it)::

    rules:
      - id: ACC-01
        title: Auto accident state
        why: "RULES.md ACC-01; [S95]"
        severity: error
        scope: {kinds: [auto-accident]}
        condition: 'blank(claim.accident_state) && blank(claim.accident_country)'
        actions:
          - flag: Enter the state where the auto accident happened (CLM11-4).
        examples:
          - input: {claim: {related_causes: [AA]}}
            fires: true
    overrides:
      - id: ACC-01
        severity: warning
        reason: Our auto carriers take the state from the police report.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from claimtui.model import Severity

Kind = Literal["workers-comp", "auto-accident", "accident", "corrected", "secondary"]
Fix = Literal[
    "digits_only",
    "strip_punctuation",
    "remove_decimal_point",
    "uppercase",
    "trim",
    "dedupe",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Strict):
    """Which claims a rule looks at; an empty list means any."""

    payer_ids: list[str] = Field(
        default_factory=list, description="Payer ids (2010BB NM109) the rule is for."
    )
    claim_filing_codes: list[str] = Field(
        default_factory=list,
        description="Claim filing indicators (SBR09), e.g. MB, MC, CI, WC, AM.",
    )
    clearinghouses: list[str] = Field(
        default_factory=list,
        description="Receiver ids or names (1000B) the rule is for.",
    )
    kinds: list[Kind] = Field(
        default_factory=list,
        description="Claim kinds: workers-comp, auto-accident, accident, "
        "corrected (frequency 7 or 8), secondary (not the primary payer).",
    )
    states: list[str] = Field(
        default_factory=list,
        description="Billing provider states (2010AA N402); the jurisdiction of "
        "a state Workers' Comp pack.",
    )
    procedure_codes: list[str] = Field(
        default_factory=list,
        description="Procedure codes (SV101-2) the rule is for: a code, a prefix "
        "ending in * (992*), or a range (99202-99215); any line may match.",
    )
    diagnosis_codes: list[str] = Field(
        default_factory=list,
        description="Diagnosis codes (HI) the rule is for, written like "
        "procedure_codes (E11*, S00-T88); any diagnosis may match.",
    )
    effective_from: dt.date | None = Field(
        None, description="First service date on or after which the rule applies."
    )
    effective_to: dt.date | None = Field(
        None, description="Last first-service date on which the rule applies."
    )


class _Action(_Strict):
    when: str | None = Field(
        None,
        description="CEL condition checked when the action runs (after earlier "
        "actions of the same rule); the action is skipped when false.",
    )


class FlagAction(_Action):
    """Report a finding with the rule's severity."""

    flag: str = Field(description="What is wrong and what the biller should do.")
    severity: Severity | None = Field(
        None,
        description="A severity for this finding instead of the rule's, e.g. "
        "info for 'table X not supplied' on a rule that otherwise holds.",
    )
    path: str = Field("", description="Model path the finding points at.")
    segment: str = Field("", description="X12 location, e.g. 2300 CLM11-4.")
    lines: str | None = Field(
        None,
        description="CEL condition over `line`: one finding per service line "
        "for which it is true, its path naming the line.",
    )
    coverages: str | None = Field(
        None,
        description="CEL condition over `coverage`: one finding per other "
        "coverage (2320) for which it is true, its path naming the coverage.",
    )

    @model_validator(mode="after")
    def _one_selector(self) -> FlagAction:
        if self.lines is not None and self.coverages is not None:
            raise ValueError("a flag takes lines or coverages, not both")
        return self


class SetAction(_Action):
    """Set a field to a fixed value or to the value of an expression."""

    set: str = Field(description="Model path to set; [*] means every item.")
    value: Any = Field(None, description="The value to set.")
    value_expr: str | None = Field(
        None, description="CEL expression whose value is set instead of `value`."
    )


class ModifierAction(_Action):
    """Add, remove or replace a procedure modifier on service lines."""

    modifier: Literal["add", "remove", "replace"]
    code: str = Field(
        "", description="The modifier added, removed or replaced (unless `codes`)."
    )
    codes: str | None = Field(
        None,
        description="For add: CEL expression over `line` giving the list of "
        "modifiers to add to that line, when they depend on the line (e.g. a "
        "practice table); each must be two letters or digits.",
    )
    replace_with: str = Field("", description="For replace: the new modifier.")
    lines: str | None = Field(
        None, description="CEL condition over `line`; every line when omitted."
    )

    @model_validator(mode="after")
    def _one_code(self) -> ModifierAction:
        if self.codes is not None and self.modifier != "add":
            raise ValueError("codes works with modifier: add only")
        if self.codes is None and not self.code:
            raise ValueError("a modifier action needs code (or, to add, codes)")
        return self


class RequireAction(_Action):
    """Report each listed field that is empty."""

    require: list[str] = Field(
        description="Model paths that must have a value; [*] means every item."
    )
    message: str = Field(description="What to enter, shown for each empty field.")
    segment: str = Field("", description="X12 location of the field.")


class RepairAction(_Action):
    """A deterministic formatting fix; every value it changes is a recorded Change."""

    repair: list[str] = Field(description="Model paths to repair; [*] for items.")
    fix: Fix = Field(description="Which fix to apply.")
    only_if: str | None = Field(
        None,
        description="Regular expression the repaired value must match in full; "
        "otherwise the value is left as it is.",
    )


def _action_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("flag", "set", "modifier", "require", "repair"):
            if key in value:
                return key
        return None
    for key in ("flag", "set", "modifier", "require", "repair"):
        if hasattr(value, key):
            return key
    return None


Action = Annotated[
    Annotated[FlagAction, Tag("flag")]
    | Annotated[SetAction, Tag("set")]
    | Annotated[ModifierAction, Tag("modifier")]
    | Annotated[RequireAction, Tag("require")]
    | Annotated[RepairAction, Tag("repair")],
    Discriminator(
        _action_kind,
        custom_error_type="unknown_action",
        custom_error_message="an action needs one of: flag, set, modifier, "
        "require, repair",
    ),
]


class ExpectedChange(_Strict):
    """A change an example expects the rule to make."""

    path: str
    after: Any


class Example(_Strict):
    """An input fragment and what the rule should do with it; run as a test."""

    name: str = Field("", description="What the example shows.")
    input: dict[str, Any] = Field(
        default_factory=dict,
        description="Fields laid over the clean base claim (see engine.samples).",
    )
    today: dt.date | None = Field(None, description="The build date, if it matters.")
    tables: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict,
        description="Reference tables the example runs with, by name, as rows; "
        "an example sees only these, never the practice's own tables.",
    )
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="Facts the review layer would supply, e.g. history.",
    )
    fires: bool = Field(description="Whether the rule should fire.")
    changes: list[ExpectedChange] | None = Field(
        None, description="When given: exactly the changes the rule should make."
    )


class RuleSpec(_Strict):
    """One rule as written in a rule file."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", description="Unique id.")
    title: str = Field(min_length=1, description="Short name shown in queues.")
    why: str = Field(min_length=1, description="Rationale and source ids.")
    severity: Severity = Field(description="error holds, warning reviews, info.")
    enabled: bool = Field(
        True,
        description="false ships the rule switched off; a practice turns it on "
        "with an override (enabled: true) once it applies to them.",
    )
    scope: Scope = Field(default_factory=Scope)
    condition: str = Field("true", description="CEL condition; actions run if true.")
    actions: list[Action] = Field(min_length=1)
    examples: list[Example] = Field(default_factory=list)


class ScopeOverride(Scope):
    """A new scope; only the fields written replace the rule's own."""


class OverrideSpec(_Strict):
    """A practice's change to a rule from an earlier layer, by id."""

    id: str = Field(description="The id of the rule to change.")
    enabled: bool | None = Field(None, description="false turns the rule off.")
    severity: Severity | None = Field(None, description="A new severity.")
    scope: ScopeOverride | None = Field(None, description="Scope fields to replace.")
    reason: str = Field(min_length=1, description="Why the practice changed it.")


class RuleFile(_Strict):
    """A rule pack file."""

    rules: list[RuleSpec] = Field(default_factory=list)
    overrides: list[OverrideSpec] = Field(default_factory=list)


def rule_file_json_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file, for editors and for publishing."""
    schema = RuleFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "claimtui rule pack"
    return schema
