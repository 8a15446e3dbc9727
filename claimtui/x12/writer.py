"""Write encounters as one 005010X222A1 interchange, and show a claim's segments.

Output rules: a fixed-width ISA with ISA11 ``^`` and ISA16 ``:``, the terminator
``~`` and no newlines (pyx12 and clearinghouses read one long line; nothing is
gained by a newline after ``~``). One GS; one ST per at most 5000 claims and per
BHT06 transaction type; one 2000A per distinct billing provider (with its pay-to
address) inside an ST, or one ST per billing provider for partners that take no
more (``one_billing_provider_per_transaction``); one 2000B per claim, with a 2000C
when the encounter has a patient. Control numbers are derived from the header, so
the same encounters and header always give byte-identical output.

Only what the encounter holds is sent: empty values stay empty and nothing is
made up. A value that contains a delimiter or a control character cannot be
sent without corrupting the file, so it raises ``X12WriteError`` naming the
field instead of being altered. A provider field that its loop does not carry in
the TR3 (for example an address on a referring provider, 2310A) is not sent; the
reader never fills such fields. A value the writer can send but pyx12 would
refuse (a three-character modifier, an amount of 19 digits) is not refused while
writing: ``write_problems`` finds it when the claim is built, against the limits
of its element (``_elements``), and the claim is held before it can be exported.

One set of builders serves two callers. ``claim_segments`` (the console's view of
one claim) keeps, for every element, the model path it came from.
``iter_interchange`` (export) builds the same segments without paths and keeps
only their text, a transaction set at a time, so a batch of any size is written
in flat memory; ``write_interchange`` joins its pieces. A 2000A groups the claims
whose billing provider segments are identical.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import BaseModel

from claimtui.model.encounter import (
    Address,
    Adjustment,
    Attachment,
    Contact,
    Encounter,
    LineAdjudication,
    Note,
    OtherCoverage,
    Party,
    Patient,
    Provider,
    Receiver,
    Reference,
    ServiceLine,
    Submitter,
    Subscriber,
)
from claimtui.x12 import _elements, _loops
from claimtui.x12._values import format_d8, format_decimal
from claimtui.x12.tokenizer import DEFAULT_DELIMITERS, Delimiters

VERSION = "005010X222A1"
MAX_CLAIMS_PER_TRANSACTION = 5000
# How many of each repeated value its segment holds; more cannot be written.
# ``plainly_sendable`` checks the same limits without building segments, so a
# new refusal in the builders belongs there too.
_MAX_RELATED_CAUSES = 3  # CLM11-1..3
_MAX_DIAGNOSES = 12  # HI01..12
_MAX_LINES = 50  # 2400 loops
_MAX_POINTERS = 4  # SV107-1..4
_MAX_MODIFIERS = 4  # SV101-3..6, SVD03-3..6
_FORBIDDEN = frozenset("*:^~\r\n\t\x00")
# The X12 basic and extended character sets are printable ASCII; anything else
# (accented letters, control characters) is refused rather than transliterated.
_ALLOWED = frozenset(chr(code) for code in range(0x20, 0x7F))
# One search for what _check refuses: outside printable ASCII, or * : ^ ~.
_UNSENDABLE = re.compile(r"[^\x20-\x29\x2b-\x39\x3b-\x5d\x5f-\x7d]")
_SEPARATOR = DEFAULT_DELIMITERS.element
_TERMINATOR = DEFAULT_DELIMITERS.segment
_TRACED: ContextVar[bool] = ContextVar("claimtui_x12_traced", default=True)


class X12WriteError(ValueError):
    """Encounters or a header that cannot be written as valid X12.

    The message names the model path or header field, never the value.
    """

    def __init__(
        self, message: str, claim_index: int | None = None, path: str = ""
    ) -> None:
        super().__init__(message)
        self.claim_index = claim_index
        """1-based place in the batch of the claim that cannot be written."""
        self.path = path
        """Model path (or header field) of the value refused; empty when the
        refusal is not about one value."""


@dataclass
class InterchangeHeader:
    """Who sends the interchange to whom, and its control numbers."""

    sender_id: str
    """ISA06: the submitter's interchange id (at most 15 characters)."""
    receiver_id: str
    """ISA08: the receiver's interchange id (at most 15 characters)."""
    interchange_control_number: int
    """ISA13 / IEA02, 1 to 999999999."""
    group_control_number: int
    """GS06 / GE02, 1 to 999999999; ST02 numbers are derived from it."""
    created: dt.datetime
    """ISA09/10 and GS04/05 date and time."""
    submitter: Submitter
    """1000A submitter name, id and EDI contact."""
    receiver: Receiver
    """1000B receiver name and id."""
    sender_qualifier: str = "ZZ"
    """ISA05 id qualifier."""
    receiver_qualifier: str = "ZZ"
    """ISA07 id qualifier."""
    usage_indicator: str = "P"
    """ISA15: T for test, P for production."""
    application_sender_code: str = ""
    """GS02; the sender id when empty."""
    application_receiver_code: str = ""
    """GS03; the receiver id when empty."""


@dataclass
class OutSegment:
    """One segment to be sent, with where each element came from."""

    id: str
    """Segment id, e.g. SV1."""
    elements: list[str]
    """Elements 01, 02, ... as sent (composites joined with ':')."""
    loop: str
    """TR3 loop, e.g. 2400."""
    sources: list[str]
    """Model path each element came from; '' for constants and derived values.
    For a composite, the path of its first component that has one."""
    components: list[list[str]] = field(default_factory=list)
    """Per element: its component values when it is a composite, else []."""
    component_sources: list[list[str]] = field(default_factory=list)
    """Per element: the model path of each component of a composite, else []."""


Part = tuple[str, str]
Element = Part | list[Part]
_EMPTY: Part = ("", "")


def _check(value: str, path: str) -> str:
    if not _ALLOWED.issuperset(value):
        where = path or "a constant"
        raise X12WriteError(
            f"{where} contains a character outside the X12 character set (letters "
            "A-Z and a-z without accents, digits, spaces and common punctuation); "
            "edit the value",
            path=path,
        )
    if not _FORBIDDEN.isdisjoint(value):
        where = path or "a constant"
        raise X12WriteError(
            f"{where} contains a delimiter or control character (* : ^ ~ or a line "
            "break), which cannot be sent in X12; edit the value",
            path=path,
        )
    return value


def _segment(segment_id: str, loop: str, *parts: Element) -> OutSegment:
    """Build a segment from (value, path) parts; a list of parts is a composite.

    Outside ``claim_segments`` (see ``_plain``) only the elements are kept.
    """
    if not _TRACED.get():
        return _plain_segment(segment_id, loop, parts)
    elements: list[str] = []
    sources: list[str] = []
    components: list[list[str]] = []
    component_sources: list[list[str]] = []
    for part in parts:
        if isinstance(part, list):
            values = [_check(value, path) for value, path in part]
            paths = [path for _, path in part]
            while values and not values[-1]:
                values.pop()
                paths.pop()
            elements.append(":".join(values))
            sources.append(next((path for path in paths if path), ""))
            components.append(values)
            component_sources.append(paths)
        else:
            elements.append(_check(part[0], part[1]))
            sources.append(part[1])
            components.append([])
            component_sources.append([])
    while elements and not elements[-1]:
        for column in (elements, sources, components, component_sources):
            column.pop()
    return OutSegment(
        segment_id, elements, loop, sources, components, component_sources
    )


