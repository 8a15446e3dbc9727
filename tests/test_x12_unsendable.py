"""``unsendable`` skips building a claim's segments only when nothing can be found.

``plainly_sendable`` looks at the values alone; whenever it says yes, building
the segments (``claim_segments``) must succeed and every value must fit its
element (``element_problems``), so ``unsendable`` gives the same answer, message
for message, as the full build and check on every encounter.
"""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from claimtui.model import Diagnosis, Encounter, LineAdjudication, Receiver
from claimtui.x12 import writer
from claimtui.x12.reader import ReadClaim, iter_837p_file
from claimtui.x12.writer import (
    X12WriteError,
    claim_segments,
    element_problems,
    plainly_sendable,
    unsendable,
)
from tests.conftest import CORPUS, GEN837, VALID_837P
from tests.test_x12_roundtrip_property import encounters
from tests.x12_helpers import sample_encounter


def built_reason(encounter: Encounter) -> str | None:
    """What building every segment and checking every value against its element
    says: the full check ``unsendable`` stands for."""
    try:
        segments = claim_segments(encounter)
    except X12WriteError as error:
        return str(error)
    problems = element_problems(segments)
    return problems[0].message if problems else None


def outcome(check: Callable[[Encounter], str | None], encounter: Encounter) -> str:
    """The check's answer, or the kind of error it raised."""
    try:
        return repr(check(encounter))
    except Exception as error:  # any error must be the same error
        return f"raised {type(error).__name__}"


def corpus_encounters() -> list[Encounter]:
    found = []
    for name in VALID_837P:
        for item in iter_837p_file(CORPUS / "837p" / name):
            if isinstance(item, ReadClaim):
                found.append(item.encounter)
    return found


CORPUS_ENCOUNTERS = corpus_encounters() if CORPUS.is_dir() else []

Setter = Callable[[object], None]


def text_slots(model: BaseModel) -> list[Setter]:
    """A setter for every text value under ``model``, sent by the writer or not."""
    slots: list[Setter] = []
    for name, value in model.__dict__.items():
        if type(value) is str:
            slots.append(_field_setter(model, name))
        elif isinstance(value, BaseModel):
            slots.extend(text_slots(value))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if type(item) is str:
                    slots.append(_item_setter(value, index))
                elif isinstance(item, BaseModel):
                    slots.extend(text_slots(item))
    return slots


def _field_setter(model: BaseModel, name: str) -> Setter:
    # Straight into the field, past validation: the check must hold for any text.
    return lambda value: model.__dict__.__setitem__(name, value)


def _item_setter(items: list[object], index: int) -> Setter:
    return lambda value: items.__setitem__(index, value)


ANY_TEXT = st.text(
    alphabet=st.sampled_from("AZaz09 .-/#&'()" + '*:^~|\\"\r\n\t\x00\x7fé€\u2028'),
    max_size=6,
)
"""Text with characters X12 carries and characters it refuses."""

PLAIN_TEXT = st.text(alphabet="ABCXYZ0123456789 .-/#&", max_size=6)

ODD_NUMBERS = [
    Decimal("1E+70"),
    Decimal("NaN"),
    Decimal("1E-70"),
    Decimal("123456789012345678"),  # 18 digits: SV102 takes them
    Decimal("1234567890123456789"),  # 19: one too many
    Decimal("-12345678901234567.8"),  # 18 digits with '-' and '.'
    Decimal("0.000000000000000001"),  # 19 digits as written
    Decimal("125.5000000000000000000"),  # written 125.5
]
"""Amounts at and past what an R element of 18 digits takes."""

EDGE_DATES = [dt.date(1799, 12, 31), dt.date(1800, 1, 1), dt.date(9999, 12, 31)]


def _grow(items: list[object], extra: int, filler: object) -> None:
    for _ in range(extra):
        items.append(copy.deepcopy(filler))


