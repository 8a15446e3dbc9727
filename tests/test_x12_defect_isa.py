"""A short or unpadded ISA is refused, naming the field, never its value."""

from __future__ import annotations

import pytest

from claimtui.x12.reader import X12InputError
from tests.x12_helpers import read_text, sample_interchange


def test_unpadded_sender_id_names_isa06() -> None:
    text = sample_interchange().replace("*CLAIMTUI       *", "*CLAIMTUI*", 1)
    with pytest.raises(X12InputError) as caught:
        read_text(text)
    error = caught.value
    assert (error.segment_number, error.segment_id, error.element) == (
        1,
        "ISA",
        "ISA06",
    )
    assert "ISA06 is 8 characters long" in str(error)
    assert "exactly 15" in str(error)
    assert "pad every ISA field" in str(error)
    assert "CLAIMTUI" not in str(error)


def test_file_cut_inside_the_isa_is_refused() -> None:
    with pytest.raises(X12InputError, match="ends inside the ISA segment") as caught:
        read_text(sample_interchange()[:80])
    assert caught.value.segment_id == "ISA"
