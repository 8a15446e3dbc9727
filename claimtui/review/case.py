"""The Workers' Comp and accident case of a claim, as the console's case panel shows it.

A case is not a separate record: it is the part of the encounter a WC or accident
claim is worked by (employer, claim number, date of injury, related causes,
jurisdiction, adjuster contact, attachments). ``case_view`` lists those fields
with the path to edit each by (``Workspace.edit``), the 837P place it is sent
in, its value as received and as built, and the findings that point at it.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from claimtui.model import Encounter, Finding, PathError, get_path, set_path
from claimtui.review.claims import claim_kind
from claimtui.review.views import ClaimDetail, ReviewError

CASE_RULE_PREFIXES = ("WC-", "ACC-", "TF-07")
"""Rules about the case itself; their findings are listed with the case."""

ValueType = Literal["text", "date", "codes"]
"""How a case field is typed in: free text, a YYYY-MM-DD date, or codes
separated by spaces (related causes)."""


@dataclass(frozen=True)
class CaseField:
    """One case field: where it lives, where it is sent, and its values."""

    label: str
    """What the console shows, e.g. 'Employer' or 'Date of injury'."""
    path: str
    """Model path to pass to ``Workspace.edit``, e.g. ``claim.accident_date``."""
    segment: str
    """Where it is sent in the 837P, e.g. '2300 DTP*439'; 'not sent' if nowhere."""
    value: str
    """The value as built (after rules and decisions), as text; '' when unset."""
    received: str
    """The value as received from the file, as text."""
    editable: bool
    """False when a group on the way is absent (see ``missing_group``)."""
    missing_group: str = ""
    """The absent group's path (e.g. ``patient.contact``): edit it with a mapping
    such as ``{"name": ..., "phone": ...}`` to create it, then edit the field."""
    findings: list[Finding] = field(default_factory=list)
    """Unexempted and exempted findings whose path is this field or below it."""
    help: str = ""
    """The field's description from the model: help text for the editor."""
    value_type: ValueType = "text"
    """How the editor reads what is typed (see ``case_edit``)."""


@dataclass(frozen=True)
class CaseView:
    """The WC or accident case of one claim."""

    claim_id: int
    kind: str
    """WC, AA (auto accident or auto medical), OA (other accident) or ''."""
    claim_filing_code: str
    """SBR09 as built: WC, AM, CI, ..."""
    jurisdiction: str
    """The state whose WC rules apply, as the rules resolve it; '' when none."""
    jurisdiction_source: str
    """'case' when entered on the claim, 'billing provider' when it stands in."""
    fields: list[CaseField]
    """Case fields in panel order, attachments last (one group per PWK)."""
    findings: list[Finding]
    """Findings of the WC, accident and WC filing-limit rules on this claim."""

    def field(self, path: str) -> CaseField:
        """The case field with this path.

        Raises:
            KeyError: the path is not a case field.
        """
        for case_field in self.fields:
            if case_field.path == path:
                return case_field
        raise KeyError(path)


_Spec = tuple[str, str, str]


def _party_specs(workers_comp: bool) -> list[_Spec]:
    if workers_comp:
        return [
            ("Employer", "subscriber.last_name", "2010BA NM103"),
            ("Employer identifier", "subscriber.member_id", "2010BA NM109"),
            ("Employer address", "subscriber.address.line1", "2010BA N301"),
            ("Employer city", "subscriber.address.city", "2010BA N401"),
            ("Employer state", "subscriber.address.state", "2010BA N402"),
            ("Employer ZIP", "subscriber.address.postal_code", "2010BA N403"),
            ("Injured worker, last name", "patient.last_name", "2010CA NM103"),
            ("Injured worker, first name", "patient.first_name", "2010CA NM104"),
            ("Relationship to employer", "patient.relationship", "2000C PAT01"),
            ("Injured worker SSN", "patient.ssn", "2010CA REF*SY"),
        ]
    return [
        ("Policyholder", "subscriber.last_name", "2010BA NM103"),
        ("Policy or member id", "subscriber.member_id", "2010BA NM109"),
        ("Patient relationship", "subscriber.relationship", "2000B SBR02"),
    ]


def _claim_specs(workers_comp: bool) -> list[_Spec]:
    injury = "Date of injury" if workers_comp else "Date of accident"
    return [
        ("Claim filing indicator", "subscriber.claim_filing_code", "2000B SBR09"),
        ("Jurisdiction", "claim.jurisdiction", "not sent (case data)"),
        (
            "P&C claim number (patient)",
            "patient.property_casualty_claim_number",
            "2010CA REF*Y4",
        ),
        (
            "P&C claim number (subscriber)",
            "subscriber.property_casualty_claim_number",
            "2010BA REF*Y4",
        ),
        (injury, "claim.accident_date", "2300 DTP*439"),
        ("Related causes", "claim.related_causes", "2300 CLM11-1..3"),
        ("Accident state", "claim.accident_state", "2300 CLM11-4"),
        ("Accident country", "claim.accident_country", "2300 CLM11-5"),
        ("Adjuster contact (patient)", "patient.contact.name", "2010CA PER02"),
        ("Adjuster phone (patient)", "patient.contact.phone", "2010CA PER04"),
        ("Adjuster contact (subscriber)", "subscriber.contact.name", "2010BA PER02"),
        ("Adjuster phone (subscriber)", "subscriber.contact.phone", "2010BA PER04"),
    ]


