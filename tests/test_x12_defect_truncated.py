"""A file cut anywhere is never "0 claims, fine": it is refused or carries an
error, and every claim read from it is held."""

from __future__ import annotations

import pytest

from claimtui.x12.reader import X12InputError
from tests.x12_helpers import read_text, sample_interchange

TEXT = sample_interchange()


@pytest.mark.parametrize("length", range(1, len(TEXT) - 1, 7))
def test_cut_at_any_point_is_an_error(length: int) -> None:
    try:
        issues, claims = read_text(TEXT[:length])
    except X12InputError:
        assert length < 106
        return
    assert any(i.severity == "error" and "truncated" in i.message for i in issues)
    for claim in claims:
        assert any("truncated" in issue.message for issue in claim.issues)


def test_cut_before_the_iea_names_the_last_segment() -> None:
    issues, claims = read_text(TEXT[: TEXT.index("IEA*")])
    errors = [i for i in issues if i.severity == "error"]
    assert [(i.segment_number, i.segment_id) for i in errors] == [(61, "GE")]
    assert "ends before the interchange trailer (IEA)" in errors[0].message
    assert len(claims) == 4