@st.composite
def altered_encounters(draw: st.DrawFn) -> Encounter:
    """A real or generated claim with some texts, counts and numbers changed."""
    base = draw(st.sampled_from(CORPUS_ENCOUNTERS) | encounters)
    encounter = base.model_copy(deep=True)
    slots = text_slots(encounter)
    for _ in range(draw(st.integers(0, 3))):
        setter = slots[draw(st.integers(0, len(slots) - 1))]
        setter(draw(PLAIN_TEXT | ANY_TEXT))
    claim = encounter.claim
    if draw(st.booleans()):
        _grow(claim.diagnoses, draw(st.integers(0, 13)), Diagnosis(code="R51"))
    if draw(st.booleans()):
        _grow(claim.related_causes, draw(st.integers(0, 4)), "EM")
    lines = encounter.service_lines
    if lines and draw(st.booleans()):
        line = lines[draw(st.integers(0, len(lines) - 1))]
        _grow(line.modifiers, draw(st.integers(0, 5)), "59")
        _grow(line.diagnosis_pointers, draw(st.integers(0, 5)), 1)
        if draw(st.booleans()):
            huge = draw(st.sampled_from([10**70, -(10**70), 10**5000]))
            line.diagnosis_pointers[:1] = [huge]
        if draw(st.booleans()):
            line.__dict__["charge"] = draw(st.sampled_from(ODD_NUMBERS))
        if draw(st.booleans()):
            line.__dict__["service_date"] = draw(st.sampled_from(EDGE_DATES))
        if draw(st.booleans()):
            adjudication = LineAdjudication(
                payer_id="P1", paid_amount=Decimal(1), procedure_code="99213"
            )
            _grow(adjudication.modifiers, draw(st.integers(3, 5)), "25")
            line.adjudications.append(adjudication)
        if draw(st.booleans()):
            _grow(lines, draw(st.integers(46, 50)), lines[0])
    return encounter


@settings(max_examples=300, deadline=None)
@given(altered_encounters())
def test_unsendable_agrees_with_building_every_segment(encounter: Encounter) -> None:
    expected = outcome(built_reason, encounter)
    plain = plainly_sendable(encounter)
    event("plain" if plain else "built: " + expected.split(" ")[-1])
    if plain:
        assert expected == "None"
    assert outcome(unsendable, encounter) == expected


@settings(max_examples=300, deadline=None)
@given(st.characters())
def test_one_search_refuses_the_characters_the_field_check_refuses(
    character: str,
) -> None:
    try:
        writer._check(character, "claim.note")
        refused = False
    except X12WriteError:
        refused = True
    assert (writer._UNSENDABLE.search(character) is not None) == refused


def test_every_ascii_and_latin_character_is_judged_alike() -> None:
    for code in range(0x300):
        character = chr(code)
        try:
            writer._check(character, "claim.note")
            refused = False
        except X12WriteError:
            refused = True
        assert (writer._UNSENDABLE.search(character) is not None) == refused


def test_generated_claims_are_plainly_sendable(tmp_path: Path) -> None:
    path = tmp_path / "generated.837"
    subprocess.run(
        [sys.executable, str(GEN837), "40", "--seed", "3", "-o", str(path)],
        check=True,
    )
    read = [i.encounter for i in iter_837p_file(path) if isinstance(i, ReadClaim)]
    assert len(read) == 40
    assert all(plainly_sendable(encounter) for encounter in read)


def test_a_refused_character_the_writer_never_sends_is_no_finding() -> None:
    encounter = sample_encounter(1)
    # The export header names the receiver; the encounter's own is not sent.
    encounter.receiver = Receiver(name="EXAMPLE*HOUSE", identifier="R1")
    assert not plainly_sendable(encounter)
    assert unsendable(encounter) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda e: setattr(e.subscriber, "last_name", "MÜLLER"),
            "subscriber.last_name contains a character outside the X12 character set",
        ),
        (
            lambda e: e.service_lines[0].modifiers.extend(
                ["25", "59", "76", "GT", "91"]
            ),
            "service_lines[0].modifiers has more than four modifiers",
        ),
        (
            lambda e: e.claim.related_causes.extend(["EM", "OA", "AA", "EM"]),
            "claim.related_causes has more than three causes",
        ),
    ],
)
def test_a_claim_that_is_not_plain_gets_the_writers_reason(
    change: Callable[[Encounter], None], reason: str
) -> None:
    encounter = sample_encounter(1)
    change(encounter)
    assert not plainly_sendable(encounter)
    found = unsendable(encounter)
    assert found is not None and found.startswith(reason)
    assert found == built_reason(encounter)
