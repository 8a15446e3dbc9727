"""A wrong SE01 is an error that holds the claims of its transaction set."""

from __future__ import annotations

from tests.x12_helpers import located, read_text, replace_segment, sample_interchange


def test_wrong_se01_names_the_count_and_its_claims() -> None:
    text = replace_segment(sample_interchange(), "SE*29*000070001", "SE*30*000070001")
    issues, claims = read_text(text)
    assert located(issues) == [(31, "SE", "SE01", "error")]
    assert "does not match the 29 this envelope holds" in issues[0].message
    touched = {c.encounter.claim.patient_control_number: c.issues for c in claims}
    assert [i.element for i in touched["PCN1"]] == ["SE01"]
    assert [i.element for i in touched["PCN2"]] == ["SE01"]
    assert touched["PCN3"] == [] and touched["PCN4"] == []


def test_wrong_ge01_counts_transaction_sets() -> None:
    text = replace_segment(sample_interchange(), "GE*2*7", "GE*1*7")
    issues, _ = read_text(text)
    assert located(issues) == [(61, "GE", "GE01", "error")]
    assert "count of transaction sets" in issues[0].message
