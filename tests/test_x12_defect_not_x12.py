"""Data that is not X12 is refused with a clear input error."""

from __future__ import annotations

import pytest

from claimtui.x12.reader import X12InputError, iter_837p


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n%binary", b"PATIENT,DOB\nDOE,19700101\n", b"\x00\x01\x02garbage"],
    ids=["pdf", "csv", "binary"],
)
def test_not_x12_is_refused_at_segment_1(data: bytes) -> None:
    with pytest.raises(X12InputError, match="not an X12 interchange") as caught:
        iter_837p(data, "upload.dat")
    assert caught.value.segment_number == 1
    assert "DOE" not in str(caught.value)


def test_empty_file_is_refused() -> None:
    with pytest.raises(X12InputError, match="the file is empty"):
        iter_837p(b" \r\n", "empty.837")
