"""Export: ready claims as one 837P interchange, validated by pyx12 before it is kept.

Nothing is written, and no claim changes status, unless every claim is still ready
after a fresh build and pyx12 finds no error in the whole interchange. Control
numbers come from the database and are never reused. Claims stream from the
database through the writer into a private file and pyx12 reads that file back,
so memory stays flat however many claims are ready.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import platformdirs
from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from claimtui.model import ClaimStatus, Encounter, Receiver, Submitter
from claimtui.model.encounter import Contact
from claimtui.review import claims as claim_ops
from claimtui.review.views import ExportReport, Progress, ReviewError
from claimtui.review.workspace import Workspace
from claimtui.store import (
    AuditEvent,
    ClaimRecord,
    ControlCounter,
    ExportBatch,
    utc_now,
)
from claimtui.x12.validate import ValidationReport, validate_file
from claimtui.x12.writer import InterchangeHeader, X12WriteError, iter_interchange

log = logging.getLogger(__name__)

_CHUNK = 500
"""Claims rebuilt, and marked exported, per round trip to the database."""
_READ_SIZE = 1 << 20


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


def _segments(path: Path) -> Iterator[str]:
    """The file's segments in order, read a piece at a time."""
    with path.open(encoding="ascii", newline="") as stream:
        rest = ""
        while chunk := stream.read(_READ_SIZE):
            pieces = (rest + chunk).split("~")
            rest = pieces.pop()
            yield from pieces
        yield rest


def _claims_at(path: Path, segment_numbers: set[int]) -> list[str]:
    """The CLM01 of the claims that hold the given segment numbers."""
    current = ""
    found: list[str] = []
    for number, segment in enumerate(_segments(path), start=1):
        if segment.startswith("CLM*"):
            current = segment.split("*")[1]
        elif segment.startswith(("HL*", "SE*")):
            current = ""
        if number in segment_numbers and current and current not in found:
            found.append(current)
    return found


def _ready_ids(session: Session) -> list[int]:
    statement = (
        select(ClaimRecord.id)
        .where(ClaimRecord.status == ClaimStatus.READY.value)
        .order_by(col(ClaimRecord.id))
    )
    return [claim_id for claim_id in session.exec(statement) if claim_id is not None]


def _still_ready(
    session: Session,
    workspace: Workspace,
    ids: list[int],
    kept: list[int],
    notes: list[str],
    progress: Progress | None = None,
) -> Iterator[Encounter]:
    """Rebuild the claims a chunk at a time and give those still ready.

    The id of each claim given is appended to ``kept``, so the n-th encounter
    written is claim ``kept[n - 1]``. Rows are let go after each chunk, which
    keeps memory flat however many claims are exported. Once a chunk has been
    taken (written), ``progress(claims written, claims ready)`` is called.
    """
    for start in range(0, len(ids), _CHUNK):
        statement = (
            select(ClaimRecord)
            .where(col(ClaimRecord.id).in_(ids[start : start + _CHUNK]))
            .order_by(col(ClaimRecord.id))
        )
        for claim in session.exec(statement).all():
            _, result, _ = claim_ops.rebuild(
                session, claim, workspace.rule_set, workspace.today
            )
            assert claim.id is not None
            if claim.status == ClaimStatus.READY.value:
                kept.append(claim.id)
                yield result.encounter
            else:
                notes.append(f"claim {claim.id} is no longer ready: {claim.status}")
        session.flush()
        session.expunge_all()
        if progress is not None:
            progress(len(kept), len(ids))


def _private_file(out: Path) -> Path:
    """A new empty file beside ``out`` that only its owner can read (0600)."""
    descriptor, name = tempfile.mkstemp(
        prefix=f".{out.name}.", suffix=".partial", dir=out.parent
    )
    os.close(descriptor)
    return Path(name)


def _write(
    partial: Path,
    encounters: Iterator[Encounter],
    header: InterchangeHeader,
    one_billing_provider_per_transaction: bool = False,
) -> str:
    """Write the interchange to ``partial``; returns its SHA-256 hex digest."""
    digest = hashlib.sha256()
    pieces = iter_interchange(
        encounters,
        header,
        one_billing_provider_per_transaction=one_billing_provider_per_transaction,
    )
    with partial.open("w", encoding="ascii", newline="") as stream:
        for piece in pieces:
            stream.write(piece)
            digest.update(piece.encode("ascii"))
    return digest.hexdigest()


