"""Storage: SQLModel tables and the database connection (SQLite or PostgreSQL)."""

from claimtui.store.database import (
    DATABASE_ENV,
    StoreError,
    default_database_path,
    open_engine,
    resolve_database_url,
)
from claimtui.store.tables import (
    AuditEvent,
    ClaimRecord,
    ControlCounter,
    DecisionRecord,
    EncounterRecord,
    ExportBatch,
    FindingRecord,
    ImportBatch,
    ServiceLineKey,
    utc_now,
)

__all__ = [
    "DATABASE_ENV",
    "AuditEvent",
    "ClaimRecord",
    "ControlCounter",
    "DecisionRecord",
    "EncounterRecord",
    "ExportBatch",
    "FindingRecord",
    "ImportBatch",
    "ServiceLineKey",
    "StoreError",
    "default_database_path",
    "open_engine",
    "resolve_database_url",
    "utc_now",
]
