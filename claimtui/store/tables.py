"""Database tables: imports, encounters as received, built claims, decisions, audit.

The raw encounter is stored exactly as received and never changed. A claim row holds
what the queues need to list and filter (status, payer, rules that hold it) so a
queue of 100,000 claims pages straight from an index; everything else about a claim
is rebuilt from the encounter, the rule set and the claim's decisions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Column,
    ColumnElement,
    Index,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    and_,
    false,
    func,
    literal_column,
)
from sqlmodel import Field, SQLModel


def utc_now() -> dt.datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return dt.datetime.now(dt.UTC)


class ImportBatch(SQLModel, table=True):
    """One imported file. A file's content hash is unique: importing it again adds
    nothing."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    source_name: str = Field(description="File name as given, without directories.")
    content_sha256: str = Field(index=True, unique=True)
    format: str = Field(description="837p, json or csv.")
    imported_at: dt.datetime = Field(default_factory=utc_now)
    user: str
    claim_count: int = 0
    issue_count: int = 0
    lenient: bool = False


class EncounterRecord(SQLModel, table=True):
    """An encounter exactly as received, and the model read from it."""

    __tablename__ = "encounter"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True)
    position: str = Field(description="Where in the file, e.g. transaction and claim.")
    raw_format: str
    raw: str = Field(sa_column=Column(Text, nullable=False))
    encounter_json: str = Field(sa_column=Column(Text, nullable=False))
    read_issues_json: str = Field(
        default="[]", sa_column=Column(Text, nullable=False, server_default="[]")
    )
    fingerprint: str = Field(
        default="",
        index=True,
        description="Hash of the encounter read (envelope parties left out): the "
        "same claim sent again in another file is recognised.",
    )


class ClaimRecord(SQLModel, table=True):
    """The built claim's summary: what queues list, filter and page on."""

    __tablename__ = "claim"
    __table_args__ = (UniqueConstraint("encounter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id")
    status: str = Field(index=True)
    version: int = Field(
        default=1, description="Bumped on every change; no lost update."
    )
    rule_set_version: str = Field(default="", index=True)
    built_at: dt.datetime = Field(default_factory=utc_now)
    patient_control_number: str = Field(default="", index=True)
    patient_name: str = ""
    payer_name: str = Field(default="", index=True)
    payer_id: str = Field(default="")
    claim_filing_code: str = ""
    kind: str = Field(default="", description="WC, AA, OA or empty.")
    frequency_code: str = Field(
        default="", description="CLM05-3: 1 original, 7 replacement, 8 void."
    )
    assigned_to: str = Field(
        default="", index=True, description="Who works the claim; empty: nobody."
    )
    total_charge: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(12, 2), nullable=False, index=True)
    )
    service_date: dt.date | None = Field(default=None, index=True)
    holding_rules: str = Field(default="", description="Space-separated rule ids.")
    errors: int = 0
    warnings: int = 0
    flags: str = ""
    export_batch_id: int | None = Field(default=None, foreign_key="export_batch.id")


NO_SERVICE_DATE = dt.date.min
"""Where a claim without a service date sorts: before every real date."""


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


_CLAIM = _table(ClaimRecord)

SERVICE_DATE_SORT: ColumnElement[dt.date] = func.coalesce(
    _CLAIM.c.service_date, literal_column(f"'{NO_SERVICE_DATE.isoformat()}'")
)
"""What a queue sorted by service date is ordered by: a missing date counts as
``NO_SERVICE_DATE``, so every claim has a definite place and keyset comparisons
never meet a NULL. The date is written into the SQL, not bound, so that the
expression is the indexed one (``ix_claim_status_service_date_sort``)."""

