"""Writer limits: claims per transaction set, the character set, determinism,
and claims written as they come."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from claimtui.model import Encounter
from claimtui.x12.writer import (
    X12WriteError,
    claim_segments,
    iter_interchange,
    write_interchange,
)
from tests.x12_helpers import HEADER, read_text, sample_encounter


def test_transaction_sets_are_cut_at_the_limit() -> None:
    encounters = [sample_encounter(n) for n in range(1, 8)]
    text = write_interchange(encounters, HEADER, claims_per_transaction=3)
    segments = text.split("~")
    assert [s for s in segments if s.startswith("ST*")] == [
        "ST*837*000070001*005010X222A1",
        "ST*837*000070002*005010X222A1",
        "ST*837*000070003*005010X222A1",
    ]
    issues, claims = read_text(text)
    assert issues == [] and len(claims) == 7


def test_5001_claims_make_two_transaction_sets() -> None:
    encounters = [sample_encounter(1)] * 5001
    text = write_interchange(encounters, HEADER)
    assert text.count("~ST*837*") == 2
    assert text.count("~CLM*") == 5001


def test_limit_above_5000_is_refused() -> None:
    with pytest.raises(X12WriteError, match="1 to 5000"):
        write_interchange([sample_encounter(1)], HEADER, claims_per_transaction=5001)


def test_accented_letter_is_refused_naming_claim_and_field() -> None:
    bad = sample_encounter(2)
    bad.subscriber.last_name = "MÜLLER"
    with pytest.raises(X12WriteError) as caught:
        write_interchange([sample_encounter(1), bad], HEADER)
    message = str(caught.value)
    assert message.startswith("claim 2 of the batch: subscriber.last_name contains")
    assert "outside the X12 character set" in message
    assert "MÜLLER" not in message
    assert caught.value.claim_index == 2


def test_control_character_is_refused() -> None:
    bad = sample_encounter(1)
    bad.claim.patient_control_number = "PCN\x07"
    with pytest.raises(X12WriteError, match=r"claim\.patient_control_number"):
        write_interchange([bad], HEADER)


def test_same_claims_give_byte_identical_output() -> None:
    first = write_interchange([sample_encounter(n) for n in range(3)], HEADER)
    again = write_interchange([sample_encounter(n) for n in range(3)], HEADER)
    assert first.encode("ascii") == again.encode("ascii")


def test_a_full_transaction_set_is_given_out_before_later_claims_are_read() -> None:
    taken: list[int] = []

    def claims() -> Iterator[Encounter]:
        for number in range(1, 8):
            taken.append(number)
            yield sample_encounter(number)

    pieces = iter_interchange(claims(), HEADER, claims_per_transaction=3)
    text = ""
    while "~SE*" not in text:
        text += next(pieces)
    assert taken == [1, 2, 3]
    assert text.count("~CLM*") == 3
    rest = "".join(pieces)
    assert text + rest == write_interchange(
        [sample_encounter(n) for n in range(1, 8)], HEADER, claims_per_transaction=3
    )


def test_a_one_shot_iterator_of_claims_is_written_like_a_list() -> None:
    listed = [sample_encounter(n) for n in range(1, 5)]
    assert write_interchange(iter(listed), HEADER) == write_interchange(listed, HEADER)


def test_the_one_claim_view_keeps_its_paths_while_a_batch_is_half_written() -> None:
    batch = [sample_encounter(1), sample_encounter(2)]
    pieces = iter_interchange(batch, HEADER, claims_per_transaction=1)
    next(pieces)
    assert next(pieces).startswith("ST*837*")
    segments = claim_segments(sample_encounter(2))
    clm = next(segment for segment in segments if segment.id == "CLM")
    assert clm.sources[0] == "claim.patient_control_number"
