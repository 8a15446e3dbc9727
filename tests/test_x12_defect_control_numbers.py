"""Trailers whose control number differs from their header are located errors
that hold exactly the claims inside that envelope."""

from __future__ import annotations

from tests.x12_helpers import located, read_text, replace_segment, sample_interchange


def test_se02_mismatch_holds_only_its_transaction_set() -> None:
    text = replace_segment(sample_interchange(), "SE*29*000070002", "SE*29*000070009")
    issues, claims = read_text(text)
    assert located(issues) == [(60, "SE", "SE02", "error")]
    assert "does not match ST02 of the ST at segment 32" in issues[0].message
    assert "000070002" not in issues[0].message
    held = [c.encounter.claim.patient_control_number for c in claims if c.issues]
    assert held == ["PCN3", "PCN4"]


def test_ge02_mismatch_holds_every_claim_of_the_group() -> None:
    text = replace_segment(sample_interchange(), "GE*2*7", "GE*2*8")
    issues, claims = read_text(text)
    assert located(issues) == [(61, "GE", "GE02", "error")]
    assert len(claims) == 4
    assert all(claim.issues[0].element == "GE02" for claim in claims)


def test_iea02_mismatch_is_known_before_the_first_claim() -> None:
    text = replace_segment(sample_interchange(), "IEA*1*000000042", "IEA*1*000000043")
    issues, claims = read_text(text)
    assert located(issues) == [(62, "IEA", "IEA02", "error")]
    assert all(claim.issues[0].element == "IEA02" for claim in claims)
