"""Generated encounters come back equal after write then read."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from claimtui.model import (
    Address,
    Adjustment,
    ClaimInfo,
    Contact,
    Diagnosis,
    DrugIdentification,
    Encounter,
    LineAdjudication,
    Note,
    OtherCoverage,
    OtherPayerInfo,
    OtherSubscriber,
    Patient,
    Payer,
    Provider,
    Reference,
    ServiceLine,
    Subscriber,
)
from claimtui.x12.reader import ReadClaim, iter_837p
from claimtui.x12.writer import claim_segments, render_segment, write_interchange
from tests.x12_helpers import HEADER, without_parties

text = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-", min_size=1, max_size=12
)
word = text.map(str.strip).filter(bool)
optional_word = st.one_of(st.just(""), word)
money = st.decimals(min_value=0, max_value=99999, places=2)
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
addresses = st.builds(
    Address, line1=word, line2=optional_word, city=word, state=word, postal_code=word
)
contacts = st.builds(Contact, name=word, phone=optional_word, email=optional_word)
references = st.builds(Reference, qualifier=st.sampled_from(["G2", "LU"]), value=word)


def providers(**extra: object) -> st.SearchStrategy[Provider]:
    return st.builds(
        Provider,
        entity_type=st.sampled_from(["1", "2"]),
        last_name=word,
        first_name=optional_word,
        npi=word,
        **extra,  # type: ignore[arg-type]
    )


adjustments = st.builds(
    Adjustment,
    group_code=st.sampled_from(["CO", "PR"]),
    reason_code=word,
    amount=money,
    quantity=st.one_of(st.none(), money),
)
coverages = st.builds(
    OtherCoverage,
    payer_responsibility=st.sampled_from(["P", "S"]),
    relationship=st.sampled_from(["18", "01"]),
    claim_filing_code=st.sampled_from(["CI", "MB"]),
    adjustments=st.lists(adjustments, max_size=3),
    payer_paid_amount=st.one_of(st.none(), money),
    subscriber=st.builds(OtherSubscriber, last_name=word, member_id=word),
    payer=st.builds(
        OtherPayerInfo, name=word, payer_id=word, adjudication_date=st.none() | dates
    ),
)
lines = st.builds(
    ServiceLine,
    procedure_code=word,
    modifiers=st.lists(word, max_size=4),
    charge=money,
    units=st.decimals(min_value=1, max_value=99, places=1),
    diagnosis_pointers=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    service_date=dates,
    emergency=st.booleans(),
    line_control_number=optional_word,
    notes=st.lists(st.builds(Note, text=word), max_size=1),
    drug=st.none()
    | st.builds(DrugIdentification, ndc=word, quantity=money, unit=st.just("UN")),
    rendering_provider=st.none() | providers(taxonomy=optional_word),
    ordering_provider=st.none() | providers(address=st.none() | addresses),
    adjudications=st.lists(
        st.builds(
            LineAdjudication,
            payer_id=word,
            paid_amount=money,
            procedure_code=word,
            adjustments=st.lists(adjustments, max_size=2),
            adjudication_date=st.none() | dates,
        ),
        max_size=1,
    ),
)
claims = st.builds(
    ClaimInfo,
    patient_control_number=word,
    total_charge=money,
    place_of_service=st.sampled_from(["11", "22"]),
    related_causes=st.sampled_from([[], ["EM"], ["AA"], ["OA", "EM"]]),
    accident_state=optional_word,
    accident_date=st.none() | dates,
    onset_date=st.none() | dates,
    prior_authorization=optional_word,
    medical_record_number=optional_word,
    patient_amount_paid=st.none() | money,
    diagnoses=st.lists(
        st.builds(Diagnosis, code=word, qualifier=st.sampled_from(["ABK", "ABF"])),
        min_size=1,
        max_size=12,
    ),
)
encounters = st.builds(
    Encounter,
    transaction_type=st.sampled_from(["CH", "RP"]),
    billing_provider=providers(
        address=addresses,
        tax_id=word,
        tax_id_qualifier=st.just("EI"),
        contact=st.none() | contacts,
        secondary_ids=st.lists(references, max_size=1),
    ),
    pay_to_address=st.none() | addresses,
    subscriber=st.builds(
        Subscriber,
        entity_type=st.sampled_from(["1", "2"]),
        last_name=word,
        member_id=word,
        claim_filing_code=st.sampled_from(["CI", "WC", "AM"]),
        birth_date=st.none() | dates,
        gender=st.sampled_from(["F", "M"]),
        address=st.none() | addresses,
        property_casualty_claim_number=optional_word,
    ),
    payer=st.builds(Payer, name=word, payer_id=word),
    patient=st.none()
    | st.builds(
        Patient,
        last_name=word,
        relationship=st.sampled_from(["19", "20"]),
        birth_date=dates,
        gender=st.just("F"),
        property_casualty_claim_number=optional_word,
        weight_pounds=st.none() | st.decimals(min_value=1, max_value=500, places=1),
    ),
    claim=claims,
    referring_provider=st.none() | providers(),
    service_facility=st.none() | providers(address=addresses),
    other_coverages=st.lists(coverages, max_size=2),
    service_lines=st.lists(lines, min_size=1, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(encounters, min_size=1, max_size=3))
def test_written_encounters_read_back_equal(generated: list[Encounter]) -> None:
    written = write_interchange(generated, HEADER)
    items = list(iter_837p(written.encode("ascii"), "generated.837"))
    back = [item.encounter for item in items if isinstance(item, ReadClaim)]
    assert not [item for item in items if not isinstance(item, ReadClaim)]
    key = sorted(range(len(generated)), key=lambda i: _order_key(generated, i))
    expected = [without_parties(generated[i]) for i in key]
    assert [without_parties(encounter) for encounter in back] == expected


def _order_key(generated: list[Encounter], index: int) -> tuple[int, int, int]:
    """Where the writer puts encounter ``index``: by type, then billing provider."""
    encounter = generated[index]
    types = list(dict.fromkeys(e.transaction_type for e in generated))
    same_type = [
        e for e in generated if e.transaction_type == encounter.transaction_type
    ]
    providers_seen = list(dict.fromkeys(_provider_key(e) for e in same_type))
    group = providers_seen.index(_provider_key(encounter))
    return types.index(encounter.transaction_type), group, index


def _provider_key(encounter: Encounter) -> str:
    pay_to = encounter.pay_to_address
    return encounter.billing_provider.model_dump_json() + (
        pay_to.model_dump_json() if pay_to else ""
    )


@settings(max_examples=60, deadline=None)
@given(encounters)
def test_one_claim_view_shows_the_segments_the_interchange_sends(
    encounter: Encounter,
) -> None:
    segments = write_interchange([encounter], HEADER).split("~")
    first_hl = next(i for i, s in enumerate(segments) if s.startswith("HL*"))
    se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    shown = [render_segment(segment) for segment in claim_segments(encounter)]
    assert segments[first_hl:se] == shown
