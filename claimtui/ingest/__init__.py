"""Importers: turn a file (837P, JSON) into encounters plus import problems.

Every importer returns the same shape, so the review layer stores encounters the same
way whatever the practice-management system wrote. The raw record of each encounter
is kept exactly as received.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from claimtui.ingest.json_records import read_json
from claimtui.model import Encounter
from claimtui.x12.reader import InputIssue, ReadClaim, iter_837p_file
from claimtui.x12.tokenizer import X12InputError

__all__ = [
    "IngestResult",
    "IngestStream",
    "IngestedClaim",
    "InputIssue",
    "read_file",
    "stream_file",
]


@dataclass
class IngestedClaim:
    """One encounter read from a file, with its raw record and its own problems."""

    encounter: Encounter
    raw: str
    raw_format: str
    position: str
    issues: list[InputIssue] = field(default_factory=list)


@dataclass
class IngestResult:
    """What one file gave: its format, its encounters and file-level problems."""

    format: str
    claims: list[IngestedClaim]
    issues: list[InputIssue]

    @property
    def has_errors(self) -> bool:
        """True when a file-level problem makes the whole file untrustworthy."""
        return any(issue.severity == "error" for issue in self.issues)


def sniff_format(data: bytes) -> str:
    """'json' for a JSON document, otherwise '837p' (the X12 reader decides)."""
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if start in (b"{", b"[") else "837p"


@dataclass
class IngestStream:
    """A file being read: its format, then its problems and encounters in order.

    For 837P, problems of the envelopes come before the first encounter (see
    ``claimtui.x12.reader``); problems found while reading a transaction set
    come before its encounters.
    """

    format: str
    items: Iterator[IngestedClaim | InputIssue]


def read_file(path: Path) -> IngestResult:
    """Read one file of any supported format into memory.

    Raises:
        X12InputError: the file cannot be read as X12 at all.
        OSError: the file cannot be opened.
    """
    stream = stream_file(path)
    claims: list[IngestedClaim] = []
    issues: list[InputIssue] = []
    for item in stream.items:
        if isinstance(item, IngestedClaim):
            claims.append(item)
        else:
            issues.append(item)
    return IngestResult(format=stream.format, claims=claims, issues=issues)


def stream_file(path: Path) -> IngestStream:
    """Start reading one file of any supported format, one encounter at a time.

    Raises:
        X12InputError: the file cannot be read as X12 at all (raised here, before
            anything is read from the stream).
        OSError: the file cannot be opened.
    """
    with path.open("rb") as handle:
        head = handle.read(4096)
    if sniff_format(head) == "json":
        result = read_json(path.read_bytes(), path.name)
        return IngestStream("json", iter([*result.issues, *result.claims]))
    return IngestStream("837p", _x12_items(iter_837p_file(path)))


def _x12_items(
    items: Iterator[ReadClaim | InputIssue],
) -> Iterator[IngestedClaim | InputIssue]:
    for item in items:
        if isinstance(item, ReadClaim):
            yield IngestedClaim(
                encounter=item.encounter,
                raw=item.raw,
                raw_format="837p",
                position=item.position,
                issues=item.issues,
            )
        else:
            yield item


# Re-exported so callers can catch the reader's fatal error from one place.
FileUnreadable = X12InputError
