"""ISA11 that is a letter also found in the data is an interchange error."""

from __future__ import annotations

from tests.x12_helpers import read_text, sample_interchange


def _with_isa11(character: str) -> str:
    text = sample_interchange()
    return text[:82] + character + text[83:]


def test_letter_that_occurs_in_the_data_holds_the_interchange() -> None:
    issues, claims = read_text(_with_isa11("U"))
    assert [(i.segment_id, i.element, i.severity) for i in issues] == [
        ("ISA", "ISA11", "error")
    ]
    assert "also occurs in the data" in issues[0].message
    assert all(claim.issues[0].element == "ISA11" for claim in claims)


def test_letter_absent_from_the_data_is_a_warning() -> None:
    issues, claims = read_text(_with_isa11("Q"))
    assert [(i.element, i.severity) for i in issues] == [("ISA11", "warning")]
    assert all(claim.issues == [] for claim in claims)
