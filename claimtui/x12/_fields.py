"""Reading element values into model-shaped dicts, recording what is wrong."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from claimtui.x12._values import parse_d8, parse_decimal
from claimtui.x12.issues import InputIssue, IssueSeverity
from claimtui.x12.tokenizer import Segment

Data = dict[str, Any]

PHONE_KINDS = {"TE": "phone", "EX": "phone_extension", "FX": "fax", "EM": "email"}


def element(segment: Segment, position: int) -> str:
    """Element ``position`` (1-based) of a segment, empty when absent."""
    try:
        return segment.elements[position - 1]
    except IndexError:  # the segment ends before it
        return ""


def read_address(segment: Segment, address: Data) -> None:
    """Fill an address dict from N3 or N4."""
    if segment.id == "N3":
        address["line1"] = element(segment, 1)
        address["line2"] = element(segment, 2)
        return
    address["city"] = element(segment, 1)
    address["state"] = element(segment, 2)
    address["postal_code"] = element(segment, 3)
    address["country"] = element(segment, 4)
    address["country_subdivision"] = element(segment, 7)


def readable_id(segment: Segment) -> str:
    """The segment id, or a placeholder when the id is not 2-3 letters and digits."""
    sid = segment.id
    if not sid:
        return ""
    if 2 <= len(sid) <= 3 and sid.isascii() and sid.isalnum():
        return sid
    return "(unreadable id)"


class FieldReader:
    """Value conversions that report a located issue instead of failing."""

    def __init__(self, source: str, component: str) -> None:
        self.source = source
        self.component = component

    def issue(
        self,
        segment: Segment | None,
        element_ref: str,
        message: str,
        severity: IssueSeverity = "error",
    ) -> InputIssue:
        """An issue located at ``segment``; the message must hold no values."""
        return InputIssue(
            source=self.source,
            segment_number=segment.number if segment else None,
            segment_id=readable_id(segment) if segment else "",
            element=element_ref,
            message=message,
            severity=severity,
        )

    def not_carried(self, segment: Segment, loop: str) -> InputIssue:
        """The warning for a segment the model has no place for."""
        return self.issue(
            segment,
            "",
            f"segment {segment.id} in loop {loop} is not carried and will not be "
            "exported",
            "warning",
        )

    def components(self, segment: Segment, position: int) -> list[str]:
        """The components of a composite element."""
        return element(segment, position).split(self.component)

    def date(
        self, segment: Segment, ref: str, text: str, issues: list[InputIssue]
    ) -> dt.date | None:
        """A D8 date, or None with an error issue."""
        value = parse_d8(text)
        if value is None:
            issues.append(self.issue(segment, ref, "this is not a CCYYMMDD date"))
        return value

    def decimal(
        self, segment: Segment, ref: str, text: str, issues: list[InputIssue]
    ) -> Decimal | None:
        """A number, or None with an error issue."""
        value = parse_decimal(text)
        if value is None:
            issues.append(self.issue(segment, ref, "this is not a number"))
        return value

    def required_decimal(
        self, segment: Segment, ref: str, text: str, issues: list[InputIssue]
    ) -> Decimal | None:
        """A number that must be present."""
        if not text:
            issues.append(self.issue(segment, ref, "this required amount is missing"))
            return None
        return self.decimal(segment, ref, text, issues)

    def flag(
        self, segment: Segment, ref: str, text: str, issues: list[InputIssue]
    ) -> bool | None:
        """A Y/N indicator, or None with an error issue."""
        if text in ("Y", "N"):
            return text == "Y"
        issues.append(self.issue(segment, ref, "this indicator must be Y or N"))
        return None

    def party_name(self, segment: Segment, issues: list[InputIssue]) -> Data:
        """NM102..NM107 as Party fields."""
        data: Data = {
            "last_name": element(segment, 3),
            "first_name": element(segment, 4),
            "middle_name": element(segment, 5),
            "suffix": element(segment, 7),
        }
        entity = element(segment, 2)
        if entity in ("1", "2"):
            data["entity_type"] = entity
        else:
            issues.append(
                self.issue(segment, "NM102", "the entity type must be 1 or 2")
            )
        return data

    def provider_name(self, segment: Segment, issues: list[InputIssue]) -> Data:
        """NM1 of a provider: name and NPI (NM108 XX)."""
        data = self.party_name(segment, issues)
        qualifier, identifier = element(segment, 8), element(segment, 9)
        if qualifier == "XX" or not (qualifier or identifier):
            data["npi"] = identifier
        else:
            issues.append(
                self.issue(
                    segment,
                    "NM108",
                    "only NPI (XX) provider ids are carried; this id will not be "
                    "exported",
                    "warning",
                )
            )
        return data

    def contact(self, segment: Segment) -> Data:
        """PER as a Contact dict."""
        contact: Data = {"name": element(segment, 2)}
        self.merge_contact(segment, contact)
        return contact

    def merge_contact(self, segment: Segment, contact: Data) -> bool:
        """Add PER03..08 to a contact; False when something did not fit."""
        name = element(segment, 2)
        if name and contact.get("name", "") not in ("", name):
            return False
        fitted = True
        for position in (3, 5, 7):
            key = PHONE_KINDS.get(element(segment, position))
            value = element(segment, position + 1)
            if not value:
                continue
            if key is None or contact.get(key):
                fitted = False
            else:
                contact[key] = value
        return fitted

    def adjustments(self, segment: Segment, issues: list[InputIssue]) -> list[Data]:
        """CAS: one adjustment per reason/amount/quantity triplet."""
        group = element(segment, 1)
        found: list[Data] = []
        for start in range(2, 20, 3):
            reason = element(segment, start)
            amount_text = element(segment, start + 1)
            quantity_text = element(segment, start + 2)
            if not (reason or amount_text or quantity_text):
                continue
            ref = f"CAS{start + 1:02d}"
            amount = self.required_decimal(segment, ref, amount_text, issues)
            if amount is None:
                continue
            adjustment: Data = {
                "group_code": group,
                "reason_code": reason,
                "amount": amount,
            }
            if quantity_text:
                adjustment["quantity"] = self.decimal(
                    segment, f"CAS{start + 2:02d}", quantity_text, issues
                )
            found.append(adjustment)
        return found

    def dated(
        self, segment: Segment, issues: list[InputIssue]
    ) -> tuple[dt.date, dt.date | None] | None:
        """DTP02/DTP03 as (start, end); end is None for D8."""
        form, text = element(segment, 2), element(segment, 3)
        if form == "D8":
            start = self.date(segment, "DTP03", text, issues)
            return None if start is None else (start, None)
        if form == "RD8":
            first, _, last = text.partition("-")
            start = self.date(segment, "DTP03", first, issues)
            end = self.date(segment, "DTP03", last, issues)
            if start is None or end is None:
                return None
            return start, end
        issues.append(
            self.issue(segment, "DTP02", "only D8 and RD8 date formats are read")
        )
        return None
