"""The operations people perform on claims, shared by the console and the CLI."""

from claimtui.review.case import CaseField, CaseView, case_edit, case_view
from claimtui.review.config import Config, ConfigError, load_config
from claimtui.review.export import export_ready
from claimtui.review.views import (
    AuditEntry,
    ClaimDetail,
    ClaimRow,
    ExportReport,
    ImportReport,
    Progress,
    QueueInfo,
    ReviewError,
    StoredDecision,
)
from claimtui.review.workspace import Workspace

AuditEvent = AuditEntry

__all__ = [
    "AuditEntry",
    "AuditEvent",
    "CaseField",
    "CaseView",
    "ClaimDetail",
    "ClaimRow",
    "Config",
    "ConfigError",
    "ExportReport",
    "ImportReport",
    "Progress",
    "QueueInfo",
    "ReviewError",
    "StoredDecision",
    "Workspace",
    "case_edit",
    "case_view",
    "export_ready",
    "load_config",
]
