"""The tokenizer takes delimiters from the ISA and nothing else."""

from __future__ import annotations

import pytest

from claimtui.x12.tokenizer import X12InputError, decode, tokenize

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*240102*1200*^*00501*000000001*0*T*:"
)


def test_delimiters_come_from_the_isa() -> None:
    delimiters, segments, terminated = tokenize(ISA + "~GS*HC~", "f.x12")
    assert (delimiters.element, delimiters.component) == ("*", ":")
    assert (delimiters.repetition, delimiters.segment) == ("^", "~")
    assert [segment.id for segment in segments] == ["ISA", "GS"]
    assert terminated


def test_repetition_u_is_not_a_separator() -> None:
    text = ISA.replace("*^*00501", "*U*00501") + "~"
    delimiters, _, _ = tokenize(text, "f.x12")
    assert delimiters.repetition == ""


def test_newline_terminator_and_indentation() -> None:
    text = "  " + ISA + "\r\n   GS*HC*A\r\n\r\n  ST*837\r\n"
    delimiters, segments, _ = tokenize(text, "f.x12")
    assert delimiters.segment == "\n"
    assert [(s.id, s.number) for s in segments] == [("ISA", 1), ("GS", 2), ("ST", 3)]
    assert segments[1].elements == ["HC", "A"]


def test_bom_is_dropped() -> None:
    assert decode(b"\xef\xbb\xbfISA").startswith("ISA")


def test_utf16_is_decoded() -> None:
    assert decode((ISA + "~").encode("utf-16-le")) == ISA + "~"


def test_short_isa_is_rejected_without_values() -> None:
    text = ISA.replace("SENDER         ", "SENDER") + "~"
    with pytest.raises(X12InputError) as caught:
        tokenize(text, "short.x12")
    message = str(caught.value)
    assert "short.x12" in message and "segment 1" in message
    assert "SENDER" not in message


def test_text_without_isa_is_rejected() -> None:
    with pytest.raises(X12InputError, match="does not start with an ISA"):
        tokenize("GS*HC*A~", "gs.x12")