def _plain_segment(
    segment_id: str, loop: str, parts: tuple[Element, ...]
) -> OutSegment:
    """The segment's elements alone, composites joined with the default ':'.

    All values are checked in one pass; only a segment that fails is built again
    with its paths, so that the refusal names the field.
    """
    elements: list[str] = []
    values: list[str] = []
    for part in parts:
        if isinstance(part, list):
            components = [value for value, _ in part]
            values.extend(components)
            while components and not components[-1]:
                components.pop()
            elements.append(":".join(components))
        else:
            values.append(part[0])
            elements.append(part[0])
    if _UNSENDABLE.search("".join(values)):
        with _traced():
            _segment(segment_id, loop, *parts)
    while elements and not elements[-1]:
        elements.pop()
    return OutSegment(segment_id, elements, loop, [])


@contextmanager
def _traced(traced: bool = True) -> Iterator[None]:
    """Build segments with (or, given False, without) their model paths."""
    token = _TRACED.set(traced)
    try:
        yield
    finally:
        _TRACED.reset(token)


def _text_of(segments: list[OutSegment]) -> str:
    """Segments as text with the default delimiters, each with its terminator."""
    return "".join(
        _SEPARATOR.join([segment.id, *segment.elements]) + _TERMINATOR
        for segment in segments
    )


def render_segment(
    segment: OutSegment, delimiters: Delimiters = DEFAULT_DELIMITERS
) -> str:
    """The segment as text, without its terminator.

    Raises:
        X12WriteError: a value contains one of ``delimiters``.
    """
    special = {delimiters.element, delimiters.component, delimiters.segment}
    special.discard("")
    if delimiters.repetition:
        special.add(delimiters.repetition)
    texts = [segment.id]
    for index, value in enumerate(segment.elements):
        parts = segment.components[index] if index < len(segment.components) else []
        pieces = parts if parts else [value]
        for piece in pieces:
            if not special.isdisjoint(piece):
                raise X12WriteError(
                    f"{segment.id}{index + 1:02d} contains a delimiter character"
                )
        texts.append(delimiters.component.join(pieces) if parts else value)
    return delimiters.element.join(texts)


def _text(value: str, path: str) -> Part:
    return (value, path)


def _number(value: Decimal | int | None, path: str) -> Part:
    if value is None:
        return _EMPTY
    if isinstance(value, int):
        return (str(value), path)
    return (format_decimal(value), path)


def _date(value: dt.date | None, path: str) -> Part:
    return _EMPTY if value is None else (format_d8(value), path)


def _const(value: str) -> Part:
    return (value, "")


def _when(condition: bool, value: str) -> Part:
    return (value, "") if condition else _EMPTY


def _flag(value: bool, path: str, yes: str = "Y", no: str = "") -> Part:
    return (yes if value else no, path)


# -- shared pieces -------------------------------------------------------------


def _address(address: Address | None, path: str, loop: str) -> list[OutSegment]:
    if address is None:
        return []
    p = f"{path}."
    segments = []
    if address.line1 or address.line2:
        segments.append(
            _segment(
                "N3",
                loop,
                _text(address.line1, p + "line1"),
                _text(address.line2, p + "line2"),
            )
        )
    if address.city or address.state or address.postal_code or address.country:
        segments.append(
            _segment(
                "N4",
                loop,
                _text(address.city, p + "city"),
                _text(address.state, p + "state"),
                _text(address.postal_code, p + "postal_code"),
                _text(address.country, p + "country"),
                _EMPTY,
                _EMPTY,
                _text(address.country_subdivision, p + "country_subdivision"),
            )
        )
    return segments


_PHONES = (
    ("phone", "TE"),
    ("phone_extension", "EX"),
    ("fax", "FX"),
    ("email", "EM"),
)


def _contact(contact: Contact | None, path: str, loop: str) -> list[OutSegment]:
    """PER*IC; a second PER carries what does not fit in three numbers."""
    if contact is None:
        return []
    numbers: list[Element] = []
    for name, qualifier in _PHONES:
        value = getattr(contact, name)
        if value:
            numbers.extend([_const(qualifier), _text(value, f"{path}.{name}")])
    if not contact.name and not numbers:
        return []
    person = _text(contact.name, f"{path}.name")
    segments = [_segment("PER", loop, _const("IC"), person, *numbers[:6])]
    if len(numbers) > 6:
        segments.append(_segment("PER", loop, _const("IC"), person, *numbers[6:]))
    return segments


def _name(
    qualifier: str,
    party: Party,
    path: str,
    loop: str,
    id_qualifier: Part = _EMPTY,
    identifier: Part = _EMPTY,
) -> OutSegment:
    return _segment(
        "NM1",
        loop,
        _const(qualifier),
        _text(party.entity_type.value, f"{path}.entity_type"),
        _text(party.last_name, f"{path}.last_name"),
        _text(party.first_name, f"{path}.first_name"),
        _text(party.middle_name, f"{path}.middle_name"),
        _EMPTY,
        _text(party.suffix, f"{path}.suffix"),
        id_qualifier,
        identifier,
    )


def _provider_name(
    qualifier: str, provider: Provider, path: str, loop: str
) -> OutSegment:
    npi = provider.npi
    return _name(
        qualifier,
        provider,
        path,
        loop,
        _when(bool(npi), "XX"),
        _text(npi, f"{path}.npi"),
    )


def _references(
    references: Sequence[tuple[str, str, str]], loop: str
) -> list[OutSegment]:
    """REF segments from (qualifier, value, path) triples."""
    return [
        _segment("REF", loop, _qualifier(qualifier, path), _text(value, path))
        for qualifier, value, path in references
    ]


def _qualifier(qualifier: str, path: str) -> Part:
    """REF01 of a named field is a constant; of a list item, its own path."""
    if path.endswith(".value"):
        return (qualifier, path[: -len(".value")] + ".qualifier")
    return (qualifier, "")


def _secondary(ids: Sequence[Reference], path: str) -> list[tuple[str, str, str]]:
    return [
        (reference.qualifier, reference.value, f"{path}[{index}].value")
        for index, reference in enumerate(ids)
    ]


def _dtp(
    qualifier: str, start: dt.date, end: dt.date | None, path: str, loop: str
) -> OutSegment:
    # A date of a list (other_dates[0]) carries its own qualifier; a named
    # date's qualifier is the writer's constant.
    code = (qualifier, f"{path}.qualifier") if path.endswith("]") else _const(qualifier)
    if end is None:
        return _segment("DTP", loop, code, _const("D8"), _date(start, path))
    value = f"{format_d8(start)}-{format_d8(end)}"
    return _segment("DTP", loop, code, _const("RD8"), (value, path))


