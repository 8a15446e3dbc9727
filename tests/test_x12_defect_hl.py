"""HL structure errors hold the claims under the HL and are file errors too."""

from __future__ import annotations

from typing import Any

from tests.x12_helpers import read_text, sample_interchange


def _second_set(text: str, old: str, new: str) -> str:
    head, tail = text.split("ST*837*000070002", 1)
    assert tail.count(old) == 1
    return head + "ST*837*000070002" + tail.replace(old, new)


def _errors(items: list) -> list[tuple]:  # type: ignore[type-arg]
    return [(i.segment_number, i.element) for i in items if i.severity == "error"]


def test_level_without_children_followed_by_a_child() -> None:
    text = sample_interchange().replace("HL*1**20*1~", "HL*1**20*0~", 1)
    issues, claims = read_text(text)
    assert _errors(issues) == [(8, "HL04")]
    assert "says this HL has no children, but one follows" in issues[0].message
    assert [_errors(c.issues) for c in claims] == [[(8, "HL04")]] * 2 + [[], []]


def test_hl_ids_out_of_sequence() -> None:
    text = _second_set(sample_interchange(), "HL*3*1*22*0", "HL*5*1*22*0")
    issues, claims = read_text(text)
    assert _errors(issues) == [(51, "HL01")]
    assert "out of sequence" in issues[0].message
    assert [_errors(c.issues) for c in claims] == [[], [], [], [(51, "HL01")]]


def test_unknown_parent() -> None:
    text = _second_set(sample_interchange(), "HL*2*1*22*0", "HL*2*9*22*0")
    issues, claims = read_text(text)
    assert _errors(issues) == [(42, "HL02")]
    assert "names no HL of the level above" in issues[0].message
    assert [_errors(c.issues) for c in claims] == [[], [], [(42, "HL02")], []]


def _first_set_segments(text: str) -> list[Any]:
    """The segments between the first ST and its SE, as the reader makes them."""
    from claimtui.x12.tokenizer import tokenize

    _, segments, _ = tokenize(text, "defect.837")
    start = next(i for i, s in enumerate(segments) if s.id == "ST")
    end = next(i for i, s in enumerate(segments) if s.id == "SE")
    return segments[start + 1 : end]


def test_a_claim_is_handed_out_once_no_later_segment_can_change_it() -> None:
    """A claim goes as soon as the subscriber it is under closes: the next
    subscriber starts, and no child can come under the old one any more."""
    from claimtui.x12._fields import FieldReader
    from claimtui.x12._transaction import TransactionParser

    parser = TransactionParser(FieldReader("defect.837", ":"))
    handed: list[tuple[str, int]] = []
    for segment in _first_set_segments(sample_interchange()):
        parser.feed(segment)
        handed += [
            (c.data["claim"]["patient_control_number"], segment.number)
            for c in parser.settled()
        ]
    assert handed == [("PCN1", 22)]  # when HL*3 closes the first subscriber
    assert [c.data["claim"]["patient_control_number"] for c in parser.finish()] == [
        "PCN2"
    ]


def test_a_child_after_its_parents_claim_still_holds_that_claim() -> None:
    """The subscriber says it has no children, its claim is read, then a patient
    HL names it: the claim is not handed out before the child code is known."""
    text = sample_interchange().replace(
        "~HL*3*1*22*0~", "~HL*3*2*23*0~NM1*QC*1*DOE*JANE~HL*4*1*22*0~", 1
    )
    issues, claims = read_text(text)
    assert (13, "HL04") in _errors(issues)
    assert (13, "HL04") in _errors(claims[0].issues)


def test_a_child_naming_a_closed_parent_is_an_hl_error() -> None:
    """HL levels nest in file order; a patient naming a subscriber that another
    subscriber followed would be read with the wrong subscriber's data."""
    text = _second_set(sample_interchange(), "HL*3*1*22*0", "HL*3*1*22*1")
    text = _second_set(text, "CLM*PCN4", "HL*4*2*23*0~NM1*QC*1*DOE*JANE~CLM*PCN4")
    issues, claims = read_text(text)
    assert "names an HL closed earlier" in " ".join(i.message for i in issues)
    assert any(e[1] == "HL02" for e in _errors(claims[3].issues))
