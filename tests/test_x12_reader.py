"""Reading 837P files: claims, located issues, and clear refusals."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimtui.x12.reader import ReadResult, X12InputError, iter_837p, read_837p
from tests.x12_helpers import CORPUS

P837 = CORPUS / "837p"
ALL_837P = sorted(P837.iterdir())
LFH = "linuxforhealth-x12__837_005010X222A2__"


def errors(result: ReadResult) -> list[str]:
    return [str(issue) for issue in result.issues if issue.severity == "error"]


@pytest.mark.parametrize("path", ALL_837P, ids=lambda path: path.name)
def test_every_corpus_file_gives_claims_or_located_errors(path: Path) -> None:
    try:
        result = read_837p(path)
    except X12InputError as error:
        assert error.source == path.name
        assert error.segment_number is not None
        return
    assert result.claims or errors(result)
    for issue in result.issues:
        assert issue.source == path.name
    for claim in result.claims:
        assert claim.raw.splitlines()[0].startswith("HL")
        assert claim.position.startswith("transaction ")


def test_pretty_printed_bom_crlf_file_reads() -> None:
    result = read_837p(P837 / "oopfactory-x12parser__837P-5010__MedicaidExample.txt")
    assert len(result.claims) == 5
    assert not errors(result)


def test_bare_x222_label_reads_with_a_warning() -> None:
    path = P837 / "oopfactory-x12parser__837P-5010__Example1_2_And_3_Combined.txt"
    result = read_837p(path)
    assert len(result.claims) == 3
    assert any(issue.element == "GS08" for issue in result.issues)
    assert not errors(result)


def test_first_line_one_byte_short_is_a_clear_error() -> None:
    with pytest.raises(X12InputError, match="ISA02 is 9 characters") as caught:
        read_837p(P837 / "imsweb-x12-parser__837_5010__x12_bad_first_line.txt")
    assert (caught.value.segment_id, caught.value.element) == ("ISA", "ISA02")


def test_file_without_isa_is_a_clear_error() -> None:
    with pytest.raises(X12InputError, match="does not start with an ISA"):
        read_837p(P837 / "imsweb-x12-parser__837_5010__x12_no_isa_line.txt")


def test_truncated_utf16_file_is_not_zero_claims_fine() -> None:
    result = read_837p(P837 / "oopfactory-x12parser__837P-5010__UnicodeExample.txt")
    assert result.claims == []
    assert any("truncated" in message for message in errors(result))


def test_utf16_file_is_read_with_a_warning_to_send_it_as_ascii() -> None:
    result = read_837p(P837 / "oopfactory-x12parser__837P-5010__UnicodeExample.txt")
    warning = result.issues[0]
    assert (warning.severity, warning.segment_number) == ("warning", None)
    assert warning.message.startswith(
        "the file is UTF-16; it was decoded for reading, but receivers expect ASCII"
    )
    truncated = [issue for issue in result.issues if "truncated" in issue.message]
    assert [(i.segment_number, i.segment_id) for i in truncated] == [(5, "NM1")] * 3
    assert truncated[0].message.startswith(
        "the file ends before the transaction trailer (SE)"
    )


def test_utf8_file_gets_no_encoding_warning() -> None:
    result = read_837p(P837 / "uhin-x12-parser-library__test-files__837.edi")
    assert not [issue for issue in result.issues if "UTF-16" in issue.message]


def test_ambulance_loops_are_read() -> None:
    result = read_837p(P837 / (LFH + "demo.ambulance.example5.837"))
    encounter = result.claims[0].encounter
    assert encounter.ambulance_pickup is not None
    assert encounter.ambulance_pickup.city == "CARR"
    assert encounter.ambulance_dropoff is not None
    assert encounter.ambulance_dropoff.address is not None
    assert encounter.ambulance_dropoff.address.state == "WY"
    ambulance = encounter.claim.ambulance
    assert ambulance is not None
    assert ambulance.weight_pounds == Decimal("275")
    assert ambulance.distance_miles == Decimal("21")
    assert ambulance.reason_code == "A"
    assert ambulance.stretcher_purpose == "PATIENT IMOBILIZED"
    indicators = encounter.claim.condition_indicators
    assert [(c.category, c.applies, c.codes) for c in indicators] == [
        ("07", True, ["04", "06", "09"]),
        ("07", False, ["05", "07", "08"]),
    ]
    assert encounter.claim.related_causes == ["OA"]
    assert encounter.claim.accident_date == dt.date(2005, 2, 8)
    assert encounter.service_lines[0].ambulance_patient_count == Decimal(2)


def test_auto_accident_related_cause_and_state() -> None:
    result = read_837p(P837 / (LFH + "demo.autoaccident.837"))
    claim = result.claims[0].encounter.claim
    assert claim.related_causes == ["AA"]
    assert claim.accident_state == "CA"
    patient = result.claims[0].encounter.patient
    assert patient is not None and patient.property_casualty_claim_number


def test_wrong_delimiters_inside_data_are_not_repaired() -> None:
    result = read_837p(P837 / (LFH + "demo.cob.2ndary.example4.837"))
    assert result.claims[0].encounter.claim.place_of_service == "11>B>1"


@pytest.mark.parametrize(
    "path",
    [
        CORPUS
        / "other"
        / "linuxforhealth-x12__837_004010X098A1__patient-is-subscriber.837",
        *sorted((CORPUS / "837i").iterdir()),
    ],
    ids=lambda path: path.name,
)
def test_wrong_transaction_or_version_is_rejected(path: Path) -> None:
    result = read_837p(path)
    assert result.claims == []
    assert any("837P" in message for message in errors(result))


def test_835_is_rejected() -> None:
    path = next((CORPUS / "835").iterdir())
    try:
        result = read_837p(path)
    except X12InputError:
        return
    assert result.claims == []
    assert errors(result)


def test_control_numbers_and_counts_are_checked() -> None:
    result = read_837p(P837 / "imsweb-x12-parser__837_5010__x12_multiple_st.txt")
    elements = {issue.element for issue in result.issues if issue.severity == "error"}
    assert {"SE01", "GE01"} <= elements


def test_hl_parent_error_is_on_the_claim() -> None:
    result = read_837p(P837 / "imsweb-x12-parser__837_5010__x12_valid.txt")
    second = result.claims[1]
    assert any(issue.element == "HL02" for issue in second.issues)
    assert not any(issue.element == "HL02" for issue in result.claims[0].issues)


def test_segments_not_carried_are_warned_about() -> None:
    result = read_837p(P837 / (LFH + "demo.example7.837"))
    messages = [issue.message for issue in result.claims[0].issues]
    assert any("CR3" in message and "not carried" in message for message in messages)
    assert any("LQ" in message for message in messages)


def test_messages_hold_no_patient_values() -> None:
    result = read_837p(P837 / "imsweb-x12-parser__837_5010__x12_missing_elements.txt")
    everything = [*result.issues, *(i for c in result.claims for i in c.issues)]
    for issue in everything:
        assert "DOE" not in issue.message and "123456" not in issue.message


def test_several_interchange_groups_and_transactions() -> None:
    result = read_837p(P837 / "imsweb-x12-parser__837_5010__x12_multiple_gs.txt")
    assert len(result.claims) == 6


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(X12InputError, match="cannot be read"):
        read_837p(tmp_path / "absent.837")


def test_file_cut_after_a_claim_is_an_error() -> None:
    data = (P837 / "uhin-x12-parser-library__test-files__837.edi").read_bytes()
    cut = data[: data.index(b"SE*")]
    items = list(iter_837p(cut, "cut.837"))
    assert not any(hasattr(item, "encounter") for item in items)
    assert any(getattr(item, "severity", "") == "error" for item in items)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(X12InputError):
        list(iter_837p(data, "fuzz.bin"))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_claims_never_crash(data: st.DataObject) -> None:
    original = (P837 / (LFH + "demo.cob.example3.C.837")).read_bytes()
    start = data.draw(st.integers(0, len(original) - 1))
    length = data.draw(st.integers(0, 40))
    filler = data.draw(st.binary(max_size=20))
    mutated = original[:start] + filler + original[start + length :]
    with contextlib.suppress(X12InputError):
        list(iter_837p(mutated, "mutated.837"))
