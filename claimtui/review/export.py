"""Export: ready claims as one 837P interchange, validated by pyx12 before it is kept.

Nothing is written, and no claim changes status, unless every claim is still ready
after a fresh build and pyx12 finds no error in the whole interchange. Control
numbers come from the database and are never reused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from pathlib import Path

import platformdirs
from sqlmodel import Session, col, select

from claimtui.model import ClaimStatus, Encounter, Receiver, Submitter
from claimtui.model.encounter import Contact
from claimtui.review import claims as claim_ops
from claimtui.review.views import ExportReport, ReviewError
from claimtui.review.workspace import Workspace
from claimtui.store import AuditEvent, ClaimRecord, ControlCounter, ExportBatch
from claimtui.x12.validate import validate_interchange
from claimtui.x12.writer import InterchangeHeader, X12WriteError, write_interchange

log = logging.getLogger(__name__)


def _next_number(session: Session, name: str) -> int:
    counter = session.get(ControlCounter, name)
    if counter is None:
        counter = ControlCounter(name=name, value=0)
    counter.value += 1
    session.add(counter)
    session.flush()
    return counter.value


def _header(
    workspace: Workspace, first: Encounter, interchange: int, group: int
) -> InterchangeHeader:
    config = workspace.config
    submitter = first.submitter or Submitter()
    receiver = first.receiver or Receiver()
    if config.submitter.name or config.submitter.identifier:
        submitter = Submitter(
            name=config.submitter.name,
            identifier=config.submitter.identifier,
            contact=Contact(
                name=config.submitter.contact_name, phone=config.submitter.phone
            ),
        )
    if config.receiver.name or config.receiver.identifier:
        receiver = Receiver(
            name=config.receiver.name, identifier=config.receiver.identifier
        )
    sender_id = config.interchange.sender_id or submitter.identifier
    receiver_id = config.interchange.receiver_id or receiver.identifier
    if not sender_id or not receiver_id:
        raise ReviewError(
            "the interchange sender and receiver ids are unknown; set "
            "[interchange] sender_id and receiver_id in the config file"
        )
    return InterchangeHeader(
        sender_id=sender_id[:15],
        receiver_id=receiver_id[:15],
        sender_qualifier=config.interchange.sender_qualifier,
        receiver_qualifier=config.interchange.receiver_qualifier,
        interchange_control_number=interchange,
        group_control_number=group,
        usage_indicator=config.interchange.usage,
        created=dt.datetime.now(dt.UTC).replace(microsecond=0),
        submitter=submitter,
        receiver=receiver,
    )


def default_export_path(day: dt.date) -> Path:
    """A new file in the user's export folder for ``day``, never an existing one.

    The folder is created owner-only: exported files hold patient data.
    """
    folder = Path(platformdirs.user_data_dir("claimtui")) / "exports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    number = 1
    while (path := folder / f"claims-{day:%Y%m%d}-{number}.837").exists():
        number += 1
    return path


def check_destination(out: Path) -> None:
    """Refuse an export path that would fail or overwrite an earlier batch.

    Raises:
        ReviewError: the path is a folder, its folder does not exist, or a file is
            already there (an earlier batch may not have been sent yet).
    """
    if out.is_dir():
        raise ReviewError(f"{out} is a folder; give a file name, e.g. {out}/batch.837")
    if not out.parent.is_dir():
        raise ReviewError(f"{out.parent} does not exist; create it or choose another")
    if out.exists():
        raise ReviewError(
            f"{out} already exists and may be a batch not yet sent; choose a new "
            "file name"
        )


def _claims_at(text: str, segment_numbers: set[int]) -> list[str]:
    """The CLM01 of the claims that hold the given segment numbers."""
    current = ""
    found: list[str] = []
    for number, segment in enumerate(text.split("~"), start=1):
        if segment.startswith("CLM*"):
            current = segment.split("*")[1]
        elif segment.startswith(("HL*", "SE*")):
            current = ""
        if number in segment_numbers and current and current not in found:
            found.append(current)
    return found


def _write_private(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii", newline="") as handle:
        handle.write(text)
    os.replace(partial, path)


def export_ready(workspace: Workspace, out: Path) -> ExportReport:
    """Write every ready claim to ``out`` as one validated interchange.

    Raises:
        ReviewError: no claim is ready, an id is missing, or pyx12 found errors
            (the message lists them); nothing is written then.
    """
    check_destination(out)
    with Session(workspace.engine) as session:
        statement = (
            select(ClaimRecord)
            .where(ClaimRecord.status == ClaimStatus.READY.value)
            .order_by(col(ClaimRecord.id))
        )
        ready: list[tuple[ClaimRecord, Encounter]] = []
        notes: list[str] = []
        for claim in session.exec(statement).all():
            _, result, _ = claim_ops.rebuild(
                session, claim, workspace.rule_set, workspace.today
            )
            if claim.status == ClaimStatus.READY.value:
                ready.append((claim, result.encounter))
            else:
                notes.append(f"claim {claim.id} is no longer ready: {claim.status}")
        if not ready:
            session.commit()
            raise ReviewError("; ".join(["no claim is ready to export", *notes]))
        interchange = _next_number(session, "interchange")
        group = _next_number(session, "group")
        header = _header(workspace, ready[0][1], interchange, group)
        try:
            text = write_interchange([encounter for _, encounter in ready], header)
        except X12WriteError as error:
            session.rollback()
            claim = ready[(error.claim_index or 1) - 1][0]
            where = f"claim {claim.id}" if error.claim_index else "the batch"
            raise ReviewError(
                f"export refused: {where} cannot be written as X12 "
                f"({str(error).split(': ', 1)[-1]}); nothing was written"
            ) from None
        report = validate_interchange(text)
        if not report.ok:
            session.rollback()
            lines = [
                f"segment {finding.segment_number} {finding.segment_id}"
                f"{' ' + finding.element if finding.element else ''}: "
                f"{finding.message}"
                for finding in report.findings[:20]
            ]
            numbers = {f.segment_number for f in report.findings if f.segment_number}
            culprits = _claims_at(text, numbers)
            named = f" in claims {', '.join(culprits)}" if culprits else ""
            raise ReviewError(
                f"export refused: pyx12 found errors{named}; nothing was written. "
                "Fix or park those claims and export again.\n" + "\n".join(lines)
            )
        digest = hashlib.sha256(text.encode("ascii")).hexdigest()
        batch = ExportBatch(
            file_name=out.name,
            interchange_control_number=interchange,
            claim_count=len(ready),
            content_sha256=digest,
            user=workspace.user,
        )
        session.add(batch)
        session.flush()
        for claim, _ in ready:
            claim.status = ClaimStatus.EXPORTED.value
            claim.export_batch_id = batch.id
            session.add(claim)
            session.add(
                AuditEvent(
                    user=workspace.user,
                    action="export",
                    claim_id=claim.id,
                    detail=json.dumps({"batch": batch.id, "file": out.name}),
                )
            )
        _write_private(out, text)
        session.commit()
    log.info("exported %s claims as interchange %s", len(ready), interchange)
    if header.usage_indicator == "T":
        notes.append(
            'marked as test data (ISA15 T); set usage = "P" under [interchange] '
            "in the config file to send production claims"
        )
    return ExportReport(
        path=str(out),
        claim_count=len(ready),
        interchange_control_number=interchange,
        notes=notes + report.notes,
    )