def _adjustments(
    adjustments: Sequence[Adjustment], path: str, loop: str
) -> list[OutSegment]:
    """CAS: consecutive adjustments of one group share a segment, six at most."""
    segments: list[OutSegment] = []
    index = 0
    while index < len(adjustments):
        group = adjustments[index].group_code
        parts: list[Element] = [(group, f"{path}[{index}].group_code")]
        count = 0
        while (
            index < len(adjustments)
            and adjustments[index].group_code == group
            and count < 6
        ):
            item, at = adjustments[index], f"{path}[{index}]"
            parts.append(_text(item.reason_code, f"{at}.reason_code"))
            parts.append(_number(item.amount, f"{at}.amount"))
            parts.append(_number(item.quantity, f"{at}.quantity"))
            index += 1
            count += 1
        segments.append(_segment("CAS", loop, *parts))
    return segments


def _procedure(
    qualifier: str, code: str, modifiers: list[str], description: str, path: str
) -> list[Part]:
    parts = [
        (qualifier, f"{path}.procedure_qualifier"),
        (code, f"{path}.procedure_code"),
    ]
    mods = [
        (value, f"{path}.modifiers[{index}]") for index, value in enumerate(modifiers)
    ]
    if len(mods) > _MAX_MODIFIERS:
        raise X12WriteError(
            f"{path}.modifiers has more than four modifiers", path=f"{path}.modifiers"
        )
    if description:
        mods.extend([_EMPTY] * (_MAX_MODIFIERS - len(mods)))
    return [*parts, *mods, (description, f"{path}.description")]


# -- 2000A / 2000B / 2000C -------------------------------------------------------


def _hl(number: int, parent: int | None, level: str, children: bool) -> str:
    """An HL segment as text (HL01-04), e.g. ``HL*2*1*22*0``."""
    parent_number = "" if parent is None else str(parent)
    child_code = "1" if children else "0"
    return _SEPARATOR.join(["HL", str(number), parent_number, level, child_code])


def _hl_segment(
    loop: str, number: int, parent: int | None, level: str, children: bool
) -> OutSegment:
    elements = _hl(number, parent, level, children).split(_SEPARATOR)[1:]
    empty: list[list[str]] = [[] for _ in elements]
    return OutSegment("HL", elements, loop, [""] * 4, empty, [[] for _ in elements])


def _billing(encounter: Encounter) -> list[OutSegment]:
    """2000A after its HL: the billing provider (2010AA) and pay-to (2010AB)."""
    provider, path = encounter.billing_provider, "billing_provider"
    segments: list[OutSegment] = []
    if provider.taxonomy:
        segments.append(
            _segment(
                "PRV",
                "2000A",
                _const("BI"),
                _const("PXC"),
                _text(provider.taxonomy, f"{path}.taxonomy"),
            )
        )
    segments.append(_provider_name("85", provider, path, "2010AA"))
    segments.extend(_address(provider.address, f"{path}.address", "2010AA"))
    if provider.tax_id or provider.tax_id_qualifier:
        segments.append(
            _segment(
                "REF",
                "2010AA",
                _text(provider.tax_id_qualifier, f"{path}.tax_id_qualifier"),
                _text(provider.tax_id, f"{path}.tax_id"),
            )
        )
    references = _secondary(provider.secondary_ids, f"{path}.secondary_ids")
    segments.extend(_references(references, "2010AA"))
    segments.extend(_contact(provider.contact, f"{path}.contact", "2010AA"))
    if encounter.pay_to_address is not None:
        segments.append(_segment("NM1", "2010AB", _const("87"), _const("2")))
        segments.extend(_address(encounter.pay_to_address, "pay_to_address", "2010AB"))
    return segments


def _sbr(coverage: Subscriber | OtherCoverage, path: str, loop: str) -> OutSegment:
    """SBR of the subscriber (2000B) or of another coverage (2320): same elements."""
    p = f"{path}."
    return _segment(
        "SBR",
        loop,
        _text(coverage.payer_responsibility, p + "payer_responsibility"),
        _text(coverage.relationship, p + "relationship"),
        _text(coverage.group_number, p + "group_number"),
        _text(coverage.group_name, p + "group_name"),
        _text(coverage.insurance_type, p + "insurance_type"),
        _EMPTY,
        _EMPTY,
        _EMPTY,
        _text(coverage.claim_filing_code, p + "claim_filing_code"),
    )


def _subscriber(encounter: Encounter) -> list[OutSegment]:
    """2000B after its HL: SBR, PAT, the subscriber (2010BA) and payer (2010BB)."""
    subscriber, path = encounter.subscriber, "subscriber"
    p = f"{path}."
    segments = [_sbr(subscriber, path, "2000B")]
    pat = _pat_details(
        subscriber.death_date, subscriber.weight_pounds, subscriber.pregnant, path
    )
    if pat:
        segments.append(_segment("PAT", "2000B", _EMPTY, *pat))
    segments.append(
        _name(
            "IL",
            subscriber,
            path,
            "2010BA",
            _text(subscriber.id_qualifier, p + "id_qualifier"),
            _text(subscriber.member_id, p + "member_id"),
        )
    )
    segments.extend(_person_details(subscriber, path, "2010BA"))
    segments.extend(_payer(encounter))
    return segments


def _pat_details(
    death: dt.date | None, weight: Decimal | None, pregnant: bool, path: str
) -> list[Part]:
    if death is None and weight is None and not pregnant:
        return []
    return [
        _EMPTY,
        _EMPTY,
        _EMPTY,
        _when(death is not None, "D8"),
        _date(death, f"{path}.death_date"),
        _when(weight is not None, "01"),
        _number(weight, f"{path}.weight_pounds"),
        _flag(pregnant, f"{path}.pregnant"),
    ]


def _person_details(
    person: Subscriber | Patient, path: str, loop: str
) -> list[OutSegment]:
    segments = _address(person.address, f"{path}.address", loop)
    if person.birth_date is not None or person.gender:
        segments.append(
            _segment(
                "DMG",
                loop,
                _when(person.birth_date is not None, "D8"),
                _date(person.birth_date, f"{path}.birth_date"),
                _text(person.gender, f"{path}.gender"),
            )
        )
    references = []
    if person.ssn:
        references.append(("SY", person.ssn, f"{path}.ssn"))
    if person.property_casualty_claim_number:
        references.append(
            (
                "Y4",
                person.property_casualty_claim_number,
                f"{path}.property_casualty_claim_number",
            )
        )
    if loop == "2010CA":
        references.reverse()
    segments.extend(_references(references, loop))
    segments.extend(_contact(person.contact, f"{path}.contact", loop))
    return segments


