"""Building a stored claim and saving what the queues need from the build.

A claim is a pure function of its encounter as received, the rule set and its
decisions, so every rebuild goes through ``rebuild``: it reads those three, runs the
engine and rewrites the claim's summary row and findings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, delete, select

from claimtui.engine import RuleSet, build_claim
from claimtui.model import (
    BuildResult,
    ClaimStatus,
    Decision,
    Encounter,
    Finding,
    RuleTrace,
    Severity,
)
from claimtui.review.history import history_facts, save_line_keys
from claimtui.store import ClaimRecord, DecisionRecord, EncounterRecord, FindingRecord
from claimtui.x12.reader import InputIssue
from claimtui.x12.writer import write_problems

READ_RULE_ID = "READ"
"""Rule id of findings that come from reading the file, not from a rule."""

_KEEP_STATUS = {ClaimStatus.PARKED.value, ClaimStatus.EXPORTED.value}

BUILD_KINDS = frozenset({"exempt", "override", "edit"})
"""Decision kinds the engine applies; ``approve`` only moves a built claim on."""


def claim_kind(encounter: Encounter) -> str:
    """WC, AA (auto accident or auto medical), OA (other accident) or empty."""
    if encounter.is_workers_comp:
        return "WC"
    if encounter.is_auto_accident or encounter.subscriber.claim_filing_code == "AM":
        return "AA"
    if "OA" in encounter.claim.related_causes:
        return "OA"
    return ""


def active_decisions(session: Session, claim_id: int) -> list[DecisionRecord]:
    """The claim's decisions that have not been undone, oldest first."""
    statement = (
        select(DecisionRecord)
        .where(DecisionRecord.claim_id == claim_id)
        .where(col(DecisionRecord.revoked_at).is_(None))
        .order_by(col(DecisionRecord.id))
    )
    return list(session.exec(statement))


def to_decision(record: DecisionRecord) -> Decision:
    """The model form of a stored decision, as the engine takes it."""
    return Decision(
        kind=record.kind,
        rule_id=record.rule_id,
        path=record.path,
        value=json.loads(record.value_json),
        reason=record.reason,
        user=record.user,
        at=record.at,
    )


def read_findings(issues_json: str, exempted: bool) -> list[Finding]:
    """Findings for problems met while reading the claim's record.

    Errors hold the claim until a person exempts them (rule id ``READ``), as with
    any rule.
    """
    findings = []
    for issue in json.loads(issues_json):
        severity = Severity.ERROR if issue["severity"] == "error" else Severity.WARNING
        segment = issue.get("segment_id", "")
        findings.append(
            Finding(
                rule_id=READ_RULE_ID,
                severity=severity,
                message=issue["message"],
                segment=segment,
                exempted=exempted,
            )
        )
    return findings


def issues_json(issues: list[InputIssue]) -> str:
    """Serialise read issues for storage with the encounter."""
    return json.dumps(
        [
            {
                "segment_number": issue.segment_number,
                "segment_id": issue.segment_id,
                "element": issue.element,
                "message": issue.message,
                "severity": issue.severity,
            }
            for issue in issues
        ]
    )


def _read_trace(
    findings: list[Finding], decisions: Sequence[Decision], exempted: bool
) -> RuleTrace:
    """A trace entry for reading problems, so they can be seen and exempted."""
    detail = ""
    if exempted:
        decision = next(d for d in decisions if d.rule_id == READ_RULE_ID)
        detail = f"exempted by {decision.user}: {decision.reason}"
    return RuleTrace(
        rule_id=READ_RULE_ID,
        title="Problems met reading the claim's file",
        outcome="exempted" if exempted else "fired",
        detail=detail,
        findings=findings,
    )


def build_stored(
    session: Session,
    claim: ClaimRecord,
    rule_set: RuleSet,
    today: dt.date | None,
    extra: Sequence[Decision] = (),
) -> tuple[Encounter, BuildResult, list[DecisionRecord]]:
    """Build a stored claim from its encounter, the rule set and its decisions.

    ``extra`` decisions are applied after the stored ones, as a preview of
    decisions not yet made.
    """
    record = session.get(EncounterRecord, claim.encounter_id)
    if record is None:
        raise LookupError(f"claim {claim.id} has no stored encounter")
    received = Encounter.model_validate_json(record.encounter_json)
    assert claim.id is not None
    decisions = active_decisions(session, claim.id)
    applied = [to_decision(d) for d in decisions if d.kind in BUILD_KINDS]
    applied.extend(extra)
    facts = history_facts(session, claim.id, received)
    facts["read_errors"] = read_error_count(record.read_issues_json)
    result = build_claim(received, rule_set, applied, today=today, facts=facts)
    add_read_findings(result, record.read_issues_json, applied)
    add_write_findings(result)
    return received, result, decisions


def read_error_count(issues_json: str) -> int:
    """How many errors reading the claim met (``facts.read_errors``)."""
    return sum(1 for issue in json.loads(issues_json) if issue["severity"] == "error")


WRITE_RULE_ID = "X12"
"""Rule id of the finding for a claim whose values cannot be written as X12."""