def _attachment_specs(count: int) -> list[_Spec]:
    specs: list[_Spec] = []
    for index in range(count):
        path = f"claim.attachments[{index}]"
        number = f"Attachment {index + 1}"
        specs += [
            (f"{number} report type", f"{path}.report_type", "2300 PWK01"),
            (f"{number} sent by", f"{path}.transmission_code", "2300 PWK02"),
            (f"{number} control number", f"{path}.control_number", "2300 PWK06"),
        ]
    return specs


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_text(item) for item in value)
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def with_edits(received: Encounter, edits: Iterable[tuple[str, Any]]) -> Encounter:
    """A copy of ``received`` with the (path, value) edits applied, in order.

    This is the encounter the rules start from, so what may be edited next is
    judged against it. An edit that cannot be applied is skipped here; the
    build holds the claim for it.
    """
    edited = received.model_copy(deep=True)
    for path, value in edits:
        try:
            set_path(edited, path, value)
        except (PathError, ValidationError):
            continue
    return edited


def _missing_group(encounter: Encounter, path: str) -> str:
    """The first absent optional group on the way to ``path``; '' if none."""
    parts = path.split(".")
    for end in range(1, len(parts)):
        group = ".".join(parts[:end])
        if get_path(encounter, group) is None:
            return group
    return ""


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside ``Model | None`` or ``list[Model]``; None if none."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _field_info(path: str) -> FieldInfo | None:
    """The model's declaration of the field at ``path``, read from the classes,
    so it is known even when a group on the way is absent."""
    model: type[BaseModel] | None = Encounter
    info: FieldInfo | None = None
    for part in path.split("."):
        if model is None:
            return None
        info = model.model_fields.get(part.split("[")[0])
        if info is None:
            return None
        model = _model_in(info.annotation)
    return info


def _value_type(info: FieldInfo | None) -> ValueType:
    if info is None:
        return "text"
    annotation = info.annotation
    if typing.get_origin(annotation) is list:
        return "codes"
    if annotation is dt.date or dt.date in typing.get_args(annotation):
        return "date"
    return "text"


def _findings_at(findings: list[Finding], path: str) -> list[Finding]:
    return [
        finding
        for finding in findings
        if finding.path == path or finding.path.startswith(path + ".")
    ]


def case_view(detail: ClaimDetail, pending: Iterable[tuple[str, Any]] = ()) -> CaseView:
    """The case of the claim in ``detail`` (built now, with its decisions).

    ``pending`` are (path, value) edits not stored yet, such as the console's
    staged ones when ``detail`` is a preview: a group they create counts as
    present, so its fields can be edited next.
    """
    built, received = detail.encounter, detail.received
    workers_comp = built.is_workers_comp
    specs = _party_specs(workers_comp) + _claim_specs(workers_comp)
    specs += _attachment_specs(len(built.claim.attachments))
    edits = [(d.path, d.value) for d in detail.decisions if d.kind == "edit"]
    editable_base = with_edits(received, [*edits, *pending])
    fields = []
    for label, path, segment in specs:
        missing = _missing_group(editable_base, path)
        info = _field_info(path)
        fields.append(
            CaseField(
                label=label,
                path=path,
                segment=segment,
                value=_text(get_path(built, path)),
                received=_text(get_path(received, path)),
                editable=not missing,
                missing_group=missing,
                findings=_findings_at(detail.build.findings, path),
                help=(info.description or "") if info is not None else "",
                value_type=_value_type(info),
            )
        )
    case_findings = [
        finding
        for finding in detail.build.findings
        if finding.rule_id.startswith(CASE_RULE_PREFIXES)
    ]
    entered = built.claim.jurisdiction.strip()
    jurisdiction = built.jurisdiction_state
    source = "case" if entered else ("billing provider" if jurisdiction else "")
    return CaseView(
        claim_id=detail.id,
        kind=claim_kind(built),
        claim_filing_code=built.subscriber.claim_filing_code,
        jurisdiction=jurisdiction,
        jurisdiction_source=source,
        fields=fields,
        findings=case_findings,
    )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _typed(case_field: CaseField, text: str) -> Any:
    text = text.strip()
    if case_field.value_type == "codes":
        return text.replace(",", " ").upper().split()
    if case_field.value_type == "date":
        if not text:
            return None
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError(text)
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ReviewError(
                f"{case_field.label}: enter the date as YYYY-MM-DD, "
                f"e.g. 2026-11-20 (not '{text}')"
            ) from None
    return text


def case_edit(case_field: CaseField, text: str) -> tuple[str, Any]:
    """The (path, value) edit that sets ``case_field`` to what was typed.

    Dates are read as YYYY-MM-DD (blank clears them) and related causes as codes
    separated by spaces or commas. When a group on the way is absent
    (``missing_group``), the edit creates the group holding just this value,
    the way ``Workspace.edit`` documents; its other fields are edited next.

    Raises:
        ReviewError: a date not written as YYYY-MM-DD.
    """
    value = _typed(case_field, text)
    group = case_field.missing_group
    if not group:
        return case_field.path, value
    rest = case_field.path.removeprefix(group + ".").split(".")
    for name in reversed(rest):
        value = {name: value}
    return group, value