def _payer(encounter: Encounter) -> list[OutSegment]:
    payer, p = encounter.payer, "payer."
    segments = [
        _segment(
            "NM1",
            "2010BB",
            _const("PR"),
            _const("2"),
            _text(payer.name, p + "name"),
            _EMPTY,
            _EMPTY,
            _EMPTY,
            _EMPTY,
            _text(payer.id_qualifier, p + "id_qualifier"),
            _text(payer.payer_id, p + "payer_id"),
        )
    ]
    segments.extend(_address(payer.address, "payer.address", "2010BB"))
    segments.extend(
        _references(_secondary(payer.secondary_ids, "payer.secondary_ids"), "2010BB")
    )
    return segments


def _patient(encounter: Encounter) -> list[OutSegment]:
    """2000C after its HL: PAT and the patient (2010CA)."""
    patient, path = encounter.patient, "patient"
    assert patient is not None
    details = _pat_details(
        patient.death_date, patient.weight_pounds, patient.pregnant, path
    )
    segments = [
        _segment(
            "PAT",
            "2000C",
            _text(patient.relationship, f"{path}.relationship"),
            *details,
        ),
        _name("QC", patient, path, "2010CA"),
    ]
    segments.extend(_person_details(patient, path, "2010CA"))
    return segments


# -- 2300 ------------------------------------------------------------------------


def _claim(encounter: Encounter) -> list[OutSegment]:
    claim, c = encounter.claim, "claim."
    causes = [
        (cause, f"{c}related_causes[{index}]")
        for index, cause in enumerate(claim.related_causes)
    ]
    if len(causes) > _MAX_RELATED_CAUSES:
        raise X12WriteError(
            "claim.related_causes has more than three causes",
            path="claim.related_causes",
        )
    if claim.accident_state or claim.accident_country:
        causes.extend([_EMPTY] * (_MAX_RELATED_CAUSES - len(causes)))
    causes.append(_text(claim.accident_state, c + "accident_state"))
    causes.append(_text(claim.accident_country, c + "accident_country"))
    segments = [
        _segment(
            "CLM",
            "2300",
            _text(claim.patient_control_number, c + "patient_control_number"),
            _number(claim.total_charge, c + "total_charge"),
            _EMPTY,
            _EMPTY,
            [
                _text(claim.place_of_service, c + "place_of_service"),
                _const("B"),
                _text(claim.frequency_code, c + "frequency_code"),
            ],
            _flag(claim.provider_signature, c + "provider_signature", "Y", "N"),
            _text(claim.assignment_participation, c + "assignment_participation"),
            _text(claim.benefits_assignment, c + "benefits_assignment"),
            _text(claim.release_of_information, c + "release_of_information"),
            _text(claim.patient_signature_source, c + "patient_signature_source"),
            causes,
            _text(claim.special_program, c + "special_program"),
            *([_EMPTY] * 7),
            _text(claim.delay_reason, c + "delay_reason"),
        )
    ]
    segments.extend(_claim_dates(encounter))
    for index, attachment in enumerate(claim.attachments):
        segments.append(_pwk(attachment, f"{c}attachments[{index}]", "2300"))
    if claim.patient_amount_paid is not None:
        segments.append(
            _segment(
                "AMT",
                "2300",
                _const("F5"),
                _number(claim.patient_amount_paid, c + "patient_amount_paid"),
            )
        )
    segments.extend(_claim_references(encounter))
    segments.extend(_notes(claim.notes, c + "notes", "2300"))
    segments.extend(_ambulance(encounter))
    segments.extend(_conditions(encounter))
    segments.extend(_diagnoses(encounter))
    return segments


def _claim_dates(encounter: Encounter) -> list[OutSegment]:
    claim = encounter.claim
    dates: list[tuple[str, dt.date, dt.date | None, str]] = []
    for qualifier, name in _loops.CLAIM_DATES.items():
        value = getattr(claim, name)
        if value is not None:
            dates.append((qualifier, value, None, f"claim.{name}"))
    for index, other in enumerate(claim.other_dates):
        path = f"claim.other_dates[{index}]"
        dates.append((other.qualifier, other.start, other.end, path))
    dates.sort(key=lambda item: _loops.rank(_loops.CLAIM_DATE_ORDER, item[0]))
    return [_dtp(q, start, end, path, "2300") for q, start, end, path in dates]


def _pwk(attachment: Attachment, path: str, loop: str) -> OutSegment:
    control = attachment.control_number
    return _segment(
        "PWK",
        loop,
        _text(attachment.report_type, f"{path}.report_type"),
        _text(attachment.transmission_code, f"{path}.transmission_code"),
        _EMPTY,
        _EMPTY,
        _when(bool(control), "AC"),
        _text(control, f"{path}.control_number"),
    )


def _claim_references(encounter: Encounter) -> list[OutSegment]:
    claim = encounter.claim
    found = [
        (qualifier, getattr(claim, name), f"claim.{name}")
        for qualifier, name in _loops.CLAIM_REFERENCES.items()
        if getattr(claim, name)
    ]
    found.extend(_secondary(claim.other_references, "claim.other_references"))
    found.sort(key=lambda item: _loops.rank(_loops.CLAIM_REFERENCE_ORDER, item[0]))
    return _references(found, "2300")


def _notes(notes: Sequence[Note], path: str, loop: str) -> list[OutSegment]:
    return [
        _segment(
            "NTE",
            loop,
            _text(note.code, f"{path}[{index}].code"),
            _text(note.text, f"{path}[{index}].text"),
        )
        for index, note in enumerate(notes)
    ]


def _ambulance(encounter: Encounter) -> list[OutSegment]:
    ambulance, a = encounter.claim.ambulance, "claim.ambulance."
    if ambulance is None:
        return []
    return [
        _segment(
            "CR1",
            "2300",
            _when(ambulance.weight_pounds is not None, "LB"),
            _number(ambulance.weight_pounds, a + "weight_pounds"),
            _EMPTY,
            _text(ambulance.reason_code, a + "reason_code"),
            _when(ambulance.distance_miles is not None, "DH"),
            _number(ambulance.distance_miles, a + "distance_miles"),
            _EMPTY,
            _EMPTY,
            _text(ambulance.round_trip_purpose, a + "round_trip_purpose"),
            _text(ambulance.stretcher_purpose, a + "stretcher_purpose"),
        )
    ]


def _conditions(encounter: Encounter) -> list[OutSegment]:
    indexed = list(enumerate(encounter.claim.condition_indicators))
    indexed.sort(key=lambda item: _loops.rank(_loops.CONDITION_ORDER, item[1].category))
    segments = []
    for index, indicator in indexed:
        path = f"claim.condition_indicators[{index}]"
        codes = [
            _text(code, f"{path}.codes[{position}]")
            for position, code in enumerate(indicator.codes)
        ]
        segments.append(
            _segment(
                "CRC",
                "2300",
                _text(indicator.category, f"{path}.category"),
                _flag(indicator.applies, f"{path}.applies", "Y", "N"),
                *codes,
            )
        )
    return segments


