"""Importers: turn a file (837P, JSON, CSV) into encounters plus import problems.

Every importer returns the same shape, so the review layer stores encounters the same
way whatever the practice-management system wrote. The raw record of each encounter
is kept exactly as received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from claimtui.ingest.csv_rows import ENCOUNTER_ID, read_csv
from claimtui.ingest.json_records import read_json
from claimtui.model import Encounter
from claimtui.x12.reader import InputIssue, read_837p
from claimtui.x12.tokenizer import X12InputError

__all__ = ["IngestResult", "IngestedClaim", "InputIssue", "read_file"]


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


def sniff_format(data: bytes, name: str = "") -> str:
    """'json', 'csv' or '837p' (the X12 reader decides what else it is).

    A name ending in .csv, or a first line naming the ``encounter_id`` column,
    is CSV; a document starting with ``{`` or ``[`` is JSON.
    """
    if name.lower().endswith(".csv"):
        return "csv"
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "json"
    first_line = text.split(b"\n", 1)[0]
    if not text.startswith(b"ISA") and ENCOUNTER_ID.encode() in first_line:
        return "csv"
    return "837p"


def read_file(path: Path) -> IngestResult:
    """Read one file of any supported format.

    Raises:
        X12InputError: the file cannot be read as X12 at all.
        OSError: the file cannot be opened.
    """
    data = path.read_bytes()
    kind = sniff_format(data, path.name)
    if kind == "json":
        return read_json(data, path.name)
    if kind == "csv":
        return read_csv(data, path.name)
    return _read_x12(path)


def _read_x12(path: Path) -> IngestResult:
    result = read_837p(path)
    claims = [
        IngestedClaim(
            encounter=claim.encounter,
            raw=claim.raw,
            raw_format="837p",
            position=claim.position,
            issues=list(claim.issues),
        )
        for claim in result.claims
    ]
    return IngestResult(format="837p", claims=claims, issues=list(result.issues))


# Re-exported so callers can catch the reader's fatal error from one place.
FileUnreadable = X12InputError
