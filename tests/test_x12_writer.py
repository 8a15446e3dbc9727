"""Writing 005010X222A1: round trips, envelopes, provenance and refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from claimtui.model import (
    Address,
    ClaimInfo,
    Diagnosis,
    Encounter,
    Patient,
    Payer,
    Provider,
    ServiceLine,
    Subscriber,
)
from claimtui.x12.reader import ReadClaim, iter_837p, read_837p
from claimtui.x12.tokenizer import Delimiters
from claimtui.x12.validate import validate_interchange
from claimtui.x12.writer import (
    X12WriteError,
    claim_segments,
    render_segment,
    write_interchange,
)
from tests.x12_helpers import CORPUS, HEADER, sample_encounter, without_parties

LFH = "linuxforhealth-x12__837_005010X222A2__"
VALID_837P = [
    "uhin-x12-parser-library__test-files__837.edi",
    LFH + "demo.autoaccident.837",
    LFH + "demo.cob.example3.C.837",
    LFH + "demo.drug.example10.1.837",
    LFH + "demo.drug.example10.3.837",
    LFH + "demo.example1.837",
    LFH + "demo.example2.837",
    LFH + "demo.example7.837",
    LFH + "demo.example8.837",
]


def read_back(text: str) -> list[Encounter]:
    items = iter_837p(text.encode("ascii"), "written.837")
    return [item.encounter for item in items if isinstance(item, ReadClaim)]


def small_encounter(**changes: object) -> Encounter:
    encounter = Encounter(
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
            member_id="M1",
            relationship="18",
            claim_filing_code="CI",
        ),
        payer=Payer(name="PLAN", payer_id="P1"),
        claim=ClaimInfo(
            patient_control_number="PCN1",
            total_charge=Decimal("125.50"),
            place_of_service="11",
            diagnoses=[Diagnosis(code="I10", qualifier="ABK")],
        ),
        service_lines=[
            ServiceLine(
                procedure_code="99213",
                charge=Decimal("125.50"),
                diagnosis_pointers=[1],
                service_date=dt.date(2024, 4, 1),
            )
        ],
    )
    return encounter.model_copy(update=changes)


@pytest.mark.parametrize("name", VALID_837P)
def test_valid_corpus_claims_round_trip_and_pass_pyx12(name: str) -> None:
    encounters = [claim.encounter for claim in read_837p(CORPUS / "837p" / name).claims]
    text = write_interchange(encounters, HEADER)
    report = validate_interchange(text)
    assert report.findings == []
    assert report.ok
    back = read_back(text)
    assert [without_parties(e) for e in back] == [
        without_parties(e) for e in encounters
    ]


def test_output_is_deterministic_and_single_line() -> None:
    encounters = [small_encounter(), small_encounter()]
    first = write_interchange(encounters, HEADER)
    assert first == write_interchange(encounters, HEADER)
    assert "\n" not in first and "\r" not in first
    assert first.startswith("ISA*00*          *00*          *ZZ*CLAIMTUI       *")
    assert first.index("~") == 105
    assert first.endswith("IEA*1*000000042~")


def test_counts_and_control_numbers() -> None:
    text = write_interchange([small_encounter(), small_encounter()], HEADER)
    segments = text.split("~")[:-1]
    st_index = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    se_index = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    assert segments[st_index] == "ST*837*000070001*005010X222A1"
    assert segments[se_index] == f"SE*{se_index - st_index + 1}*000070001"
    assert "GE*1*7" in segments
    hls = [s for s in segments if s.startswith("HL*")]
    assert hls == ["HL*1**20*1", "HL*2*1*22*0", "HL*3*1*22*0"]


def test_patient_gets_a_2000c_under_its_subscriber() -> None:
    patient = Patient(last_name="DOE", relationship="19")
    encounter = small_encounter(patient=patient)
    hls = [s for s in write_interchange([encounter], HEADER).split("~") if "HL*" in s]
    assert hls == ["HL*1**20*1", "HL*2*1*22*1", "HL*3*2*23*0"]


def test_decimals_are_written_without_needless_zeros() -> None:
    encounter = small_encounter()
    clm = next(s for s in claim_segments(encounter) if s.id == "CLM")
    assert clm.elements[1] == "125.5"
    sv1 = next(s for s in claim_segments(encounter) if s.id == "SV1")
    assert sv1.elements[3] == "1"


def test_elements_name_their_model_paths() -> None:
    encounter = small_encounter()
    segments = claim_segments(encounter)
    clm = next(s for s in segments if s.id == "CLM")
    assert clm.sources[0] == "claim.patient_control_number"
    assert clm.component_sources[4] == [
        "claim.place_of_service",
        "",
        "claim.frequency_code",
    ]
    sv1 = next(s for s in segments if s.id == "SV1")
    assert sv1.component_sources[0][1] == "service_lines[0].procedure_code"
    assert [s.loop for s in segments][:2] == ["2000A", "2010AA"]


def test_delimiter_in_data_is_refused_not_altered() -> None:
    encounter = small_encounter()
    encounter.claim.patient_control_number = "PCN*1"
    with pytest.raises(X12WriteError, match=r"claim\.patient_control_number"):
        write_interchange([encounter], HEADER)


def test_render_with_other_delimiters() -> None:
    sv1 = next(s for s in claim_segments(small_encounter()) if s.id == "SV1")
    delimiters = Delimiters(element="|", component=">", repetition="", segment="~")
    assert render_segment(sv1, delimiters).startswith("SV1|HC>99213|125.5")


def test_nothing_is_invented_for_empty_values() -> None:
    encounter = small_encounter()
    names = [s.id for s in claim_segments(encounter)]
    assert "DMG" not in names and "PER" not in names and "PRV" not in names


def test_more_than_twelve_diagnoses_is_refused() -> None:
    encounter = small_encounter()
    encounter.claim.diagnoses = [Diagnosis(code=f"A{n:02d}") for n in range(13)]
    with pytest.raises(X12WriteError, match="more than 12"):
        claim_segments(encounter)


def test_bad_header_is_refused() -> None:
    header = dataclasses.replace(HEADER, sender_id="X" * 16)
    with pytest.raises(X12WriteError, match="sender_id"):
        write_interchange([small_encounter()], header)


def test_no_claims_is_refused() -> None:
    with pytest.raises(X12WriteError):
        write_interchange([], HEADER)


def test_claims_split_into_transactions_by_type() -> None:
    encounters = [small_encounter(), small_encounter(transaction_type="RP")]
    text = write_interchange(encounters, HEADER)
    assert text.count("~ST*837*") == 2
    assert "GE*2*7~" in text
    assert validate_interchange(text).ok


def transactions(text: str) -> list[list[str]]:
    """The segments of each ST..SE of ``text``, in order."""
    sets: list[list[str]] = []
    for segment in text.split("~"):
        if segment.startswith("ST*"):
            sets.append([])
        if sets and (not sets[-1] or not sets[-1][-1].startswith("SE*")):
            sets[-1].append(segment)
    return sets


def billing_providers(transaction: list[str]) -> list[str]:
    """The 2010AA NM1*85 of each 2000A in one transaction set."""
    return [segment for segment in transaction if segment.startswith("NM1*85*")]


def two_billing_providers() -> list[Encounter]:
    other = sample_encounter(2)
    other.billing_provider.last_name = "SECOND CLINIC"
    other.billing_provider.npi = "1245319599"
    return [sample_encounter(1), other, sample_encounter(3)]


def test_billing_providers_share_a_transaction_set_by_default() -> None:
    [transaction] = transactions(write_interchange(two_billing_providers(), HEADER))
    assert len(billing_providers(transaction)) == 2


def test_one_billing_provider_per_transaction_set_on_request() -> None:
    text = write_interchange(
        two_billing_providers(), HEADER, one_billing_provider_per_transaction=True
    )
    sets = transactions(text)
    assert [len(billing_providers(t)) for t in sets] == [1, 1]
    assert [sum(s.startswith("CLM*") for s in t) for t in sets] == [2, 1]
    assert [t[0].split("*")[2] for t in sets] == ["000070001", "000070002"]
    assert "GE*2*7~" in text
    report = validate_interchange(text)
    assert report.ok, report.findings