def _diagnoses(encounter: Encounter) -> list[OutSegment]:
    diagnoses = encounter.claim.diagnoses
    if not diagnoses:
        return []
    if len(diagnoses) > _MAX_DIAGNOSES:
        raise X12WriteError(
            "claim.diagnoses has more than 12 codes; HI holds 12",
            path="claim.diagnoses",
        )
    composites: list[Element] = [
        [
            _text(diagnosis.qualifier, f"claim.diagnoses[{index}].qualifier"),
            _text(diagnosis.code, f"claim.diagnoses[{index}].code"),
        ]
        for index, diagnosis in enumerate(diagnoses)
    ]
    return [_segment("HI", "2300", *composites)]


# -- 2310 ------------------------------------------------------------------------


def _provider_loop(
    qualifier: str, loop: str, provider: Provider | None, path: str
) -> list[OutSegment]:
    """A 2310/2420 provider loop with the segments that loop carries."""
    if provider is None:
        return []
    segments = [_provider_name(qualifier, provider, path, loop)]
    carried = _loops.PROVIDER_SEGMENTS[loop]
    if "PRV" in carried and provider.taxonomy:
        segments.append(
            _segment(
                "PRV",
                loop,
                _const("PE"),
                _const("PXC"),
                _text(provider.taxonomy, f"{path}.taxonomy"),
            )
        )
    if "N3" in carried:
        segments.extend(_address(provider.address, f"{path}.address", loop))
    if "REF" in carried:
        references = _secondary(provider.secondary_ids, f"{path}.secondary_ids")
        segments.extend(_references(references, loop))
    if "PER" in carried:
        segments.extend(_contact(provider.contact, f"{path}.contact", loop))
    return segments


def _claim_providers(encounter: Encounter) -> list[OutSegment]:
    segments: list[OutSegment] = []
    for qualifier, (loop, name) in _loops.CLAIM_PROVIDERS.items():
        if loop == "2310F" and encounter.ambulance_pickup is not None:
            segments.append(_segment("NM1", "2310E", _const("PW"), _const("2")))
            segments.extend(
                _address(encounter.ambulance_pickup, "ambulance_pickup", "2310E")
            )
        segments.extend(_provider_loop(qualifier, loop, getattr(encounter, name), name))
    return segments


# -- 2320 / 2330 -----------------------------------------------------------------


def _coverages(encounter: Encounter) -> list[OutSegment]:
    segments: list[OutSegment] = []
    for index, coverage in enumerate(encounter.other_coverages):
        segments.extend(_coverage(coverage, f"other_coverages[{index}]"))
    return segments


def _coverage(coverage: OtherCoverage, path: str) -> list[OutSegment]:
    p = f"{path}."
    segments = [_sbr(coverage, path, "2320")]
    segments.extend(_adjustments(coverage.adjustments, p + "adjustments", "2320"))
    for qualifier, name in (
        ("D", "payer_paid_amount"),
        ("A8", "non_covered_amount"),
        ("EAF", "remaining_patient_liability"),
    ):
        value = getattr(coverage, name)
        if value is not None:
            segments.append(
                _segment("AMT", "2320", _const(qualifier), _number(value, p + name))
            )
    segments.append(
        _segment(
            "OI",
            "2320",
            _EMPTY,
            _EMPTY,
            _text(coverage.benefits_assignment, p + "benefits_assignment"),
            _text(coverage.patient_signature_source, p + "patient_signature_source"),
            _EMPTY,
            _text(coverage.release_of_information, p + "release_of_information"),
        )
    )
    subscriber, s = coverage.subscriber, p + "subscriber"
    segments.append(
        _name(
            "IL",
            subscriber,
            s,
            "2330A",
            _text(subscriber.id_qualifier, s + ".id_qualifier"),
            _text(subscriber.member_id, s + ".member_id"),
        )
    )
    segments.extend(_address(subscriber.address, s + ".address", "2330A"))
    payer, o = coverage.payer, p + "payer."
    segments.append(
        _segment(
            "NM1",
            "2330B",
            _const("PR"),
            _const("2"),
            _text(payer.name, o + "name"),
            _EMPTY,
            _EMPTY,
            _EMPTY,
            _EMPTY,
            _text(payer.id_qualifier, o + "id_qualifier"),
            _text(payer.payer_id, o + "payer_id"),
        )
    )
    segments.extend(_address(payer.address, o + "address", "2330B"))
    if payer.adjudication_date is not None:
        segments.append(
            _dtp("573", payer.adjudication_date, None, o + "adjudication_date", "2330B")
        )
    references = _secondary(payer.secondary_ids, o + "secondary_ids")
    segments.extend(_references(references, "2330B"))
    return segments


# -- 2400 ------------------------------------------------------------------------


def _lines(encounter: Encounter) -> list[OutSegment]:
    segments: list[OutSegment] = []
    if len(encounter.service_lines) > _MAX_LINES:
        raise X12WriteError(
            "service_lines has more than 50 lines", path="service_lines"
        )
    for index, line in enumerate(encounter.service_lines):
        segments.extend(_line(line, index))
    return segments


def _line(line: ServiceLine, index: int) -> list[OutSegment]:
    path = f"service_lines[{index}]"
    p = f"{path}."
    pointers = [
        _number(pointer, f"{p}diagnosis_pointers[{position}]")
        for position, pointer in enumerate(line.diagnosis_pointers)
    ]
    if len(pointers) > _MAX_POINTERS:
        raise X12WriteError(
            f"{p}diagnosis_pointers has more than four pointers",
            path=f"{p}diagnosis_pointers",
        )
    procedure = _procedure(
        line.procedure_qualifier,
        line.procedure_code,
        line.modifiers,
        line.description,
        path,
    )
    segments = [
        _segment("LX", "2400", _const(str(index + 1))),
        _segment(
            "SV1",
            "2400",
            procedure,
            _number(line.charge, p + "charge"),
            _text(line.unit_basis, p + "unit_basis"),
            _number(line.units, p + "units"),
            _text(line.place_of_service, p + "place_of_service"),
            _EMPTY,
            pointers,
            _EMPTY,
            _flag(line.emergency, p + "emergency"),
            _EMPTY,
            _flag(line.epsdt, p + "epsdt"),
            _flag(line.family_planning, p + "family_planning"),
            _EMPTY,
            _EMPTY,
            _flag(line.copay_exempt, p + "copay_exempt", "0"),
        ),
    ]
    for position, attachment in enumerate(line.attachments):
        segments.append(_pwk(attachment, f"{p}attachments[{position}]", "2400"))
    segments.extend(_line_dates(line, path))
    if line.ambulance_patient_count is not None:
        count = _number(line.ambulance_patient_count, p + "ambulance_patient_count")
        segments.append(_segment("QTY", "2400", _const("PT"), count))
    found = [
        (qualifier, getattr(line, name), f"{p}{name}")
        for qualifier, name in _loops.LINE_REFERENCES.items()
        if getattr(line, name)
    ]
    found.extend(_secondary(line.other_references, p + "other_references"))
    found.sort(key=lambda item: _loops.rank(_loops.LINE_REFERENCE_ORDER, item[0]))
    segments.extend(_references(found, "2400"))
    segments.extend(_notes(line.notes, p + "notes", "2400"))
    segments.extend(_drug(line, path))
    for qualifier, (loop, name) in _loops.LINE_PROVIDERS.items():
        provider = getattr(line, name)
        segments.extend(_provider_loop(qualifier, loop, provider, p + name))
    for position, adjudication in enumerate(line.adjudications):
        segments.extend(_adjudication(adjudication, f"{p}adjudications[{position}]"))
    return segments