def _write_refusal(error: X12WriteError, kept: list[int]) -> ReviewError:
    where = f"claim {kept[error.claim_index - 1]}" if error.claim_index else ""
    return ReviewError(
        f"export refused: {where or 'the batch'} cannot be written as X12 "
        f"({str(error).split(': ', 1)[-1]}); nothing was written"
    )


def _validation_refusal(report: ValidationReport, partial: Path) -> ReviewError:
    lines = [
        f"segment {finding.segment_number} {finding.segment_id}"
        f"{' ' + finding.element if finding.element else ''}: "
        f"{finding.message}"
        for finding in report.findings[:20]
    ]
    numbers = {f.segment_number for f in report.findings if f.segment_number}
    culprits = _claims_at(partial, numbers)
    named = f" in claims {', '.join(culprits)}" if culprits else ""
    return ReviewError(
        f"export refused: pyx12 found errors{named}; nothing was written. "
        "Fix or park those claims and export again.\n" + "\n".join(lines)
    )


def _mark_exported(
    session: Session,
    workspace: Workspace,
    batch: ExportBatch,
    kept: list[int],
) -> None:
    """Record the batch, and each claim in it as exported with an audit event."""
    session.add(batch)
    session.flush()
    detail = json.dumps({"batch": batch.id, "file": batch.file_name})
    now = utc_now()
    for start in range(0, len(kept), _CHUNK):
        chunk = kept[start : start + _CHUNK]
        session.exec(
            update(ClaimRecord)
            .where(col(ClaimRecord.id).in_(chunk))
            .values(status=ClaimStatus.EXPORTED.value, export_batch_id=batch.id)
        )
        events = [
            {
                "at": now,
                "user": workspace.user,
                "action": "export",
                "claim_id": claim_id,
                "detail": detail,
            }
            for claim_id in chunk
        ]
        session.execute(insert(AuditEvent), events)


def export_ready(
    workspace: Workspace, out: Path, progress: Progress | None = None
) -> ExportReport:
    """Write every ready claim to ``out`` as one validated interchange.

    ``progress(claims written, claims ready)`` is called after each chunk.

    Claims are rebuilt and written a chunk at a time into a private file beside
    ``out``, which pyx12 then reads; the file takes the name ``out`` only once
    pyx12 found no error and the claims are stored as exported.

    Raises:
        ReviewError: no claim is ready, an id is missing, a claim cannot be
            written, or pyx12 found errors (the message lists them and names
            the claims); nothing is written then.
    """
    check_destination(out)
    kept: list[int] = []
    notes: list[str] = []
    with Session(workspace.engine) as session:
        ids = _ready_ids(session)
        ready = _still_ready(session, workspace, ids, kept, notes, progress)
        first = next(ready, None)
        if first is None:
            session.commit()
            raise ReviewError("; ".join(["no claim is ready to export", *notes]))
        interchange = _next_number(session, "interchange")
        group = _next_number(session, "group")
        header = _header(workspace, first, interchange, group)
        config = workspace.config.interchange
        partial = _private_file(out)
        try:
            try:
                split = config.one_billing_provider_per_transaction
                digest = _write(partial, itertools.chain([first], ready), header, split)
            except X12WriteError as error:
                raise _write_refusal(error, kept) from None
            report = validate_file(partial)
            if not report.ok:
                raise _validation_refusal(report, partial)
            batch = ExportBatch(
                file_name=out.name,
                interchange_control_number=interchange,
                claim_count=len(kept),
                content_sha256=digest,
                user=workspace.user,
            )
            _mark_exported(session, workspace, batch, kept)
            # Checked again: a file may have appeared there while pyx12 ran.
            check_destination(out)
            session.commit()
            os.replace(partial, out)
        except BaseException:
            session.rollback()
            raise
        finally:
            partial.unlink(missing_ok=True)
    log.info("exported %s claims as interchange %s", len(kept), interchange)
    if workspace.config.interchange.one_billing_provider_per_transaction:
        notes.append(
            "written with one billing provider (2000A) per transaction set "
            "(ST-SE), as [interchange] one_billing_provider_per_transaction asks"
        )
    if header.usage_indicator == "T":
        notes.append(
            'marked as test data (ISA15 T); set usage = "P" under [interchange] '
            "in the config file to send production claims"
        )
    return ExportReport(
        path=str(out),
        claim_count=len(kept),
        interchange_control_number=interchange,
        notes=notes + report.notes,
    )
