"""Read one claim: the 2300 CLM and every loop below it, up to the next HL or CLM.

::

    2300        CLM, DTP, PWK, AMT*F5, REF, NTE, CR1, CRC, HI
    2310A-F     NM1*DN, 82, 77, DQ, PW (pick-up), 45 (drop-off)
    2320        SBR, CAS, AMT (D, A8, EAF), OI
    2330A/B     NM1*IL (N3, N4); NM1*PR (N3, N4, DTP*573, REF)
    2400        LX, SV1, PWK, DTP, QTY*PT, REF, NTE
    2410        LIN, CTP, REF (XZ, VY)
    2420A-F     NM1*82, 77, DQ, DK, DN with the segments in ``_loops``
    2430        SVD, CAS, DTP*573, AMT*EAF
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from claimtui.x12 import _loops
from claimtui.x12._fields import Data, FieldReader, element, read_address
from claimtui.x12.issues import InputIssue
from claimtui.x12.tokenizer import Segment

_LINE_FLAGS = {9: "emergency", 11: "epsdt", 12: "family_planning"}


class ClaimReader:
    """Collects one claim's segments into Encounter-shaped dicts."""

    def __init__(self, fields: FieldReader, clm: Segment) -> None:
        self.fields = fields
        self.raw: list[Segment] = [clm]
        self.issues: list[InputIssue] = []
        self.claim: Data = {}
        self.data: Data = {"claim": self.claim}
        self.loop = "2300"
        self.kind = "2300"
        self.target: Data | None = None
        self.coverage: Data | None = None
        self.line: Data | None = None
        self.line_start = clm
        self._clm(clm)

    def handle(self, segment: Segment) -> None:
        """Take the next segment of this claim."""
        self.raw.append(segment)
        starter = _STARTERS.get(segment.id)
        if starter is not None:
            starter(self, segment)
            return
        handler = _HANDLERS.get((self.kind, segment.id))
        if handler is None:
            self._not_carried(segment)
        else:
            handler(self, segment)

    def finish(self) -> list[InputIssue]:
        """Close the last line; return the claim's issues."""
        self._close_line()
        return self.issues

    def _not_carried(self, segment: Segment) -> None:
        if self.kind != "skip":
            self.issues.append(self.fields.not_carried(segment, self.loop))

    def _skip_loop(self, segment: Segment, loop: str) -> None:
        self.loop = loop
        self.kind = "2300"
        self._not_carried(segment)
        self.kind, self.target = "skip", None

    def _error(self, segment: Segment, ref: str, message: str) -> None:
        self.issues.append(self.fields.issue(segment, ref, message))

    # -- 2300 --------------------------------------------------------------------

    def _clm(self, segment: Segment) -> None:
        claim, fields, issues = self.claim, self.fields, self.issues
        claim["patient_control_number"] = element(segment, 1)
        total = fields.required_decimal(segment, "CLM02", element(segment, 2), issues)
        if total is not None:
            claim["total_charge"] = total
        facility = [*fields.components(segment, 5), "", ""]
        claim["place_of_service"] = facility[0]
        claim["frequency_code"] = facility[2]
        if facility[1] != "B":
            self.issues.append(
                fields.issue(
                    segment,
                    "CLM05-2",
                    "the facility code qualifier should be B; it is exported as B",
                    "warning",
                )
            )
        signature = fields.flag(segment, "CLM06", element(segment, 6), issues)
        if signature is not None:
            claim["provider_signature"] = signature
        claim["assignment_participation"] = element(segment, 7)
        claim["benefits_assignment"] = element(segment, 8)
        claim["release_of_information"] = element(segment, 9)
        claim["patient_signature_source"] = element(segment, 10)
        causes = [*fields.components(segment, 11), "", "", "", "", ""]
        claim["related_causes"] = [cause for cause in causes[:3] if cause]
        claim["accident_state"] = causes[3]
        claim["accident_country"] = causes[4]
        claim["special_program"] = element(segment, 12)
        claim["delay_reason"] = element(segment, 20)

    def _claim_dtp(self, segment: Segment) -> None:
        qualifier = element(segment, 1)
        dated = self.fields.dated(segment, self.issues)
        if dated is None:
            return
        start, end = dated
        name = _loops.CLAIM_DATES.get(qualifier)
        if name is not None and end is None and name not in self.claim:
            self.claim[name] = start
        else:
            other = {"qualifier": qualifier, "start": start, "end": end}
            self.claim.setdefault("other_dates", []).append(other)

    def _pwk(self, segment: Segment) -> None:
        attachment = {
            "report_type": element(segment, 1),
            "transmission_code": element(segment, 2),
            "control_number": element(segment, 6),
        }
        owner = self.line if self.kind == "2400" and self.line else self.claim
        owner.setdefault("attachments", []).append(attachment)

    def _claim_amt(self, segment: Segment) -> None:
        if element(segment, 1) != "F5" or "patient_amount_paid" in self.claim:
            self._not_carried(segment)
            return
        self.claim["patient_amount_paid"] = self.fields.decimal(
            segment, "AMT02", element(segment, 2), self.issues
        )

    def _claim_ref(self, segment: Segment) -> None:
        _reference(self.claim, segment, _loops.CLAIM_REFERENCES)

    def _nte(self, segment: Segment) -> None:
        note = {"code": element(segment, 1), "text": element(segment, 2)}
        owner = self.line if self.kind == "2400" and self.line else self.claim
        owner.setdefault("notes", []).append(note)

    def _cr1(self, segment: Segment) -> None:
        if "ambulance" in self.claim:
            self._not_carried(segment)
            return
        fields, issues = self.fields, self.issues
        ambulance: Data = {
            "reason_code": element(segment, 4),
            "round_trip_purpose": element(segment, 9),
            "stretcher_purpose": element(segment, 10),
        }
        for position, key in ((2, "weight_pounds"), (6, "distance_miles")):
            text = element(segment, position)
            if text:
                ambulance[key] = fields.decimal(
                    segment, f"CR1{position:02d}", text, issues
                )
        self.claim["ambulance"] = ambulance

    def _crc(self, segment: Segment) -> None:
        applies = self.fields.flag(segment, "CRC02", element(segment, 2), self.issues)
        if applies is None:
            return
        codes = [code for code in segment.elements[2:7] if code]
        indicator = {"category": element(segment, 1), "applies": applies}
        indicator["codes"] = codes
        self.claim.setdefault("condition_indicators", []).append(indicator)

    def _hi(self, segment: Segment) -> None:
        parts = [value.split(self.fields.component) for value in segment.elements]
        qualifiers = [part[0] for part in parts if part[0]]
        if not any(q in _loops.DIAGNOSIS_QUALIFIERS for q in qualifiers):
            self._not_carried(segment)
            return
        diagnoses = self.claim.setdefault("diagnoses", [])
        for position, part in enumerate(parts, start=1):
            qualifier = part[0]
            code = part[1] if len(part) > 1 else ""
            if not qualifier and not code:
                continue
            if qualifier in _loops.DIAGNOSIS_QUALIFIERS and code:
                diagnoses.append({"code": code, "qualifier": qualifier})
            else:
                self._error(
                    segment,
                    f"HI{position:02d}",
                    "this is not a diagnosis (qualifier and code) and is not read",
                )

    # -- 2310 --------------------------------------------------------------------

    def _nm1(self, segment: Segment) -> None:
        qualifier = element(segment, 1)
        if self.line is not None:
            self._line_nm1(segment, qualifier)
        elif self.coverage is not None:
            self._coverage_nm1(segment, qualifier)
        else:
            self._claim_nm1(segment, qualifier)

    def _claim_nm1(self, segment: Segment, qualifier: str) -> None:
        if qualifier == "PW" and "ambulance_pickup" not in self.data:
            self.loop, self.kind = "2310E", "2310E"
            self.target = {"address": {}}
            self.data["ambulance_pickup"] = self.target["address"]
            return
        known = _loops.CLAIM_PROVIDERS.get(qualifier)
        if known is None or known[1] in self.data:
            loop = known[0] if known else _loops.SKIPPED_CLAIM_NAMES.get(qualifier)
            self._skip_loop(segment, loop or "2310")
            return
        self._start_provider(segment, known, self.data)

    def _start_provider(
        self, segment: Segment, known: tuple[str, str], owner: Data
    ) -> None:
        loop, field_name = known
        self.loop, self.kind = loop, "provider"
        self.target = self.fields.provider_name(segment, self.issues)
        owner[field_name] = self.target

    def _provider_segment(self, segment: Segment) -> None:
        target = self.target
        if target is None or segment.id not in _loops.PROVIDER_SEGMENTS[self.loop]:
            self._not_carried(segment)
        elif segment.id in ("N3", "N4"):
            read_address(segment, target.setdefault("address", {}))
        elif segment.id == "PRV":
            target["taxonomy"] = element(segment, 3)
        elif segment.id == "REF":
            reference = {"qualifier": element(segment, 1), "value": element(segment, 2)}
            target.setdefault("secondary_ids", []).append(reference)
        elif "contact" not in target:
            target["contact"] = self.fields.contact(segment)
        else:
            self._not_carried(segment)

    def _pickup_address(self, segment: Segment) -> None:
        if self.target is None or segment.id not in ("N3", "N4"):
            self._not_carried(segment)
            return
        read_address(segment, self.target["address"])

    # -- 2320 / 2330 -------------------------------------------------------------

    def _sbr(self, segment: Segment) -> None:
        if self.line is not None:
            self._not_carried(segment)
            return
        self.coverage = {
            "payer_responsibility": element(segment, 1),
            "relationship": element(segment, 2),
            "group_number": element(segment, 3),
            "group_name": element(segment, 4),
            "insurance_type": element(segment, 5),
            "claim_filing_code": element(segment, 9),
        }
        self.data.setdefault("other_coverages", []).append(self.coverage)
        self.loop = self.kind = "2320"
        self.target = None

    def _coverage_cas(self, segment: Segment) -> None:
        assert self.coverage is not None
        found = self.fields.adjustments(segment, self.issues)
        self.coverage.setdefault("adjustments", []).extend(found)

    def _coverage_amt(self, segment: Segment) -> None:
        assert self.coverage is not None
        key = _COVERAGE_AMOUNTS.get(element(segment, 1))
        if key is None or key in self.coverage:
            self._not_carried(segment)
            return
        self.coverage[key] = self.fields.decimal(
            segment, "AMT02", element(segment, 2), self.issues
        )

    def _oi(self, segment: Segment) -> None:
        assert self.coverage is not None
        self.coverage["benefits_assignment"] = element(segment, 3)
        self.coverage["patient_signature_source"] = element(segment, 4)
        self.coverage["release_of_information"] = element(segment, 6)

    def _coverage_nm1(self, segment: Segment, qualifier: str) -> None:
        assert self.coverage is not None
        if qualifier == "IL" and "subscriber" not in self.coverage:
            self.loop = self.kind = "2330A"
            self.target = self.fields.party_name(segment, self.issues)
            self.target["id_qualifier"] = element(segment, 8)
            self.target["member_id"] = element(segment, 9)
            self.coverage["subscriber"] = self.target
        elif qualifier == "PR" and "payer" not in self.coverage:
            self.loop = self.kind = "2330B"
            self.target = {
                "name": element(segment, 3),
                "id_qualifier": element(segment, 8),
                "payer_id": element(segment, 9),
            }
            self.coverage["payer"] = self.target
        else:
            self._skip_loop(
                segment, _loops.SKIPPED_COVERAGE_NAMES.get(qualifier, "2330")
            )

    def _other_party_segment(self, segment: Segment) -> None:
        target = self.target
        assert target is not None
        sid = segment.id
        if sid in ("N3", "N4"):
            read_address(segment, target.setdefault("address", {}))
        elif sid == "REF" and self.kind == "2330B":
            reference = {"qualifier": element(segment, 1), "value": element(segment, 2)}
            target.setdefault("secondary_ids", []).append(reference)
        elif sid == "DTP" and self.kind == "2330B" and element(segment, 1) == "573":
            if element(segment, 2) != "D8":
                self._error(segment, "DTP02", "the adjudication date must be D8")
                return
            target["adjudication_date"] = self.fields.date(
                segment, "DTP03", element(segment, 3), self.issues
            )
        else:
            self._not_carried(segment)

    # -- 2400 --------------------------------------------------------------------

    def _lx(self, segment: Segment) -> None:
        self._close_line()
        lines = self.data.setdefault("service_lines", [])
        if element(segment, 1) != str(len(lines) + 1):
            self.issues.append(
                self.fields.issue(
                    segment, "LX01", "line numbers should count 1, 2, 3", "warning"
                )
            )
        self.line = {}
        self.line_start = segment
        lines.append(self.line)
        self.coverage = None
        self.loop = self.kind = "2400"
        self.target = None

    def _close_line(self) -> None:
        line = self.line
        if line is not None and "procedure_code" not in line:
            self._error(self.line_start, "", "this service line has no SV1")
            self.data["service_lines"].remove(line)
        self.line = None

    def _sv1(self, segment: Segment) -> None:
        line, fields, issues = self.line, self.fields, self.issues
        assert line is not None
        if "procedure_code" in line:
            self._not_carried(segment)
            return
        # Every line has an SV1: its elements are padded once instead of being
        # looked up one call at a time; an absent element reads as empty.
        sv1 = segment.elements
        if len(sv1) < 15:
            sv1 = sv1 + [""] * (15 - len(sv1))
        component = fields.component
        _procedure(line, sv1[0].split(component))
        charge = fields.required_decimal(segment, "SV102", sv1[1], issues)
        line["charge"] = charge if charge is not None else 0
        line["unit_basis"] = sv1[2]
        units = fields.required_decimal(segment, "SV104", sv1[3], issues)
        if units is not None:
            line["units"] = units
        line["place_of_service"] = sv1[4]
        pointers = [p for p in sv1[6].split(component) if p]
        line["diagnosis_pointers"] = []
        for pointer in pointers:
            number = _int(pointer)
            if number is None:
                self._error(segment, "SV107", "a diagnosis pointer is not a number")
            else:
                line["diagnosis_pointers"].append(number)
        for position, key in _LINE_FLAGS.items():
            value = sv1[position - 1]
            if value:
                line[key] = value == "Y"
        if sv1[14]:
            line["copay_exempt"] = sv1[14] == "0"

    def _line_dtp(self, segment: Segment) -> None:
        line = self.line
        assert line is not None
        dated = self.fields.dated(segment, self.issues)
        if dated is None:
            return
        start, end = dated
        qualifier = element(segment, 1)
        if qualifier == "472" and "service_date" not in line:
            line["service_date"] = start
            line["service_date_end"] = end
        else:
            other = {"qualifier": qualifier, "start": start, "end": end}
            line.setdefault("other_dates", []).append(other)

    def _qty(self, segment: Segment) -> None:
        line = self.line
        assert line is not None
        if element(segment, 1) != "PT" or "ambulance_patient_count" in line:
            self._not_carried(segment)
            return
        line["ambulance_patient_count"] = self.fields.decimal(
            segment, "QTY02", element(segment, 2), self.issues
        )

    def _line_ref(self, segment: Segment) -> None:
        assert self.line is not None
        _reference(self.line, segment, _loops.LINE_REFERENCES)

    # -- 2410 / 2420 / 2430 ------------------------------------------------------

    def _lin(self, segment: Segment) -> None:
        line = self.line
        if line is None or "drug" in line:
            self._skip_loop(segment, "2410")
            return
        if element(segment, 2) != "N4":
            self._error(segment, "LIN02", "only NDC (N4) drug ids are read")
        self.loop = self.kind = "2410"
        self.target = {"ndc": element(segment, 3)}
        line["drug"] = self.target

    def _drug_segment(self, segment: Segment) -> None:
        drug = self.target
        assert drug is not None
        if segment.id == "CTP" and "quantity" not in drug:
            quantity = self.fields.required_decimal(
                segment, "CTP04", element(segment, 4), self.issues
            )
            drug["quantity"] = quantity if quantity is not None else 0
            drug["unit"] = self.fields.components(segment, 5)[0]
        elif (
            segment.id == "REF"
            and element(segment, 1) in ("XZ", "VY")
            and ("prescription_number" not in drug)
        ):
            drug["prescription_number_qualifier"] = element(segment, 1)
            drug["prescription_number"] = element(segment, 2)
        else:
            self._not_carried(segment)

    def _line_nm1(self, segment: Segment, qualifier: str) -> None:
        line = self.line
        assert line is not None
        known = _loops.LINE_PROVIDERS.get(qualifier)
        if known is None or known[1] in line:
            loop = known[0] if known else _loops.SKIPPED_LINE_NAMES.get(qualifier)
            self._skip_loop(segment, loop or "2420")
            return
        self._start_provider(segment, known, line)

    def _svd(self, segment: Segment) -> None:
        line = self.line
        if line is None:
            self._skip_loop(segment, "2430")
            return
        fields, issues = self.fields, self.issues
        adjudication: Data = {"payer_id": element(segment, 1)}
        paid = fields.required_decimal(segment, "SVD02", element(segment, 2), issues)
        adjudication["paid_amount"] = paid if paid is not None else 0
        procedure: Data = {}
        _procedure(procedure, fields.components(segment, 3))
        adjudication.update(procedure)
        units = fields.required_decimal(segment, "SVD05", element(segment, 5), issues)
        if units is not None:
            adjudication["paid_units"] = units
        if element(segment, 6):
            adjudication["bundled_line_number"] = _int(element(segment, 6))
        line.setdefault("adjudications", []).append(adjudication)
        self.target = adjudication
        self.loop = self.kind = "2430"

    def _adjudication_segment(self, segment: Segment) -> None:
        adjudication = self.target
        assert adjudication is not None
        sid, qualifier = segment.id, element(segment, 1)
        if sid == "CAS":
            found = self.fields.adjustments(segment, self.issues)
            adjudication.setdefault("adjustments", []).extend(found)
        elif sid == "DTP" and qualifier == "573" and element(segment, 2) == "D8":
            adjudication["adjudication_date"] = self.fields.date(
                segment, "DTP03", element(segment, 3), self.issues
            )
        elif sid == "AMT" and qualifier == "EAF":
            adjudication["remaining_patient_liability"] = self.fields.decimal(
                segment, "AMT02", element(segment, 2), self.issues
            )
        else:
            self._not_carried(segment)

    def _lq(self, segment: Segment) -> None:
        self._skip_loop(segment, "2440")


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and text.isascii() else None