def _line_dates(line: ServiceLine, path: str) -> list[OutSegment]:
    dates: list[tuple[str, dt.date, dt.date | None, str]] = []
    if line.service_date is not None:
        end = line.service_date_end
        source = f"{path}.service_date" if end is None else f"{path}.service_date_end"
        dates.append(("472", line.service_date, end, source))
    for index, other in enumerate(line.other_dates):
        source = f"{path}.other_dates[{index}]"
        dates.append((other.qualifier, other.start, other.end, source))
    dates.sort(key=lambda item: _loops.rank(_loops.LINE_DATE_ORDER, item[0]))
    return [_dtp(q, start, end, source, "2400") for q, start, end, source in dates]


def _drug(line: ServiceLine, path: str) -> list[OutSegment]:
    drug, d = line.drug, f"{path}.drug."
    if drug is None:
        return []
    segments = [
        _segment("LIN", "2410", _EMPTY, _const("N4"), _text(drug.ndc, d + "ndc")),
        _segment(
            "CTP",
            "2410",
            _EMPTY,
            _EMPTY,
            _EMPTY,
            _number(drug.quantity, d + "quantity"),
            [_text(drug.unit, d + "unit")],
        ),
    ]
    if drug.prescription_number:
        segments.append(
            _segment(
                "REF",
                "2410",
                _text(
                    drug.prescription_number_qualifier,
                    d + "prescription_number_qualifier",
                ),
                _text(drug.prescription_number, d + "prescription_number"),
            )
        )
    return segments


def _adjudication(adjudication: LineAdjudication, path: str) -> list[OutSegment]:
    p = f"{path}."
    procedure = _procedure(
        adjudication.procedure_qualifier,
        adjudication.procedure_code,
        adjudication.modifiers,
        adjudication.description,
        path,
    )
    segments = [
        _segment(
            "SVD",
            "2430",
            _text(adjudication.payer_id, p + "payer_id"),
            _number(adjudication.paid_amount, p + "paid_amount"),
            procedure,
            _EMPTY,
            _number(adjudication.paid_units, p + "paid_units"),
            _number(adjudication.bundled_line_number, p + "bundled_line_number"),
        )
    ]
    segments.extend(_adjustments(adjudication.adjustments, p + "adjustments", "2430"))
    if adjudication.adjudication_date is not None:
        segments.append(
            _dtp(
                "573",
                adjudication.adjudication_date,
                None,
                p + "adjudication_date",
                "2430",
            )
        )
    if adjudication.remaining_patient_liability is not None:
        liability = _number(
            adjudication.remaining_patient_liability, p + "remaining_patient_liability"
        )
        segments.append(_segment("AMT", "2430", _const("EAF"), liability))
    return segments


# -- public ----------------------------------------------------------------------


def _claim_body(encounter: Encounter) -> list[OutSegment]:
    """2300 down to the last 2400."""
    return [
        *_claim(encounter),
        *_claim_providers(encounter),
        *_coverages(encounter),
        *_lines(encounter),
    ]


def claim_segments(encounter: Encounter) -> list[OutSegment]:
    """The segments of one claim, 2000A (billing provider) down to its last 2400.

    HL numbers start at 1 as if the claim were alone in its transaction. Every
    element names the model path it came from (see ``OutSegment``).

    Raises:
        X12WriteError: a value cannot be sent (see the module docstring).
    """
    has_patient = encounter.patient is not None
    with _traced():
        segments = [_hl_segment("2000A", 1, None, "20", True), *_billing(encounter)]
        segments.append(_hl_segment("2000B", 2, 1, "22", has_patient))
        segments.extend(_subscriber(encounter))
        if encounter.patient is not None:
            segments.append(_hl_segment("2000C", 3, 2, "23", False))
            segments.extend(_patient(encounter))
        segments.extend(_claim_body(encounter))
    return segments


@dataclass(frozen=True)
class WriteProblem:
    """A value of a claim that cannot be sent as it is."""

    message: str
    """What is wrong and what to do, naming the field (never quoting a name,
    an id or an amount)."""
    path: str = ""
    """Model path of the value (or of a list with too many items); empty for a
    constant."""
    location: str = ""
    """The element it would go to, e.g. ``2400 SV101-3``; empty when unknown."""


def write_problems(encounter: Encounter) -> list[WriteProblem]:
    """Every value of the claim that cannot be sent as X12, or [] when none.

    The check the writer and pyx12 make at export, made when the claim is
    built, so a claim holding such a value is held with a finding instead of
    failing a batch. A value the writer refuses (a character X12 cannot carry,
    more repeats than a segment holds) is the one problem given, naming the
    first field it refuses. Otherwise every value the segments take from the
    claim is checked against its element's limits in the TR3 map pyx12
    validates with (``element_problems``).

    A claim that is plainly sendable (``plainly_sendable``) is not built: that
    is nearly every claim, and building its segments costs far more than the
    look at its values.
    """
    if plainly_sendable(encounter):
        return []
    try:
        segments = claim_segments(encounter)
    except X12WriteError as error:
        return [WriteProblem(str(error), error.path)]
    return element_problems(segments)


def element_problems(segments: Iterable[OutSegment]) -> list[WriteProblem]:
    """The values of ``claim_segments`` their elements cannot carry: too short,
    too long, not a number, a date before 1800, a trailing space (see
    ``_elements.problem``). One problem per value, in segment order."""
    problems = []
    for sent in _elements.sent_values(segments):
        found = _elements.problem(sent)
        if found is not None:
            message = f"{sent.path} ({sent.location}): {found}; correct the value"
            problems.append(WriteProblem(message, sent.path, sent.location))
    return problems


def unsendable(encounter: Encounter) -> str | None:
    """Why the claim cannot be sent as X12 (the first of ``write_problems``),
    or None when it can."""
    problems = write_problems(encounter)
    return problems[0].message if problems else None


_Span = tuple[int, int, bool]
"""A field's ``FieldLimit`` as (min_len, max_len, text), quicker to read."""
_Limits = dict[type[BaseModel], dict[str, _Span]]


@functools.cache
def _field_limits() -> _Limits:
    return {
        model: {
            name: (limit.min_len, limit.max_len, limit.text)
            for name, limit in fields.items()
        }
        for model, fields in _elements.field_limits(claim_segments).items()
    }


def load_element_limits() -> None:
    """Read the TR3 element limits now (about 60 ms) instead of on first use.

    Called before import workers are forked, so they share one copy.
    """
    _field_limits()


