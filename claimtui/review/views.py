"""What the review layer hands to the console and the command line.

Plain dataclasses: no database sessions, no Textual. ``ClaimDetail`` is everything the
claim screen shows; ``ClaimRow`` is one line of a queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from claimtui.model import BuildResult, Encounter
from claimtui.x12.writer import OutSegment

Progress = Callable[[int, "int | None"], None]
"""Called as ``progress(done, total)`` while long work runs; ``total`` is None
when it is not known in advance (an import reads a file of unknown length)."""


class ReviewError(Exception):
    """A request the review layer cannot carry out; the message is safe to show."""


@dataclass(frozen=True)
class QueueInfo:
    """A queue and how many claims are in it."""

    name: str
    title: str
    count: int
    group: str = ""
    """Heading the queue list shows it under: Status, Kind, People, Severity, ..."""


@dataclass(frozen=True)
class ClaimRow:
    """One line of a queue."""

    id: int
    key: tuple[Any, ...]
    status: str
    patient_control_number: str
    patient_name: str
    payer_name: str
    claim_filing_code: str
    total_charge: Decimal
    service_date: dt.date | None
    rules: list[str]
    errors: int
    warnings: int
    flags: str
    kind: str
    assigned_to: str = ""
    """Who works the claim; empty when nobody does."""


@dataclass(frozen=True)
class StoredDecision:
    """A decision on a claim as stored, with its id for undo."""

    id: int
    kind: str
    rule_id: str
    path: str
    value: Any
    reason: str
    user: str
    at: dt.datetime


@dataclass(frozen=True)
class AuditEntry:
    """One audit event."""

    id: int
    at: dt.datetime
    user: str
    action: str
    claim_id: int | None
    detail: str


@dataclass
class ClaimDetail:
    """Everything about one claim: as received, as built, and why."""

    id: int
    status: str
    source: str
    raw: str
    raw_format: str
    received: Encounter
    encounter: Encounter
    build: BuildResult
    segments: list[OutSegment]
    segment_lines: list[str]
    changed_paths: set[str]
    decisions: list[StoredDecision]
    audit: list[AuditEntry]
    read_issues: list[dict[str, Any]] = field(default_factory=list)
    assigned_to: str = ""
    """Who works the claim; empty when nobody does."""


@dataclass
class ImportReport:
    """What importing one file did."""

    source: str
    format: str
    imported: int = 0
    held: int = 0
    duplicate: bool = False
    refused: bool = False
    repeated: int = 0
    """Claims skipped because an identical claim is already stored."""
    problems: list[str] = field(default_factory=list)


@dataclass
class ExportReport:
    """What an export wrote, or why it refused."""

    path: str
    claim_count: int
    interchange_control_number: int
    notes: list[str] = field(default_factory=list)
