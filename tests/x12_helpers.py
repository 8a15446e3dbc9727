"""Helpers shared by the X12 tests: a fixed interchange header and comparisons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from claimtui.model import Contact, Encounter, Receiver, Submitter
from claimtui.x12.writer import InterchangeHeader

CORPUS = Path(__file__).parents[1] / ".." / "shared" / "corpus"
"""The public X12 corpus, a sibling folder of the repository."""

HEADER = InterchangeHeader(
    sender_id="CLAIMTUI",
    receiver_id="CLEARINGHOUSE",
    interchange_control_number=42,
    group_control_number=7,
    created=dt.datetime(2024, 5, 6, 7, 8),
    usage_indicator="T",
    submitter=Submitter(
        name="EXAMPLE BILLING",
        identifier="SUB001",
        contact=Contact(name="DESK", phone="5555550100"),
    ),
    receiver=Receiver(name="EXAMPLE CLEARINGHOUSE", identifier="RCV001"),
)


def without_parties(encounter: Encounter) -> Encounter:
    """The encounter minus submitter and receiver, which come from the header."""
    return encounter.model_copy(update={"submitter": None, "receiver": None})


def sample_encounter(number: int, transaction_type: str = "CH") -> Encounter:
    """A small valid claim; ``number`` makes its patient control number unique."""
    from decimal import Decimal

    from claimtui.model import (
        Address,
        ClaimInfo,
        Diagnosis,
        Payer,
        Provider,
        ServiceLine,
        Subscriber,
    )

    return Encounter(
        transaction_type=transaction_type,
        billing_provider=Provider(
            last_name="CLINIC",
            npi="1234567893",
            tax_id="123456789",
            tax_id_qualifier="EI",
            address=Address(
                line1="1 MAIN ST", city="AUSTIN", state="TX", postal_code="787010000"
            ),
        ),
        subscriber=Subscriber(
            entity_type="1",
            last_name="DOE",
            first_name="JAN",
            member_id=f"M{number}",
            relationship="18",
            claim_filing_code="CI",
        ),
        payer=Payer(name="PLAN", payer_id="P1"),
        claim=ClaimInfo(
            patient_control_number=f"PCN{number}",
            total_charge=Decimal("100"),
            place_of_service="11",
            diagnoses=[Diagnosis(code="I10", qualifier="ABK")],
        ),
        service_lines=[
            ServiceLine(
                procedure_code="99213",
                charge=Decimal("100"),
                units=Decimal("1"),
                diagnosis_pointers=[1],
                service_date=dt.date(2024, 5, 1),
            )
        ],
    )


def sample_interchange() -> str:
    """Our writer's output for four claims in two transaction sets: claims 1-2
    in ST 000070001 (BHT06 CH), claims 3-4 in ST 000070002 (BHT06 RP)."""
    from claimtui.x12.writer import write_interchange

    encounters = [
        sample_encounter(1),
        sample_encounter(2),
        sample_encounter(3, "RP"),
        sample_encounter(4, "RP"),
    ]
    return write_interchange(encounters, HEADER)


def replace_segment(text: str, old: str, new: str) -> str:
    """Replace one whole segment (without terminator) that occurs exactly once."""
    segments = text.split("~")
    assert segments.count(old) == 1, old
    segments[segments.index(old)] = new
    return "~".join(segments)


def read_text(text: str, source: str = "defect.837") -> tuple[list[Any], list[Any]]:
    """(file-level issues, claims) from reading ``text``."""
    from claimtui.x12.reader import ReadClaim, iter_837p

    items = list(iter_837p(text.encode("latin-1"), source))
    claims = [item for item in items if isinstance(item, ReadClaim)]
    issues = [item for item in items if not isinstance(item, ReadClaim)]
    return issues, claims


def located(issues: list[Any]) -> list[tuple[Any, ...]]:
    """(segment number, segment id, element, severity) of each error issue."""
    return [
        (i.segment_number, i.segment_id, i.element, i.severity)
        for i in issues
        if i.severity == "error"
    ]