_NUMBER_DIGITS = 64
"""A number of a field the writer does not send, of at most this many digits,
between 10**-64 and 10**64, is a short run of digits, '.' and '-'; others are
left to the writer to try."""
_NUMBER_BOUND: int = 10**_NUMBER_DIGITS
_NO_LIMITS: dict[str, _Span] = {}


def plainly_sendable(encounter: Encounter) -> bool:
    """True when ``write_problems`` finds nothing; no segment is built.

    It is proved from the values alone: every text anywhere in the encounter
    (sent or not) has only characters ``_check`` lets through, no repeated
    value has more items than its segment holds, every value of a field the
    writer sends is within the strictest limits of the elements that field
    goes to (``_elements.field_limits``), numbers are short runs of digits and
    dates are from 1800 on. False does not mean the claim cannot be sent, only
    that its segments must be built to know (a refused character in a field
    the claim's loops do not send, a value within one element's limits but
    not another's, an unknown kind of value).
    """
    if not _within_limits(encounter):
        return False
    texts: list[str] = []
    if not _gather_texts(encounter, texts, _field_limits()):
        return False
    return _UNSENDABLE.search("".join(texts)) is None


def _within_limits(encounter: Encounter) -> bool:
    """True when no repeated value has more items than the writer can send."""
    claim = encounter.claim
    if (
        len(claim.related_causes) > _MAX_RELATED_CAUSES
        or len(claim.diagnoses) > _MAX_DIAGNOSES
        or len(encounter.service_lines) > _MAX_LINES
    ):
        return False
    for line in encounter.service_lines:
        if (
            len(line.diagnosis_pointers) > _MAX_POINTERS
            or len(line.modifiers) > _MAX_MODIFIERS
        ):
            return False
        for adjudication in line.adjudications:
            if len(adjudication.modifiers) > _MAX_MODIFIERS:
                return False
    return True


def _gather_texts(model: BaseModel, texts: list[str], limits: _Limits) -> bool:
    """Add every text under ``model`` to ``texts``; False on a value outside its
    field's limits or of a kind not known to be written plainly (the caller
    then builds the segments)."""
    fields = limits.get(type(model), _NO_LIMITS)
    for name, value in model.__dict__.items():
        if isinstance(value, str):  # enums such as EntityType are sent as text
            texts.append(value)
            if value and name in fields:
                low, high, text = fields[name]
                if not (text and low <= len(value) <= high) or value[-1] == " ":
                    return False
        elif value is None or type(value) is bool:  # bools are sent as Y, N, ...
            continue
        elif type(value) is dt.date:
            if value.year < _elements.EARLIEST_YEAR:
                return False
        elif isinstance(value, list):
            span = fields.get(name)
            for item in value:
                if isinstance(item, str):
                    texts.append(item)
                    if span is not None and item and not _text_fits(item, span):
                        return False
                elif not _gather_other(item, texts, limits, span):
                    return False
        elif not _gather_other(value, texts, limits, fields.get(name)):
            return False
    return True


def _text_fits(value: str, span: _Span) -> bool:
    low, high, text = span
    return text and low <= len(value) <= high and value[-1] != " "


def _gather_other(
    value: object,
    texts: list[str],
    limits: _Limits,
    span: _Span | None,
) -> bool:
    if isinstance(value, BaseModel):
        return _gather_texts(value, texts, limits)
    if isinstance(value, int | Decimal) and type(value) in (int, Decimal):
        if span is None:
            return _short_number(value)
        return _number_fits(value, span)
    return False


def _number_fits(value: int | Decimal, span: _Span) -> bool:
    """True when the number is written as at most ``span``'s max_len digits.

    Its plain text (``str``) is never shorter than what the writer sends
    (``format_decimal`` drops trailing zeros), so it is measured instead.
    """
    if isinstance(value, int) and not -_NUMBER_BOUND < value < _NUMBER_BOUND:
        return False
    text = str(value)
    low, high, _ = span
    return low <= 1 and len(text) <= high and text[-1].isdigit() and "E" not in text


def _short_number(value: int | Decimal) -> bool:
    """True when the number's written form is short digits (see _NUMBER_DIGITS)."""
    if isinstance(value, int):
        return -_NUMBER_BOUND < value < _NUMBER_BOUND
    if not value.is_finite() or abs(value.adjusted()) > _NUMBER_DIGITS:
        return False
    return len(value.as_tuple().digits) <= _NUMBER_DIGITS


def write_interchange(
    encounters: Iterable[Encounter],
    header: InterchangeHeader,
    *,
    claims_per_transaction: int = MAX_CLAIMS_PER_TRANSACTION,
    one_billing_provider_per_transaction: bool = False,
) -> str:
    """One ISA/GS interchange holding every encounter, as X12 text.

    The text of ``iter_interchange`` in one string, for small batches and tests.

    Raises:
        X12WriteError: as ``iter_interchange``.
    """
    pieces = iter_interchange(
        encounters,
        header,
        claims_per_transaction=claims_per_transaction,
        one_billing_provider_per_transaction=one_billing_provider_per_transaction,
    )
    return "".join(pieces)


def iter_interchange(
    encounters: Iterable[Encounter],
    header: InterchangeHeader,
    *,
    claims_per_transaction: int = MAX_CLAIMS_PER_TRANSACTION,
    one_billing_provider_per_transaction: bool = False,
) -> Iterator[str]:
    """One ISA/GS interchange holding every encounter, as pieces of X12 text.

    Encounters are taken one at a time and kept only as the text of their
    segments: at most one unfinished transaction set per BHT06 type is held,
    and it is given out when it reaches ``claims_per_transaction`` claims or the
    encounters run out. Joined, the pieces are the whole interchange; nothing
    about the claims is kept besides that text, so memory does not grow with
    the batch.

    With ``one_billing_provider_per_transaction`` each billing provider (each
    distinct 2000A) gets transaction sets of its own, for clearinghouses that
    take one 2000A per ST-SE; one unfinished set per billing provider and
    BHT06 type is held then.

    Raises:
        X12WriteError: no encounters, a header field that does not fit, or a value
            that cannot be sent (``claim_index`` then names the encounter). The
            error comes while iterating: pieces already given out are not a
            valid interchange and must be thrown away.
    """
    if not 1 <= claims_per_transaction <= MAX_CLAIMS_PER_TRANSACTION:
        raise X12WriteError(
            f"claims_per_transaction must be 1 to {MAX_CLAIMS_PER_TRANSACTION}"
        )
    _check_header(header)
    open_sets: dict[tuple[str, str], _OpenTransaction] = {}
    transaction_count = 0
    place = 0
    for place, encounter in enumerate(encounters, start=1):
        if place == 1:
            yield _isa(header) + _TERMINATOR + _text_of([_gs(header)])
        kind = encounter.transaction_type
        written = _written_claim(encounter, place)
        key = (kind, written[0] if one_billing_provider_per_transaction else "")
        open_set = open_sets.setdefault(key, _OpenTransaction(kind))
        open_set.add(written)
        if open_set.claim_count == claims_per_transaction:
            transaction_count += 1
            yield from _close(open_set, transaction_count, header)
            # A new set takes the old one's place, so sets of one type stay
            # together as far as they can.
            open_sets[key] = _OpenTransaction(kind)
    if place == 0:
        raise X12WriteError("there are no claims to write")
    for open_set in open_sets.values():
        if open_set.claim_count:
            transaction_count += 1
            yield from _close(open_set, transaction_count, header)
    yield _trailers(header, transaction_count)