def _procedure(target: Data, parts: list[str]) -> None:
    """SV101 / SVD03: qualifier, code, up to four modifiers, description."""
    parts = parts + [""] * (7 - len(parts))
    target["procedure_qualifier"] = parts[0]
    target["procedure_code"] = parts[1]
    modifiers = parts[2:6]
    while modifiers and not modifiers[-1]:
        modifiers.pop()
    target["modifiers"] = modifiers
    target["description"] = parts[6]


def _reference(owner: Data, segment: Segment, named: dict[str, str]) -> None:
    qualifier, value = element(segment, 1), element(segment, 2)
    name = named.get(qualifier)
    if name is not None and name not in owner:
        owner[name] = value
    else:
        reference = {"qualifier": qualifier, "value": value}
        owner.setdefault("other_references", []).append(reference)


_COVERAGE_AMOUNTS = {
    "D": "payer_paid_amount",
    "A8": "non_covered_amount",
    "EAF": "remaining_patient_liability",
}

Handler = Callable[[ClaimReader, Segment], Any]
_STARTERS: dict[str, Handler] = {
    "NM1": ClaimReader._nm1,
    "SBR": ClaimReader._sbr,
    "LX": ClaimReader._lx,
    "LIN": ClaimReader._lin,
    "SVD": ClaimReader._svd,
    "LQ": ClaimReader._lq,
}
_HANDLERS: dict[tuple[str, str], Handler] = {
    ("2300", "DTP"): ClaimReader._claim_dtp,
    ("2300", "PWK"): ClaimReader._pwk,
    ("2300", "AMT"): ClaimReader._claim_amt,
    ("2300", "REF"): ClaimReader._claim_ref,
    ("2300", "NTE"): ClaimReader._nte,
    ("2300", "CR1"): ClaimReader._cr1,
    ("2300", "CRC"): ClaimReader._crc,
    ("2300", "HI"): ClaimReader._hi,
    ("2310E", "N3"): ClaimReader._pickup_address,
    ("2310E", "N4"): ClaimReader._pickup_address,
    ("2320", "CAS"): ClaimReader._coverage_cas,
    ("2320", "AMT"): ClaimReader._coverage_amt,
    ("2320", "OI"): ClaimReader._oi,
    ("2400", "SV1"): ClaimReader._sv1,
    ("2400", "PWK"): ClaimReader._pwk,
    ("2400", "DTP"): ClaimReader._line_dtp,
    ("2400", "QTY"): ClaimReader._qty,
    ("2400", "REF"): ClaimReader._line_ref,
    ("2400", "NTE"): ClaimReader._nte,
}
for _loop in ("2330A", "2330B"):
    for _segment_id in ("N3", "N4", "REF", "DTP"):
        _HANDLERS[(_loop, _segment_id)] = ClaimReader._other_party_segment
for _segment_id in ("N3", "N4", "REF", "PRV", "PER"):
    _HANDLERS[("provider", _segment_id)] = ClaimReader._provider_segment
for _segment_id in ("CTP", "REF"):
    _HANDLERS[("2410", _segment_id)] = ClaimReader._drug_segment
for _segment_id in ("CAS", "DTP", "AMT"):
    _HANDLERS[("2430", _segment_id)] = ClaimReader._adjudication_segment
