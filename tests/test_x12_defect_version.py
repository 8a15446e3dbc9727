"""A version label that does not match the content is an error, not a guess."""

from __future__ import annotations

from tests.x12_helpers import CORPUS, located, read_text


def _as_837p(path: str, label: str) -> str:
    text = (CORPUS / path).read_bytes().decode("latin-1")
    return text.replace(label, "005010X222A1")


def test_837i_content_labelled_837p() -> None:
    text = _as_837p(
        "837i/linuxforhealth-x12__837_005010X223A3__two-claims-single-provider.837i",
        "005010X223A3",
    )
    issues, claims = read_text(text)
    errors = [i for i in issues if i.severity == "error"]
    assert [(i.segment_id, i.element) for i in errors] == [("CL1", "")]
    assert "institutional (837I)" in errors[0].message
    assert claims == []


def test_4010_content_labelled_5010() -> None:
    text = _as_837p(
        "other/linuxforhealth-x12__837_004010X098A1__patient-is-subscriber.837",
        "004010X098A1",
    )
    issues, claims = read_text(text)
    assert located(issues) == [(5, "REF", "", "error")]
    assert "old 4010 format" in issues[0].message
    assert claims == []


def test_835_labelled_837p() -> None:
    text = _as_837p(
        "835/linuxforhealth-x12__835_005010X221A1__managed-care.835", "005010X221A1"
    ).replace("ST*835*", "ST*837*")
    text = text.replace("GS*HP*", "GS*HC*")
    issues, claims = read_text(text)
    errors = [i for i in issues if i.severity == "error"]
    assert [i.segment_id for i in errors] == ["BPR"]
    assert "remittance (835)" in errors[0].message
    assert claims == []


def test_4010_label_is_named_in_gs08() -> None:
    path = "other/linuxforhealth-x12__837_004010X098A1__patient-is-subscriber.837"
    issues, _ = read_text((CORPUS / path).read_bytes().decode("latin-1"))
    assert located(issues) == [(2, "GS", "GS08", "error"), (5, "REF", "", "error")]
    assert "old 4010 format" in issues[0].message