def _check_header(header: InterchangeHeader) -> None:
    checks = (
        ("sender_id", header.sender_id, 15),
        ("receiver_id", header.receiver_id, 15),
        ("sender_qualifier", header.sender_qualifier, 2),
        ("receiver_qualifier", header.receiver_qualifier, 2),
    )
    for name, value, width in checks:
        if not value or len(value) > width:
            raise X12WriteError(f"header {name} must be 1 to {width} characters")
        _check(value, f"header {name}")
    for name, number in (
        ("interchange_control_number", header.interchange_control_number),
        ("group_control_number", header.group_control_number),
    ):
        if not 1 <= number <= 999_999_999:
            raise X12WriteError(f"header {name} must be between 1 and 999999999")
    if header.usage_indicator not in ("T", "P"):
        raise X12WriteError("header usage_indicator must be T (test) or P")


def _isa(header: InterchangeHeader) -> str:
    created = header.created
    fields = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        header.sender_qualifier.ljust(2),
        header.sender_id.ljust(15),
        header.receiver_qualifier.ljust(2),
        header.receiver_id.ljust(15),
        created.strftime("%y%m%d"),
        created.strftime("%H%M"),
        DEFAULT_DELIMITERS.repetition,
        "00501",
        f"{header.interchange_control_number:09d}",
        "0",
        header.usage_indicator,
        DEFAULT_DELIMITERS.component,
    ]
    return DEFAULT_DELIMITERS.element.join(fields)


def _gs(header: InterchangeHeader) -> OutSegment:
    created = header.created
    return _segment(
        "GS",
        "",
        _const("HC"),
        _const(header.application_sender_code or header.sender_id),
        _const(header.application_receiver_code or header.receiver_id),
        _const(created.strftime("%Y%m%d")),
        _const(created.strftime("%H%M")),
        _const(str(header.group_control_number)),
        _const("X"),
        _const(VERSION),
    )


@dataclass
class _WrittenClaim:
    """One claim as X12 text, waiting for its HL numbers."""

    subscriber: str
    """2000B after its HL, down to 2010BB."""
    patient: str | None
    """2000C after its HL, when the claim has a patient loop."""
    body: str
    """2300 down to the last 2400."""
    segment_count: int
    """Segments in the three texts; the HLs are not counted."""


@dataclass
class _OpenTransaction:
    """A transaction set being filled with claims of one BHT06 type."""

    transaction_type: str
    providers: dict[str, list[_WrittenClaim]] = field(default_factory=dict)
    """Claims by the text of their 2000A (after its HL), in order of arrival."""
    claim_count: int = 0

    def add(self, written: tuple[str, _WrittenClaim]) -> None:
        billing, claim = written
        self.providers.setdefault(billing, []).append(claim)
        self.claim_count += 1


def _written_claim(encounter: Encounter, place: int) -> tuple[str, _WrittenClaim]:
    """The claim's 2000A text and its own text; errors name its ``place``."""
    try:
        with _traced(False):
            billing = _billing(encounter)
            subscriber = _subscriber(encounter)
            patient = None if encounter.patient is None else _patient(encounter)
            body = _claim_body(encounter)
    except X12WriteError as error:
        message = f"claim {place} of the batch: {error}"
        raise X12WriteError(message, place, error.path) from None
    count = len(subscriber) + len(body) + len(patient or [])
    claim = _WrittenClaim(
        _text_of(subscriber),
        None if patient is None else _text_of(patient),
        _text_of(body),
        count,
    )
    return _text_of(billing), claim


def _close(
    open_set: _OpenTransaction, index: int, header: InterchangeHeader
) -> Iterator[str]:
    """The transaction set's text: ST, its 2000A groups with their claims, SE."""
    control = f"{header.group_control_number % 100_000:05d}{index:04d}"
    created = header.created
    head = [
        _segment("ST", "", _const("837"), _const(control), _const(VERSION)),
        _segment(
            "BHT",
            "",
            _const("0019"),
            _const("00"),
            _const(control),
            _const(created.strftime("%Y%m%d")),
            _const(created.strftime("%H%M")),
            _text(open_set.transaction_type, "transaction_type"),
        ),
        *_parties(header),
    ]
    count = len(head)
    yield _text_of(head)
    hl = 0
    for billing, claims in open_set.providers.items():
        hl += 1
        parent = hl
        yield _hl(hl, None, "20", True) + _TERMINATOR + billing
        count += 1 + billing.count(_TERMINATOR)
        for claim in claims:
            hl += 1
            pieces = [_hl(hl, parent, "22", claim.patient is not None), _TERMINATOR]
            pieces.append(claim.subscriber)
            if claim.patient is not None:
                hl += 1
                pieces.extend([_hl(hl, hl - 1, "23", False), _TERMINATOR])
                pieces.append(claim.patient)
            pieces.append(claim.body)
            count += claim.segment_count + (1 if claim.patient is None else 2)
            yield "".join(pieces)
    yield _SEPARATOR.join(["SE", str(count + 1), control]) + _TERMINATOR


def _trailers(header: InterchangeHeader, transaction_count: int) -> str:
    """GE and IEA."""
    group_control = str(header.group_control_number)
    control = f"{header.interchange_control_number:09d}"
    return _text_of(
        [
            _segment("GE", "", _const(str(transaction_count)), _const(group_control)),
            _segment("IEA", "", _const("1"), _const(control)),
        ]
    )


def _parties(header: InterchangeHeader) -> list[OutSegment]:
    submitter, receiver = header.submitter, header.receiver
    segments = [
        _segment(
            "NM1",
            "1000A",
            _const("41"),
            _text(submitter.entity_type.value, "submitter.entity_type"),
            _text(submitter.name, "submitter.name"),
            _text(submitter.first_name, "submitter.first_name"),
            _EMPTY,
            _EMPTY,
            _EMPTY,
            _const("46"),
            _text(submitter.identifier, "submitter.identifier"),
        )
    ]
    segments.extend(_contact(submitter.contact, "submitter.contact", "1000A"))
    segments.append(
        _segment(
            "NM1",
            "1000B",
            _const("40"),
            _const("2"),
            _text(receiver.name, "receiver.name"),
            _EMPTY,
            _EMPTY,
            _EMPTY,
            _EMPTY,
            _const("46"),
            _text(receiver.identifier, "receiver.identifier"),
        )
    )
    return segments
