"""HL structure errors hold the claims under the HL and are file errors too."""

from __future__ import annotations

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
