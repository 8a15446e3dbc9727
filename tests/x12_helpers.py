"""Helpers shared by the X12 tests: a fixed interchange header and comparisons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from claimtui.model import Contact, Encounter, Receiver, Submitter
from claimtui.x12.writer import InterchangeHeader

CORPUS = Path(__file__).parents[1] / ".." / "shared" / "corpus"
"""The public X12 corpus, a sibling folder of the repository."""

HEADER = InterchangeHeader(
    sender_id="CLAIMTUI",
    receiver_id="CLEARINGHOUSE",
    interchange_control_number=42,
    group_control_number=7,
    created=dt.datetime(2024, 5, 6, 7, 8),
    usage_indicator="T",
    submitter=Submitter(
        name="EXAMPLE BILLING",
        identifier="SUB001",
        contact=Contact(name="DESK", phone="5555550100"),
    ),
    receiver=Receiver(name="EXAMPLE CLEARINGHOUSE", identifier="RCV001"),
)


def without_parties(encounter: Encounter) -> Encounter:
    """The encounter minus submitter and receiver, which come from the header."""
    return encounter.model_copy(update={"submitter": None, "receiver": None})