# Counts of the fixed queues and of the queue list (``c``): each is a short range
# of one index, never a scan of the claim table. They also serve the payer and
# kind queues and limits (``~p``, ``~w``, ``~x``).
Index("ix_claim_kind_status", _CLAIM.c.kind, _CLAIM.c.status)
Index("ix_claim_frequency_status", _CLAIM.c.frequency_code, _CLAIM.c.status)
Index("ix_claim_errors_status", _CLAIM.c.errors, _CLAIM.c.status)
Index("ix_claim_warnings_status", _CLAIM.c.warnings, _CLAIM.c.status)
Index("ix_claim_payer_status", _CLAIM.c.payer_id, _CLAIM.c.status)
Index("ix_claim_payer_id_name", _CLAIM.c.payer_id, _CLAIM.c.payer_name)

# Pages of a status queue (held, review, ...) in each sort order, and of any
# queue by service date.
Index(
    "ix_claim_status_control_number", _CLAIM.c.status, _CLAIM.c.patient_control_number
)
Index("ix_claim_status_payer_name", _CLAIM.c.status, _CLAIM.c.payer_name)
Index("ix_claim_status_charge", _CLAIM.c.status, _CLAIM.c.total_charge)
Index("ix_claim_service_date_sort", SERVICE_DATE_SORT)
Index("ix_claim_status_service_date_sort", _CLAIM.c.status, SERVICE_DATE_SORT)


class FindingRecord(SQLModel, table=True):
    """A finding of the claim's latest build, for queues by rule and severity."""

    __tablename__ = "finding"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    rule_id: str = Field(index=True)
    severity: str
    message: str
    path: str = ""
    exempted: bool = False


_FINDING = _table(FindingRecord)

HOLDING_FINDING: ColumnElement[bool] = and_(
    _FINDING.c.severity == literal_column("'error'"), _FINDING.c.exempted == false()
)
"""A finding that holds its claim: an error not exempted. Written with its
values in the SQL so that a query using it can read the partial index of
holding findings (``ix_finding_holding``)."""

Index(
    "ix_finding_holding",
    _FINDING.c.rule_id,
    _FINDING.c.claim_id,
    sqlite_where=HOLDING_FINDING,
    postgresql_where=HOLDING_FINDING,
)


class DecisionRecord(SQLModel, table=True):
    """A person's decision on one claim. Undoing one revokes it; nothing is deleted."""

    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    kind: str
    rule_id: str = ""
    path: str = ""
    value_json: str = "null"
    reason: str
    user: str
    at: dt.datetime = Field(default_factory=utc_now)
    revoked_at: dt.datetime | None = None
    revoked_by: str = ""
    revoke_reason: str = ""


class AuditEvent(SQLModel, table=True):
    """Append-only record of everything people and the product did to claims."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utc_now, index=True)
    user: str
    action: str = Field(index=True)
    claim_id: int | None = Field(default=None, index=True)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


class ExportBatch(SQLModel, table=True):
    """One exported interchange file."""

    __tablename__ = "export_batch"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    interchange_control_number: int = Field(unique=True)
    claim_count: int
    content_sha256: str
    exported_at: dt.datetime = Field(default_factory=utc_now)
    user: str


class ControlCounter(SQLModel, table=True):
    """Monotonic counters: interchange and group control numbers are never reused."""

    __tablename__ = "control_counter"

    name: str = Field(primary_key=True)
    value: int = 0


class ServiceLineKey(SQLModel, table=True):
    """One built service line, keyed for finding a patient's other claims.

    Duplicate (CODE-07) and frequency (CODE-08) rules compare a claim with the
    patient's earlier claims; this table answers that with one indexed query.
    The patient is a hash of member id, name and birth date, never the values.
    """

    __tablename__ = "service_line_key"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    patient_key: str = Field(index=True)
    service_date: dt.date | None = None
    procedure_code: str = ""
    modifiers: str = Field(default="", description="Space-separated modifiers.")
    provider_npi: str = Field(default="", description="Rendering, else billing NPI.")
    patient_control_number: str = ""
    frequency_code: str = ""
    charge: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(12, 2), nullable=False)
    )
    units: Decimal = Field(
        default=Decimal(1), sa_column=Column(Numeric(12, 3), nullable=False)
    )