def add_write_findings(result: BuildResult) -> None:
    """Hold a claim with a value that cannot be sent as X12, one finding each.

    Whatever put the value there (the file, an edit, an override, a rule's
    set action), the finding names the field and, for a value its element
    cannot carry (a three-character modifier, a 20-digit amount), the element
    and what it takes. Exempting it does not help (pyx12 would refuse the
    batch), so the message says to correct the value.
    """
    for problem in write_problems(result.encounter):
        result.findings.append(
            Finding(
                rule_id=WRITE_RULE_ID,
                severity=Severity.ERROR,
                message=problem.message,
                path=problem.path,
                segment=problem.location,
            )
        )


def add_read_findings(
    result: BuildResult, issues_json: str, applied: Sequence[Decision]
) -> None:
    """Add the problems met reading the claim to its build, as rule READ."""
    read_exempted = any(
        d.kind == "exempt" and d.rule_id == READ_RULE_ID for d in applied
    )
    found = read_findings(issues_json, read_exempted)
    if found:
        result.findings.extend(found)
        result.traces.insert(0, _read_trace(found, applied, read_exempted))


def is_approved(decisions: Sequence[DecisionRecord]) -> bool:
    """True when a person released the claim (an active ``approve`` decision)."""
    return any(decision.kind == "approve" for decision in decisions)


def released_status(built: ClaimStatus, approved: bool) -> str:
    """The status a build gives, after a person's approval.

    Approval releases a claim that only has warnings; errors still hold it.
    """
    if approved and built is ClaimStatus.REVIEW:
        return ClaimStatus.READY.value
    return built.value


def _flags(result: BuildResult, decisions: list[DecisionRecord], status: str) -> str:
    flags = ""
    if result.holding_findings:
        flags += "!"
    if status == ClaimStatus.READY.value and is_approved(decisions):
        flags += "A"
    if any(d.kind == "exempt" for d in decisions):
        flags += "E"
    if any(d.kind == "override" for d in decisions):
        flags += "O"
    if any(d.kind == "edit" for d in decisions):
        flags += "D"
    if status == ClaimStatus.PARKED.value:
        flags += "P"
    return flags


def save_build(
    session: Session,
    claim: ClaimRecord,
    result: BuildResult,
    decisions: list[DecisionRecord],
) -> None:
    """Write the build's summary and findings to the claim's rows."""
    summarize(claim, result, decisions)
    session.add(claim)
    session.flush()
    assert claim.id is not None
    session.exec(delete(FindingRecord).where(col(FindingRecord.claim_id) == claim.id))
    session.add_all(finding_records(claim.id, result))
    save_line_keys(session, claim.id, result.encounter)


def summarize(
    claim: ClaimRecord, result: BuildResult, decisions: list[DecisionRecord]
) -> None:
    """Set the claim row's summary (status, counts, queue columns) from a build."""
    status = claim.status
    if status not in _KEEP_STATUS:
        status = released_status(result.status, is_approved(decisions))
    for name, value in summary_values(result, decisions, status).items():
        setattr(claim, name, value)
    claim.version += 1


SUMMARY_COLUMNS = (
    "status",
    "holding_rules",
    "errors",
    "warnings",
    "flags",
    "rule_set_version",
    "patient_control_number",
    "patient_name",
    "payer_name",
    "payer_id",
    "claim_filing_code",
    "kind",
    "frequency_code",
    "total_charge",
    "service_date",
)
"""The claim columns a build sets (``summary_values``)."""


def summary_values(
    result: BuildResult, decisions: list[DecisionRecord], status: str
) -> dict[str, Any]:
    """The claim row's summary columns for a build that leaves it in ``status``."""
    encounter = result.encounter
    holding = result.holding_findings
    return {
        "status": status,
        "holding_rules": " ".join(sorted({finding.rule_id for finding in holding})),
        "errors": len(holding),
        "warnings": sum(
            1
            for finding in result.findings
            if finding.severity is Severity.WARNING and not finding.exempted
        ),
        "flags": _flags(result, decisions, status),
        "rule_set_version": result.rule_set_version,
        "patient_control_number": encounter.claim.patient_control_number,
        "patient_name": encounter.patient_name,
        "payer_name": encounter.payer.name,
        "payer_id": encounter.payer.payer_id,
        "claim_filing_code": encounter.subscriber.claim_filing_code,
        "kind": claim_kind(encounter),
        "frequency_code": encounter.claim.frequency_code,
        "total_charge": encounter.claim.total_charge,
        "service_date": encounter.first_service_date,
    }


def finding_records(claim_id: int, result: BuildResult) -> list[FindingRecord]:
    """The rows that list a build's findings for the queues."""
    return [FindingRecord(**row) for row in finding_rows(claim_id, result)]


def finding_rows(claim_id: int, result: BuildResult) -> list[dict[str, Any]]:
    """A build's findings as column values, for inserting many at once."""
    return [
        {
            "claim_id": claim_id,
            "rule_id": finding.rule_id,
            "severity": finding.severity.value,
            "message": finding.message,
            "path": finding.path,
            "exempted": finding.exempted,
        }
        for finding in result.findings
    ]


def rebuild(
    session: Session, claim: ClaimRecord, rule_set: RuleSet, today: dt.date | None
) -> tuple[Encounter, BuildResult, list[DecisionRecord]]:
    """Rebuild one stored claim and save the outcome; returns what was built."""
    received, result, decisions = build_stored(session, claim, rule_set, today)
    save_build(session, claim, result, decisions)
    return received, result, decisions


def json_value(value: Any) -> str:
    """A decision's value as stored: JSON, with dates and decimals as text."""
    return json.dumps(value, default=str)
