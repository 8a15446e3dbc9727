"""The operations people perform on claims, for the console and the command line.

``Workspace`` is the one door to stored claims: import, list, show, exempt, override,
undo, export. Each operation runs in one transaction and writes an audit event, and
each returns plain views (see ``views``) that the console and the command line show
as they are.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, bindparam, func, insert, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel, col, select

from claimtui.engine import RuleSet, load_rule_set, shipped_rules_dir
from claimtui.ingest import IngestedClaim, IngestStream, stream_file
from claimtui.model import BuildResult, ClaimStatus, Encounter, PathError, set_path
from claimtui.review import claims as claim_ops
from claimtui.review import queues, search
from claimtui.review.case import CaseView, case_view, with_edits
from claimtui.review.config import Config, load_config
from claimtui.review.history import ChunkHistory, line_key_rows, patient_key
from claimtui.review.limits import pattern_filter
from claimtui.review.parallel import (
    Batch,
    BuildJob,
    BuildPool,
    BuiltClaim,
    build_new,
    can_fork,
    collector_paused,
    held,
    worker_count,
)
from claimtui.review.placement import path_related
from claimtui.review.staging import StagedAction, as_decisions, previewed_status
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
from claimtui.store import (
    AuditEvent,
    ClaimRecord,
    DecisionRecord,
    EncounterRecord,
    FindingRecord,
    ImportBatch,
    ServiceLineKey,
    open_engine,
    utc_now,
)
from claimtui.store.bulk import insert_rows
from claimtui.x12.tokenizer import X12InputError
from claimtui.x12.writer import (
    X12WriteError,
    claim_segments,
    render_segment,
    write_problems,
)

log = logging.getLogger(__name__)


class Workspace:
    """Stored claims, the active rule set and the person working on them."""

    END = queues.END
    """Pass as ``before`` to ``claim_rows`` for the last page of a queue."""

    def __init__(
        self,
        engine: Engine,
        rule_set: RuleSet,
        user: str,
        config: Config,
        today: dt.date | None = None,
    ) -> None:
        self.engine = engine
        self.rule_set = rule_set
        self.user = user
        self.config = config
        self.today = today

    @classmethod
    def open(
        cls,
        database_url: str | None = None,
        *,
        rules_dirs: Sequence[Path] = (),
        user: str | None = None,
        config: Config | None = None,
        today: dt.date | None = None,
    ) -> Workspace:
        """Open the database and load the rule layers: shipped, config, given.

        Raises:
            StoreError: the database cannot be opened.
            ConfigError: the config file is broken.
        """
        config = config if config is not None else load_config()
        layers = [shipped_rules_dir(), *config.rules, *rules_dirs]
        rule_set = load_rule_set(layers)
        for error in rule_set.errors:
            log.warning("rule file problem: %s", error)
        person = user or config.user or getpass.getuser()
        return cls(open_engine(database_url), rule_set, person, config, today)

    def stale_count(self) -> int:
        """Claims last built with another rule set (exported ones stay as sent)."""
        with Session(self.engine) as session:
            return queues.stale_count(session, self.rule_set.version)

    def rebuild_stale(self, chunk: int = 500) -> int:
        """Rebuild every claim built with another rule set; returns how many.

        Queues list stored statuses, so after a rule change they would show claims
        as the old rules left them until each is opened. Each chunk is committed
        on its own, so an interrupted rebuild keeps what it did.
        """
        done = 0
        while True:
            with Session(self.engine) as session:
                stale = queues.stale_claims(session, self.rule_set.version, chunk)
                for claim in stale:
                    claim_ops.rebuild(session, claim, self.rule_set, self.today)
                session.commit()
            done += len(stale)
            if len(stale) < chunk:
                break
        if done:
            log.info("rebuilt %s claims for rule set %s", done, self.rule_set.version)
        return done

    # Queues -----------------------------------------------------------------

    def queues(self) -> list[QueueInfo]:
        """Every queue with its count, grouped: status, kind, people, severity,
        rule, payer."""
        mine = self._queue("mine")
        names = [*queues.FIXED_QUEUES, mine, *queues.SEVERITY_QUEUES]
        with Session(self.engine) as session:
            counted = queues.counts(session, names)
            return [
                *queues.fixed_queue_counts(session, counted),
                QueueInfo(
                    name="mine",
                    title=f"Assigned to me ({self.user})",
                    count=counted[mine],
                    group="People",
                ),
                *queues.severity_queue_counts(session, counted),
                *queues.rule_queue_counts(session),
                *queues.payer_queue_counts(session),
            ]

    def _queue(self, name: str) -> str:
        return f"assigned:{self.user}" if name == "mine" else name

    def count(self, queue: str, pattern: str = "") -> int:
        """How many claims are in a queue, under a limit ``pattern`` if given.

        Raises:
            ReviewError: no such queue, or the pattern cannot be read.
        """
        extra = pattern_filter(pattern)
        with Session(self.engine) as session:
            return queues.count(session, self._queue(queue), extra)

    def claim_rows(
        self,
        queue: str,
        *,
        after: tuple[Any, ...] | None = None,
        before: Any = None,
        limit: int = 100,
        pattern: str = "",
        sort: str = "id",
        descending: bool = False,
    ) -> list[ClaimRow]:
        """A page of a queue under a limit ``pattern``, sorted by ``sort`` (keyset
        paging; see ``queues.rows``).

        Raises:
            ReviewError: no such queue, the pattern cannot be read, or the queue
                cannot be sorted by ``sort``.
        """
        extra = pattern_filter(pattern)
        with Session(self.engine) as session:
            return queues.rows(
                session,
                self._queue(queue),
                after=after,
                before=before,
                limit=limit,
                extra=extra,
                sort=sort,
                descending=descending,
            )

    def in_queue(self, queue: str, claim_id: int) -> bool:
        """True when the claim is currently in the queue."""
        with Session(self.engine) as session:
            return queues.in_queue(session, self._queue(queue), claim_id)

    # Finding claims (see ``search``) -----------------------------------------

    def position(
        self,
        queue: str,
        claim_id: int,
        pattern: str = "",
        *,
        sort: str = "id",
        descending: bool = False,
    ) -> int:
        """The claim's 0-based index in the queue under the limit ``pattern``,
        sorted by ``sort``."""
        extra = pattern_filter(pattern)
        queues.check_sort(sort)
        with Session(self.engine) as session:
            return search.position(
                session,
                self._queue(queue),
                claim_id,
                extra,
                sort=sort,
                descending=descending,
            )

    def row_key(self, claim_id: int, sort: str = "id") -> tuple[Any, ...] | None:
        """The key the claim's row has in a queue sorted by ``sort``, to page
        from it (``claim_rows(after=...)``); None when there is no such claim.

        Raises:
            ReviewError: the queue cannot be sorted by ``sort``.
        """
        with Session(self.engine) as session:
            return queues.row_key(session, claim_id, queues.check_sort(sort))

    def find(
        self,
        queue: str,
        pattern: str,
        *,
        after: int | None = None,
        backward: bool = False,
        limit: str = "",
        sort: str = "id",
        descending: bool = False,
    ) -> int | None:
        """The id of the next claim matching ``pattern`` after the claim ``after``,
        wrapping round; None when no claim in the queue (under ``limit``) matches.

        Raises:
            ReviewError: a pattern cannot be read.
        """
        wanted = pattern_filter(pattern)
        if wanted is None:
            return None
        extra = pattern_filter(limit)
        with Session(self.engine) as session:
            return search.next_match(
                session,
                self._queue(queue),
                wanted,
                after=after,
                backward=backward,
                extra=extra,
                sort=queues.check_sort(sort),
                descending=descending,
            )

    def matching(self, claim_ids: Iterable[int], pattern: str) -> set[int]:
        """Which of ``claim_ids`` match ``pattern`` (for highlighting)."""
        wanted = pattern_filter(pattern)
        if wanted is None:
            return set()
        with Session(self.engine) as session:
            return search.matching_ids(session, claim_ids, wanted)

    def claim_ids(
        self,
        queue: str,
        pattern: str = "",
        *,
        sort: str = "id",
        descending: bool = False,
    ) -> list[int]:
        """Ids of every claim in the queue matching ``pattern`` (for tagging), in
        the order of the queue sorted by ``sort``."""
        extra = pattern_filter(pattern)
        with Session(self.engine) as session:
            return search.claim_ids(
                session,
                self._queue(queue),
                extra,
                sort=queues.check_sort(sort),
                descending=descending,
            )

    def count_among(
        self, claim_ids: Iterable[int], queue: str, pattern: str = ""
    ) -> int:
        """How many of ``claim_ids`` the queue shows under the limit ``pattern``."""
        extra = pattern_filter(pattern)
        with Session(self.engine) as session:
            return search.count_among(session, claim_ids, self._queue(queue), extra)

    def holding_rule_counts(self, claim_ids: Iterable[int]) -> list[tuple[str, int]]:
        """The rules holding any of ``claim_ids``, each with how many of them it
        holds, the most common first (for exempting a rule on tagged claims)."""
        with Session(self.engine) as session:
            return search.holding_rule_counts(session, claim_ids)

    # One claim --------------------------------------------------------------

    def _claim(self, session: Session, claim_id: int) -> ClaimRecord:
        claim = session.get(ClaimRecord, claim_id)
        if claim is None:
            raise ReviewError(f"there is no claim {claim_id}")
        return claim

    def claim_detail(self, claim_id: int) -> ClaimDetail:
        """The claim as received, as built now, with its decisions and history.

        Raises:
            ReviewError: no claim has that id.
        """
        with Session(self.engine) as session:
            claim = self._claim(session, claim_id)
            built = claim_ops.rebuild(session, claim, self.rule_set, self.today)
            session.commit()
            return self._detail(session, claim, *built)

    def preview(self, claim_id: int, staged: Sequence[StagedAction]) -> ClaimDetail:
        """The claim as it would be once ``staged`` actions are committed.

        A pure rebuild: the stored decisions plus the staged ones, nothing saved.

        Raises:
            ReviewError: no such claim, or a staged value does not fit its field.
        """
        extra = as_decisions(staged, self.user)
        with Session(self.engine) as session:
            claim = self._claim(session, claim_id)
            self._check_staged(session, claim, staged)
            try:
                received, result, decisions = claim_ops.build_stored(
                    session, claim, self.rule_set, self.today, extra
                )
            except (PathError, ValidationError, ValueError) as error:
                raise ReviewError(
                    f"cannot apply this to claim {claim_id}: {error}"
                ) from None
            detail = self._detail(session, claim, received, result, decisions)
        if claim.status not in (ClaimStatus.PARKED, ClaimStatus.EXPORTED):
            approved = claim_ops.is_approved(decisions)
            detail.status = claim_ops.released_status(result.status, approved)
        detail.status = previewed_status(detail.status, staged)
        return detail

    def _check_staged(
        self, session: Session, claim: ClaimRecord, staged: Sequence[StagedAction]
    ) -> None:
        """Refuse staged actions that could not be committed, as they are staged."""
        mine = [action for action in staged if action.claim_id == claim.id]
        if not mine:
            return
        if claim.status == ClaimStatus.EXPORTED.value:
            raise ReviewError(
                f"claim {claim.id} is already exported; a replacement claim "
                "(frequency 7) is the way to correct it"
            )
        received, result, decisions = claim_ops.build_stored(
            session, claim, self.rule_set, self.today
        )
        edits = [
            (d.path, json.loads(d.value_json)) for d in decisions if d.kind == "edit"
        ]
        for action in mine:
            if action.kind == "exempt":
                self._check_rule(action.rule_id)
            if action.kind in ("edit", "override"):
                _try_value(
                    received, result, edits, action.kind, action.path, action.value
                )
            if action.kind == "edit":
                edits.append((action.path, action.value))

    def _check_rule(self, rule_id: str) -> None:
        known = rule_id == claim_ops.READ_RULE_ID or self.rule_set.rule(rule_id)
        if not known:
            raise ReviewError(f"there is no rule '{rule_id}' in the rule set")

    def _detail(
        self,
        session: Session,
        claim: ClaimRecord,
        received: Encounter,
        result: BuildResult,
        decisions: list[DecisionRecord],
    ) -> ClaimDetail:
        assert claim.id is not None
        record = session.get(EncounterRecord, claim.encounter_id)
        assert record is not None
        try:
            segments = claim_segments(result.encounter)
        except X12WriteError:
            segments = []  # the X12 finding on the claim says which field and why
        return ClaimDetail(
            id=claim.id,
            status=claim.status,
            source=record.position,
            raw=record.raw,
            raw_format=record.raw_format,
            received=received,
            encounter=result.encounter,
            build=result,
            segments=segments,
            segment_lines=[render_segment(segment) for segment in segments],
            changed_paths={change.path for change in result.changes},
            decisions=[_stored(decision) for decision in decisions],
            audit=self._audit(session, claim.id, 200),
            read_issues=json.loads(record.read_issues_json),
            assigned_to=claim.assigned_to,
        )

    def case(self, claim_id: int) -> CaseView:
        """The claim's Workers' Comp / accident case: fields, paths, findings.

        Edit a case field with ``edit(claim_id, field.path, value, reason)``.

        Raises:
            ReviewError: no claim has that id.
        """
        return case_view(self.claim_detail(claim_id))

    def _decide(
        self,
        claim_id: int,
        decision: DecisionRecord,
        action: str,
        detail: dict[str, Any],
    ) -> ClaimDetail:
        with Session(self.engine) as session:
            claim = self._claim(session, claim_id)
            session.add(decision)
            session.flush()
            try:
                built = claim_ops.rebuild(session, claim, self.rule_set, self.today)
            except (PathError, ValidationError, ValueError) as error:
                session.rollback()
                raise ReviewError(
                    f"cannot apply this to claim {claim_id}: {error}"
                ) from None
            self._record(session, action, claim_id, {**detail, "id": decision.id})
            session.commit()
            shown = self._detail(session, claim, *built)
        log.info("%s on claim %s", action, claim_id)
        return shown

    def exempt(self, claim_id: int, rule_id: str, reason: str) -> ClaimDetail:
        """Exempt one rule on one claim, with a reason; the claim is rebuilt.

        Raises:
            ReviewError: no such claim or rule, or the reason is empty.
        """
        reason = _require_reason(reason)
        self._check_rule(rule_id)
        decision = DecisionRecord(
            claim_id=claim_id,
            kind="exempt",
            rule_id=rule_id,
            reason=reason,
            user=self.user,
        )
        detail = {"rule_id": rule_id, "reason": reason}
        return self._decide(claim_id, decision, "exempt", detail)

    def override(
        self, claim_id: int, path: str, value: Any, reason: str, rule_id: str = ""
    ) -> ClaimDetail:
        """Set a value on one claim, over whatever a rule set, with a reason.

        Raises:
            ReviewError: the path names no field, the value does not fit it, or
                the reason is empty.
        """
        return self._set_value(claim_id, "override", path, value, reason, rule_id)

    def edit(self, claim_id: int, path: str, value: Any, reason: str) -> ClaimDetail:
        """Correct a field of the encounter before rules run, with a reason."""
        return self._set_value(claim_id, "edit", path, value, reason, "")

    def _set_value(
        self,
        claim_id: int,
        kind: str,
        path: str,
        value: Any,
        reason: str,
        rule_id: str,
    ) -> ClaimDetail:
        reason = _require_reason(reason)
        with Session(self.engine) as session:
            claim = self._claim(session, claim_id)
            received, result, decisions = claim_ops.build_stored(
                session, claim, self.rule_set, self.today
            )
        edits = [
            (d.path, json.loads(d.value_json)) for d in decisions if d.kind == "edit"
        ]
        _try_value(received, result, edits, kind, path, value)
        decision = DecisionRecord(
            claim_id=claim_id,
            kind=kind,
            rule_id=rule_id,
            path=path,
            value_json=claim_ops.json_value(value),
            reason=reason,
            user=self.user,
        )
        detail = {"path": path, "rule_id": rule_id, "reason": reason}
        return self._decide(claim_id, decision, kind, detail)

    def undo_decision(
        self, claim_id: int, decision_id: int, reason: str
    ) -> ClaimDetail:
        """Revoke a decision (kept in history), record why, and rebuild the claim."""
        reason = _require_reason(reason)
        with Session(self.engine) as session:
            claim = self._claim(session, claim_id)
            decision = session.get(DecisionRecord, decision_id)
            if decision is None or decision.claim_id != claim_id:
                raise ReviewError(f"claim {claim_id} has no decision {decision_id}")
            if decision.revoked_at is not None:
                raise ReviewError(f"decision {decision_id} was already undone")
            decision.revoked_at = utc_now()
            decision.revoked_by = self.user
            decision.revoke_reason = reason
            session.add(decision)
            session.flush()
            built = claim_ops.rebuild(session, claim, self.rule_set, self.today)
            detail = {"decision": decision_id, "kind": decision.kind, "reason": reason}
            self._record(session, "undo", claim_id, detail)
            session.commit()
            return self._detail(session, claim, *built)

    def park(self, claim_id: int, note: str) -> ClaimDetail:
        """Put a claim aside with a note; it leaves the held and ready queues."""
        return self._park(claim_id, note, parked=True)

    def unpark(self, claim_id: int, note: str) -> ClaimDetail:
        """Return a parked claim to the queue its build puts it in."""
        return self._park(claim_id, note, parked=False)

    def _park(self, claim_id: int, note: str, *, parked: bool) -> ClaimDetail:
        note = _require_reason(note)
        with Session(self.engine) as session:
            claim = self._claim(session, claim_id)
            if claim.status == ClaimStatus.EXPORTED.value:
                raise ReviewError(f"claim {claim_id} is already exported")
            claim.status = ClaimStatus.PARKED.value if parked else ""
            built = claim_ops.rebuild(session, claim, self.rule_set, self.today)
            action = "park" if parked else "unpark"
            self._record(session, action, claim_id, {"note": note})
            session.commit()
            return self._detail(session, claim, *built)

    def approve(self, claim_id: int, note: str = "approved") -> ClaimDetail:
        """Release a claim in review (warnings only) to the ready queue.

        Raises:
            ReviewError: the claim is not in review (errors hold it, or it is
                already ready, parked or exported).
        """
        note = _require_reason(note)
        with Session(self.engine) as session:
            status = self._claim(session, claim_id).status
        if status != ClaimStatus.REVIEW.value:
            raise ReviewError(
                f"claim {claim_id} is {status}; only a claim in review (warnings "
                "only) can be approved"
            )
        decision = DecisionRecord(
            claim_id=claim_id, kind="approve", reason=note, user=self.user
        )
        return self._decide(claim_id, decision, "approve", {"reason": note})

    def note(self, claim_id: int, text: str) -> None:
        """Add a note to the claim's history; the claim itself does not change."""
        text = _require_reason(text)
        with Session(self.engine) as session:
            self._claim(session, claim_id)
            self._record(session, "note", claim_id, {"note": text})
            session.commit()
        log.info("note on claim %s", claim_id)

    def assign(self, claim_id: int, user: str) -> None:
        """Give the claim to ``user`` to work (empty: to nobody), with an audit
        event naming who had it before."""
        user = user.strip()
        with Session(self.engine) as session:
            claim = self._claim(session, claim_id)
            before = claim.assigned_to
            claim.assigned_to = user
            claim.version += 1
            session.add(claim)
            self._record(session, "assign", claim_id, {"to": user, "from": before})
            session.commit()
        log.info("claim %s assigned", claim_id)

    def export(self, out: Path, progress: Progress | None = None) -> ExportReport:
        """Write every ready claim to ``out`` as one pyx12-validated interchange.

        ``progress(claims written, claims ready)`` is called after each chunk.
        """
        from claimtui.review.export import export_ready

        return export_ready(self, out, progress)

    # Audit ------------------------------------------------------------------

    def _record(
        self,
        session: Session,
        action: str,
        claim_id: int | None,
        detail: dict[str, Any],
    ) -> None:
        session.add(
            AuditEvent(
                user=self.user,
                action=action,
                claim_id=claim_id,
                detail=json.dumps(detail, default=str, sort_keys=True),
            )
        )

    def _audit(
        self, session: Session, claim_id: int | None, limit: int
    ) -> list[AuditEntry]:
        statement = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
        if claim_id is not None:
            statement = statement.where(AuditEvent.claim_id == claim_id)
        return [
            AuditEntry(
                id=event.id or 0,
                at=event.at,
                user=event.user,
                action=event.action,
                claim_id=event.claim_id,
                detail=event.detail,
            )
            for event in session.exec(statement)
        ]

    def audit_events(
        self, claim_id: int | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        """The newest audit events, for one claim or for all."""
        with Session(self.engine) as session:
            return self._audit(session, claim_id, limit)

    # Import -----------------------------------------------------------------

    def import_path(
        self, path: Path, *, lenient: bool = False, progress: Progress | None = None
    ) -> ImportReport:
        """Import one file in one transaction; a file imported before adds nothing.

        ``progress(claims read, None)`` is called after each chunk of claims read;
        the total is not known until the whole file has been read.

        Strict (the default): a file with file-level errors imports nothing.
        Lenient: what can be trusted is imported; claims an error touches are held.

        The file is read and stored a chunk of claims at a time, so memory does not
        grow with the file. A file-level error can come late (a wrong IEA); the
        transaction is then rolled back, and nothing stored before is touched.
        """
        try:
            digest = _file_digest(path)
        except OSError as error:
            report = ImportReport(source=path.name, format="", refused=True)
            report.problems.append(f"{path}: cannot read the file ({error.strerror})")
            return report
        duplicate = self._known_import(path, digest)
        if duplicate is not None:
            return duplicate
        try:
            stream = stream_file(path)
        except X12InputError as error:
            report = ImportReport(source=path.name, format="837p", refused=True)
            report.problems.append(str(error))
            return report
        except OSError as error:
            report = ImportReport(source=path.name, format="", refused=True)
            report.problems.append(f"{path}: cannot read the file ({error.strerror})")
            return report
        report = ImportReport(source=path.name, format=stream.format)
        with Session(self.engine) as session:
            batch = ImportBatch(
                source_name=path.name,
                content_sha256=digest,
                format=stream.format,
                user=self.user,
                lenient=lenient,
            )
            session.add(batch)
            session.flush()
            batch_id = batch.id
            assert batch_id is not None
            workers = worker_count(self.config.import_workers)
            store = _ClaimStore(session, batch_id, self.rule_set, self.today, workers)
            try:
                with _larger_page_cache(session):
                    file_issues = self._store_items(
                        stream, store, report, lenient, progress
                    )
            finally:
                store.stop()
            if (
                report.imported == 0
                and file_issues
                and not report.refused
                and not store.repeats
            ):
                # Lenient, but nothing in the file could be trusted: that is a
                # refusal, not a successful import of zero claims. (A file whose
                # claims are all stored already imports nothing, and says so.)
                report.refused = True
            if report.refused:
                session.rollback()
                report.imported = report.held = report.repeated = 0
                hint = (
                    " or import it with --lenient to keep the claims that can be "
                    "trusted (they are held where an error touches them)"
                    if store.seen and not lenient
                    else ""
                )
                report.problems.append(
                    f"{path.name}: nothing imported; fix the file{hint}"
                )
                return report
            stored_batch = session.get(ImportBatch, batch_id)
            assert stored_batch is not None
            stored_batch.claim_count = report.imported
            stored_batch.issue_count = file_issues
            session.add(stored_batch)
            self._record(
                session,
                "import",
                None,
                {"file": path.name, "claims": report.imported, "batch": batch_id},
            )
            session.commit()
        log.info(
            "imported %s claims (%s held) from batch file %s",
            report.imported,
            report.held,
            digest[:12],
        )
        return report

    def _known_import(self, path: Path, digest: str) -> ImportReport | None:
        with Session(self.engine) as session:
            known = session.exec(
                select(ImportBatch).where(ImportBatch.content_sha256 == digest)
            ).first()
            if known is None:
                return None
            report = ImportReport(source=path.name, format=known.format, duplicate=True)
            report.problems.append(
                f"{path.name}: already imported on "
                f"{known.imported_at:%Y-%m-%d %H:%M} as {known.source_name}; "
                "nothing added"
            )
            return report

    def _store_items(
        self,
        stream: IngestStream,
        store: _ClaimStore,
        report: ImportReport,
        lenient: bool,
        progress: Progress | None = None,
    ) -> int:
        """Store the stream's claims; returns how many file-level issues it had.

        A strict import that meets a file-level error stops storing but reads on,
        so the report lists every problem of the file.
        """
        file_issues = 0
        with collector_paused() as collect_young:
            for item in stream.items:
                if isinstance(item, IngestedClaim):
                    _take_claim(item, store, report, progress)
                    if store.seen % (store.CHUNK * COLLECT_EVERY) == 0:
                        collect_young()
                    continue
                file_issues += 1
                _list_once(report, store, _issue_text(item))
                if item.severity == "error" and not lenient and not report.refused:
                    report.refused = True
                    store.discard()
            if not report.refused:
                store.close()
        if progress is not None and store.seen % store.CHUNK:
            progress(store.seen, None)
        if not report.refused:
            report.imported, report.held = store.stored, store.held
            report.repeated = len(store.repeats)
            report.problems.extend(store.repeats)
        return file_issues


def _take_claim(
    item: IngestedClaim,
    store: _ClaimStore,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    """Count a claim read and hand it to the store, unless the file is refused."""
    store.seen += 1
    if progress is not None and store.seen % store.CHUNK == 0:
        progress(store.seen, None)
    if not report.refused:
        # A problem of an envelope or HL level is the file's and each claim's
        # under it; it is listed once.
        for issue in item.issues:
            _list_once(report, store, _issue_text(issue))
        store.add(item)


@contextmanager
def _larger_page_cache(session: Session) -> Iterator[None]:
    """Give an import's SQLite connection a 32 MB page cache, then the default
    back: the claim table's indexes and the rows going in outgrow the default
    2 MB, and the import ran about 3% faster."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA cache_size=-32768")
    try:
        yield
    finally:
        # Not to hide what stopped an import: a connection that failed keeps
        # the larger cache until it is closed.
        with suppress(SQLAlchemyError):
            connection.exec_driver_sql("PRAGMA cache_size=-2000")


def _list_once(report: ImportReport, store: _ClaimStore, text: str) -> None:
    """Add a reading problem to the report unless it is there: a problem of an
    envelope or an HL level is the file's and each claim's under it."""
    if text not in store.listed:
        store.listed.add(text)
        report.problems.append(text)


class _ClaimStore:
    """Builds imported claims and inserts them a chunk at a time.

    A new claim has no decisions and no findings yet, so its build needs no
    queries of its own: the encounter in hand, the rule set, the reading
    problems and the chunk's history (one query) give the same build as
    ``claim_ops.rebuild`` would from the stored rows. Rows go in with bulk
    statements, not ORM objects, which cost more than the build itself.

    On the command line, once a file fills a chunk, forked worker processes
    build each chunk while this process stores the one before and reads the
    next (see ``claimtui.review.parallel``).
    """

    CHUNK = 500

    def __init__(
        self,
        session: Session,
        batch_id: int,
        rule_set: RuleSet,
        today: dt.date | None,
        workers: int = 0,
    ) -> None:
        self.session = session
        self.batch_id = batch_id
        self.rule_set = rule_set
        self.today = today
        self.workers = workers
        self.pool: BuildPool | None = None
        self.in_flight: _InFlight | None = None
        self.pending: list[IngestedClaim] = []
        self.seen = 0
        self.stored = 0
        self.held = 0
        self.repeats: list[str] = []
        self.fingerprints: set[str] = set()
        self.next_claim_id: int | None = None
        """The id the next claim gets, where ids are handed out here (SQLite)."""
        self.listed: set[str] = set()
        """The reading problems the report lists, each once."""

    def add(self, ingested: IngestedClaim) -> None:
        self.pending.append(ingested)
        if len(self.pending) >= self.CHUNK:
            self.flush()

    def discard(self) -> None:
        self.pending = []
        self.in_flight = None
        self.stop()

    def close(self) -> None:
        """Store what is left."""
        self.flush()
        self._finish()

    def stop(self) -> None:
        """Stop the workers, if any were started."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def flush(self) -> None:
        if not self.pending:
            return
        session = self.session
        full = len(self.pending) >= self.CHUNK
        pending = self._without_repeats(self.pending)
        self.pending = []
        if not pending:
            return
        rows = [self._encounter_row(item) for item in pending]
        claim_ids, encounter_ids = self._insert_claims(rows)
        encounters = [item.encounter for item in pending]
        history = ChunkHistory(session, encounters, [item.patient for item in pending])
        chunk = _InFlight(pending, claim_ids, rows, history)
        chunk.encounter_ids = encounter_ids
        if full and self.workers and self.pool is None and can_fork():
            self.pool = BuildPool(self.rule_set, self.today, self.workers)
        # With workers, this chunk goes to them before the one they built last
        # is stored, so they build while this process stores and reads on.
        previous, self.in_flight = self.in_flight, None
        if self.pool is not None:
            chunk.submit(self.pool, previous)
            self.in_flight = chunk
        if previous is not None:
            self._store(previous)
        if self.pool is None:
            self._store(chunk)

    def _finish(self) -> None:
        chunk, self.in_flight = self.in_flight, None
        if chunk is not None:
            self._store(chunk)

    def _store(self, chunk: _InFlight) -> None:
        """Insert the chunk's builds, building here whatever workers did not."""
        session = self.session
        built = chunk.results()
        summaries: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        line_keys: list[dict[str, Any]] = []
        # Patients whose lines came out of a build other than the workers
        # guessed, here or in the chunk before: their later claims' guesses are
        # checked against the history as built.
        missed = chunk.inherited_misses()
        actual = None if chunk.batches else chunk.history
        for index, item in enumerate(chunk.pending):
            result = built[index]
            patient = chunk.patients[index]
            facts: dict[str, Any] | None = None
            if result is None or patient in missed:
                if actual is None:
                    actual = ChunkHistory(
                        session,
                        [i.encounter for i in chunk.pending],
                        chunk.patients,
                    )
                    for rows in chunk.built_lines(line_keys):
                        actual.add(rows)
                facts = actual.facts(item.encounter, patient)
            if result is None or (facts is not None and chunk.guesses[index] != facts):
                assert facts is not None
                result = build_new(
                    self.rule_set,
                    self.today,
                    chunk.claim_ids[index],
                    item.encounter,
                    facts,
                    item.issues_json,
                )
            if result.line_keys != chunk.guessed_lines[index]:
                missed.add(patient)
                chunk.misses.add(patient)
            summaries.append(result.summary)
            findings.extend(result.findings)
            if actual is not None:
                actual.add(result.line_keys)
            line_keys.extend(result.line_keys)
            self.held += held(result)
        connection = session.connection()
        if chunk.encounter_ids is None:
            session.execute(_SUMMARY_UPDATE, summaries)
        else:
            insert_rows(
                connection, _CLAIMS, _claim_rows(summaries, chunk.encounter_ids)
            )
        insert_rows(connection, _FINDINGS, findings)
        insert_rows(connection, _LINE_KEYS, line_keys)
        self.stored += len(chunk.pending)

    def _insert_claims(
        self, rows: list[dict[str, Any]]
    ) -> tuple[list[int], list[int] | None]:
        """Insert the chunk's encounters; return the ids of their claims.

        Each build must know the ids of the claims before it, so the claim ids
        are settled now and the rows filled in once built. On SQLite the ids
        are handed out here and each claim row goes in whole once built (the
        encounter ids come back too, for that); an insert now and an update
        later cost twice over the claim table's indexes. Elsewhere claim rows
        go in now with an empty summary, and the builds update them.
        """
        # Plain executemany inserts, then the new ids in one query each: with
        # RETURNING in parameter order the rows went in one statement apiece.
        # The import's transaction has written its batch row already, so it
        # holds the write lock and the new rows are the ones above the old top.
        session = self.session
        connection = session.connection()
        top = session.execute(select(func.max(_ENCOUNTERS.c.id))).scalar() or 0
        insert_rows(connection, _ENCOUNTERS, rows)
        encounter_ids = list(
            session.execute(
                select(_ENCOUNTERS.c.id)
                .where(_ENCOUNTERS.c.batch_id == self.batch_id)
                .where(_ENCOUNTERS.c.id > top)
                .order_by(_ENCOUNTERS.c.id)
            ).scalars()
        )
        if len(encounter_ids) != len(rows):
            raise RuntimeError("stored encounters do not match the chunk read")
        if connection.dialect.name == "sqlite":
            # SQLite gives a new row the highest id plus one: the same ids,
            # and nobody else can write while the import's transaction lasts.
            if self.next_claim_id is None:
                highest = session.execute(select(func.max(_CLAIMS.c.id))).scalar()
                self.next_claim_id = (highest or 0) + 1
            first = self.next_claim_id
            self.next_claim_id += len(encounter_ids)
            return list(range(first, self.next_claim_id)), encounter_ids
        now = utc_now()
        placeholders = [
            _new_claim(encounter_id, now)
            | {"status": ClaimStatus.HELD.value, "total_charge": Decimal(0)}
            for encounter_id in encounter_ids
        ]
        session.execute(insert(_CLAIMS), placeholders)
        claims = dict(
            session.execute(
                select(_CLAIMS.c.encounter_id, _CLAIMS.c.id).where(
                    _CLAIMS.c.encounter_id.between(encounter_ids[0], encounter_ids[-1])
                )
            ).all()
        )
        return [claims[encounter_id] for encounter_id in encounter_ids], None

    def _without_repeats(self, pending: list[IngestedClaim]) -> list[_Pending]:
        """Drop claims identical to one stored before or earlier in this file.

        Byte-identical files are caught by their hash; this catches the same
        claims sent again with other line endings, a BOM or a new envelope.
        """
        items = [_Pending.of(ingested) for ingested in pending]
        statement = (
            select(EncounterRecord.fingerprint, ClaimRecord.id)
            .join(ClaimRecord, col(ClaimRecord.encounter_id) == EncounterRecord.id)
            .where(col(EncounterRecord.fingerprint).in_({i.fingerprint for i in items}))
        )
        stored = dict(self.session.exec(statement).all())
        kept = []
        for item in items:
            fingerprint = item.fingerprint
            if fingerprint in stored or fingerprint in self.fingerprints:
                earlier = stored.get(fingerprint)
                where = f"claim {earlier}" if earlier else "earlier in this file"
                self.repeats.append(
                    f"{item.ingested.position}: the same claim as {where}; "
                    "not added again"
                )
                continue
            self.fingerprints.add(fingerprint)
            kept.append(item)
        return kept

    def _encounter_row(self, item: _Pending) -> dict[str, Any]:
        ingested = item.ingested
        return {
            "fingerprint": item.fingerprint,
            "batch_id": self.batch_id,
            "position": ingested.position,
            "raw_format": ingested.raw_format,
            "raw": ingested.raw,
            "encounter_json": item.encounter_json,
            "read_issues_json": item.issues_json,
        }


class _InFlight:
    """A stored chunk whose claims are being built, in workers or here."""

    def __init__(
        self,
        pending: list[_Pending],
        claim_ids: list[int],
        rows: list[dict[str, Any]],
        history: ChunkHistory,
    ) -> None:
        self.pending = pending
        self.claim_ids = claim_ids
        self.rows = rows
        self.history = history
        """History from the store when the chunk was read."""
        self.guesses: list[dict[str, Any] | None] = [None] * len(pending)
        self.guessed_lines: list[list[dict[str, Any]] | None] = [None] * len(pending)
        self.patients = [item.patient for item in pending]
        self.batches: list[Batch] = []
        self.before: _InFlight | None = None
        """The chunk still being built when this one was handed to the workers."""
        self.misses: set[str] = set()
        """Patients whose lines came out other than guessed, once stored."""
        self.encounter_ids: list[int] | None = None
        """The encounters whose claim rows go in once built; None when the
        rows are in already and the builds update them."""

    def submit(self, pool: BuildPool, before: _InFlight | None) -> None:
        """Hand the chunk to the workers, with history as if no rule changed a line.

        ``before``, the chunk the workers are still building, is not stored
        yet: its claims count as history with their lines as received.
        """
        guessing = self.history.copy()
        if before is not None:
            self.before = before
            ours = set(self.patients)
            for index, rows in enumerate(before.guessed_lines):
                if rows and before.patients[index] in ours:
                    guessing.add(rows)
        jobs = []
        for index, item in enumerate(self.pending):
            facts = guessing.facts(item.encounter, item.patient)
            self.guesses[index] = facts
            claim_id = self.claim_ids[index]
            rows = line_key_rows(claim_id, item.encounter, item.patient)
            self.guessed_lines[index] = rows
            guessing.add(rows)
            encounter_json = self.rows[index]["encounter_json"]
            jobs.append(BuildJob(claim_id, encounter_json, facts, item.issues_json))
        self.batches = pool.submit(jobs)

    def inherited_misses(self) -> set[str]:
        """The patients the chunk before got wrong (it is stored by now)."""
        before, self.before = self.before, None
        return set(before.misses) if before is not None else set()

    def built_lines(
        self, line_keys: list[dict[str, Any]]
    ) -> list[list[dict[str, Any]]]:
        """The chunk's line keys stored so far, grouped by claim, in claim order."""
        by_claim: dict[int, list[dict[str, Any]]] = {}
        for row in line_keys:
            by_claim.setdefault(row["claim_id"], []).append(row)
        return list(by_claim.values())

    def results(self) -> list[BuiltClaim | None]:
        """The workers' builds in claim order; None where one must be built here."""
        if not self.batches:
            return [None] * len(self.pending)
        return [built for batch in self.batches for built in batch.results()]


@dataclass
class _Pending:
    """A claim waiting in a chunk, with what is worked out about it once."""

    ingested: IngestedClaim
    encounter_json: str
    fingerprint: str
    issues_json: str
    patient: str
    """The encounter's ``patient_key``."""

    @classmethod
    def of(cls, ingested: IngestedClaim) -> _Pending:
        encounter_json, fingerprint = stored_json(ingested.encounter)
        issues = claim_ops.issues_json(ingested.issues)
        patient = patient_key(ingested.encounter)
        return cls(ingested, encounter_json, fingerprint, issues, patient)

    @property
    def encounter(self) -> Encounter:
        return self.ingested.encounter


# Core tables, not the ORM classes: an ORM bulk insert does per-row work that
# a plain executemany of the same rows does not.
_ENCOUNTERS = SQLModel.metadata.tables[EncounterRecord.__tablename__]
_CLAIMS = SQLModel.metadata.tables[ClaimRecord.__tablename__]
_FINDINGS = SQLModel.metadata.tables[FindingRecord.__tablename__]
_LINE_KEYS = SQLModel.metadata.tables[ServiceLineKey.__tablename__]


def _new_claim(encounter_id: int, now: dt.datetime) -> dict[str, Any]:
    """The columns a new claim row has whatever its build: the placeholder rows
    of ``_insert_claims`` and the whole rows of ``_claim_rows`` alike."""
    return {
        "encounter_id": encounter_id,
        "version": 2,
        "built_at": now,
        "assigned_to": "",
    }


def _claim_rows(
    summaries: list[dict[str, Any]], encounter_ids: list[int]
) -> list[dict[str, Any]]:
    """New claims' rows: each build's summary (with its ``claim_id``) and the
    columns of ``_new_claim``."""
    now = utc_now()
    rows = []
    for summary, encounter_id in zip(summaries, encounter_ids, strict=True):
        row = dict(summary)
        row["id"] = row.pop("claim_id")
        row.update(_new_claim(encounter_id, now), export_batch_id=None)
        rows.append(row)
    return rows


_SUMMARY_UPDATE = (
    update(_CLAIMS)
    .where(_CLAIMS.c.id == bindparam("claim_id"))
    .values({name: bindparam(name) for name in claim_ops.SUMMARY_COLUMNS})
)
"""Fills in a new claim row's summary once its build is done (executemany)."""


COLLECT_EVERY = 10
"""Chunks between collections of young objects during an import.

Each collection traces every young object still alive (the claims the reader
holds, the chunks being built), about 40 ms, whatever it frees; every ten
chunks keeps what cycles there are bounded at a tenth of that cost.
"""


_PARTIES = ("submitter", "receiver")
"""The envelope parties, the fields right after ``transaction_type``."""


def claim_fingerprint(encounter: Encounter) -> str:
    """A hash of what the claim says, leaving out who sent and received the file."""
    content = encounter.model_dump_json(exclude=set(_PARTIES))
    return hashlib.sha256(content.encode()).hexdigest()


def stored_json(encounter: Encounter) -> tuple[str, str]:
    """The encounter's JSON as stored, and its ``claim_fingerprint``.

    Both come from one serialisation: the fingerprint's JSON is the stored JSON
    without the parties, cut out where they stand. (``,"submitter":`` cannot
    occur inside a JSON string, whose quotes are escaped, so the first one is
    the field.) Should the parties not stand there, the fingerprint is
    serialised on its own.
    """
    text = encounter.model_dump_json()
    parties = "".join(
        f',"{name}":{_json_or_null(getattr(encounter, name))}' for name in _PARTIES
    )
    start = text.find(f',"{_PARTIES[0]}":')
    if start < 0 or not text.startswith(parties, start):
        return text, claim_fingerprint(encounter)
    content = text[:start] + text[start + len(parties) :]
    return text, hashlib.sha256(content.encode()).hexdigest()


def _json_or_null(model: BaseModel | None) -> str:
    return "null" if model is None else model.model_dump_json()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _try_value(
    received: Encounter,
    result: BuildResult,
    edits: Sequence[tuple[str, Any]],
    kind: str,
    path: str,
    value: Any,
) -> None:
    """Refuse an edit or override that cannot apply, before it is kept or staged.

    An edit corrects the encounter as received (with the earlier edits, so a group
    an edit created can be edited next) and the rules run again on it. An
    override replaces a value a rule set, after the rules: it is refused for a
    value no rule changed, since the rules would still judge the original.

    Raises:
        ReviewError: the path names no field, the value does not fit it, or an
            override names a value no rule changed.
    """
    if kind == "override" and not _rule_changed(result, path):
        raise ReviewError(
            f"no rule changed {path} on this claim, so there is nothing to "
            "override; edit the field instead (E in the console, claimtui edit) "
            "and the rules run again on the corrected value"
        )
    base = with_edits(received, edits) if kind == "edit" else result.encounter
    trial = base.model_copy(deep=True)
    try:
        set_path(trial, path, value)
    except PathError as error:
        raise ReviewError(str(error)) from None
    except ValidationError as error:
        problem = error.errors()[0]["msg"] if error.errors() else str(error)
        raise ReviewError(f"{path}: the value does not fit ({problem})") from None
    refusal = _new_write_problem(base, trial, path)
    if refusal is not None:
        raise ReviewError(refusal)


def _new_write_problem(base: Encounter, trial: Encounter, path: str) -> str | None:
    """Why the value set at ``path`` cannot be sent as X12, when ``base`` (the
    encounter before it was set) had no such problem there; else None.

    The message is the one the claim's finding would give (see
    ``claims.add_write_findings``), so the person reads it before staging.
    """
    known = {problem.message for problem in write_problems(base)}
    for problem in write_problems(trial):
        if problem.message not in known and path_related(problem.path, path):
            return problem.message
    return None


def _rule_changed(result: BuildResult, path: str) -> bool:
    """True when a rule (not a person) changed ``path`` or a value inside it."""
    for change in result.changes:
        if change.rule_id in ("edit", "override"):
            continue
        if change.path == path or change.path.startswith((path + ".", path + "[")):
            return True
        if path.startswith((change.path + ".", change.path + "[")):
            return True
    return False


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ReviewError("a reason is required")
    return reason


def _issue_text(issue: Any) -> str:
    where = []
    if issue.segment_number is not None:
        where.append(f"segment {issue.segment_number}")
    if issue.segment_id:
        where.append(issue.segment_id)
    if issue.element:
        where.append(issue.element)
    place = f" ({', '.join(where)})" if where else ""
    message = str(issue.message)
    if message.startswith(issue.source):
        return f"{message}{place}"
    return f"{issue.source}{place}: {message}"


def _stored(record: DecisionRecord) -> StoredDecision:
    return StoredDecision(
        id=record.id or 0,
        kind=record.kind,
        rule_id=record.rule_id,
        path=record.path,
        value=json.loads(record.value_json),
        reason=record.reason,
        user=record.user,
        at=record.at,
    )
