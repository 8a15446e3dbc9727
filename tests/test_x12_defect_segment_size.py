"""Empty and absurdly long segments are located errors, never silently dropped."""

from __future__ import annotations

from claimtui.x12.tokenizer import MAX_SEGMENT_LENGTH
from tests.x12_helpers import located, read_text, sample_interchange


def test_empty_segment_holds_its_transaction_set() -> None:
    text = sample_interchange().replace("HI*ABK:I10~", "HI*ABK:I10~~", 1)
    issues, claims = read_text(text)
    assert located(issues) == [(19, "", "", "error")]
    assert "two segment terminators in a row" in issues[0].message
    assert [bool(claim.issues) for claim in claims] == [True, True, False, False]


def test_blank_lines_between_newline_terminated_segments_are_fine() -> None:
    text = sample_interchange().replace("~", "\n")
    text = text.replace("\nHI*", "\n\n  HI*")
    issues, claims = read_text(text)
    assert located(issues) == []
    assert len(claims) == 4


def test_overlong_segment_names_its_length_not_its_content() -> None:
    long_codes = "HI*ABK:" + "X" * MAX_SEGMENT_LENGTH
    text = sample_interchange().replace("HI*ABK:I10~", f"{long_codes}~", 1)
    issues, claims = read_text(text)
    assert located(issues) == [(18, "HI", "", "error")]
    assert f"is {MAX_SEGMENT_LENGTH + 7} characters long" in issues[0].message
    assert "XXX" not in issues[0].message
    assert [bool(claim.issues) for claim in claims] == [True, True, False, False]
