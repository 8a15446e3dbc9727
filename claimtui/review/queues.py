"""Queues: named filters over claims, listed page by page with keyset paging.

A queue is a name, e.g. ``held``, ``workers-comp``, ``rule:MI-04`` or
``payer:12345``. Pages are fetched after or before a row's key, never by offset, so
opening or paging a queue of 100,000 claims costs one indexed query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, literal, true, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from claimtui.model import ClaimStatus
from claimtui.review.views import ClaimRow, QueueInfo, ReviewError
from claimtui.store import ClaimRecord, FindingRecord
from claimtui.store.tables import HOLDING_FINDING, NO_SERVICE_DATE, SERVICE_DATE_SORT

_NOT_DONE = col(ClaimRecord.status) != ClaimStatus.EXPORTED.value

FIXED_QUEUES: dict[str, tuple[str, ColumnElement[bool]]] = {
    "held": ("Held", col(ClaimRecord.status) == ClaimStatus.HELD.value),
    "review": ("Review (warnings)", col(ClaimRecord.status) == ClaimStatus.REVIEW),
    "ready": ("Ready to export", col(ClaimRecord.status) == ClaimStatus.READY.value),
    "parked": ("Parked", col(ClaimRecord.status) == ClaimStatus.PARKED.value),
    "workers-comp": (
        "Workers' Comp",
        and_(col(ClaimRecord.kind) == "WC", _NOT_DONE),
    ),
    "accident": (
        "Accident",
        and_(col(ClaimRecord.kind).in_(["AA", "OA"]), _NOT_DONE),
    ),
    "corrected": (
        "Corrected / void (CLM05-3 7, 8)",
        and_(col(ClaimRecord.frequency_code).in_(["7", "8"]), _NOT_DONE),
    ),
    "exported": ("Exported", col(ClaimRecord.status) == ClaimStatus.EXPORTED.value),
    "all": ("All claims", true()),
}

GROUPS = {
    "held": "Status",
    "review": "Status",
    "ready": "Status",
    "parked": "Status",
    "exported": "Status",
    "all": "Status",
    "workers-comp": "Kind",
    "accident": "Kind",
    "corrected": "Kind",
}
"""The heading each fixed queue is listed under."""


def _rule_filter(rule_id: str) -> ColumnElement[bool]:
    """Claims ``rule_id`` holds: the claim ids come from the partial index of
    holding findings, not from a probe per claim."""
    held = select(FindingRecord.claim_id).where(
        col(FindingRecord.rule_id) == rule_id, HOLDING_FINDING
    )
    return col(ClaimRecord.id).in_(held)


def queue_filter(name: str) -> ColumnElement[bool]:
    """The SQL condition for a queue name.

    Raises:
        ReviewError: no queue has that name.
    """
    if name in FIXED_QUEUES:
        return FIXED_QUEUES[name][1]
    kind, _, value = name.partition(":")
    if kind == "rule" and value:
        return _rule_filter(value)
    if kind == "payer" and value:
        return and_(col(ClaimRecord.payer_id) == value, _NOT_DONE)
    if kind == "assigned":
        return and_(col(ClaimRecord.assigned_to) == value, _NOT_DONE)
    if kind == "severity" and value in ("error", "warning"):
        column = ClaimRecord.errors if value == "error" else ClaimRecord.warnings
        return and_(col(column) > 0, _NOT_DONE)
    known = ", ".join(FIXED_QUEUES)
    raise ReviewError(
        f"no queue named '{name}'; use one of {known}, mine, rule:ID, payer:ID, "
        "assigned:USER, severity:error or severity:warning"
    )


def queue_title(name: str) -> str:
    """A queue's title for display."""
    if name in FIXED_QUEUES:
        return FIXED_QUEUES[name][0]
    if name == "mine":
        return "Assigned to me"
    kind, _, value = name.partition(":")
    titles = {
        "rule": "Held by rule",
        "payer": "Payer",
        "severity": "Severity",
        "assigned": "Assigned to",
    }
    return titles.get(kind, kind) + f" {value}"


def _where(name: str, extra: ColumnElement[bool] | None) -> ColumnElement[bool]:
    condition = queue_filter(name)
    return condition if extra is None else and_(condition, extra)


def count(session: Session, name: str, extra: ColumnElement[bool] | None = None) -> int:
    """How many claims are in a queue (and match ``extra``, a limit, if given)."""
    statement = select(func.count()).select_from(ClaimRecord).where(_where(name, extra))
    return int(session.exec(statement).one())


def counts(session: Session, names: list[str]) -> dict[str, int]:
    """How many claims are in each queue of ``names``, in one statement.

    Each count is a subquery of its own, so each reads the index that fits its
    queue; one round trip brings them all.
    """
    if not names:
        return {}
    statement = select(
        *(
            select(func.count())
            .select_from(ClaimRecord)
            .where(queue_filter(name))
            .scalar_subquery()
            for name in names
        )
    )
    found = session.exec(statement).one()
    return {name: int(n) for name, n in zip(names, found, strict=True)}


def fixed_queue_counts(
    session: Session, counted: dict[str, int] | None = None
) -> list[QueueInfo]:
    """Every fixed queue with its count, status queues first, then kinds.

    ``counted`` holds counts already made (see ``counts``); the rest are made.
    """
    known = counted if counted is not None else counts(session, list(FIXED_QUEUES))
    listed = [
        QueueInfo(name=name, title=title, count=known[name], group=GROUPS[name])
        for name, (title, _) in FIXED_QUEUES.items()
    ]
    return sorted(listed, key=lambda queue: queue.group != "Status")


SEVERITY_QUEUES = ("severity:error", "severity:warning")


def severity_queue_counts(
    session: Session, counted: dict[str, int] | None = None
) -> list[QueueInfo]:
    """Claims with errors, and claims with warnings, still to send."""
    known = counted if counted is not None else counts(session, list(SEVERITY_QUEUES))
    return [
        QueueInfo(
            name=name,
            title=f"With {name.removeprefix('severity:')}s",
            count=known[name],
            group="Severity",
        )
        for name in SEVERITY_QUEUES
    ]


def payer_queue_counts(session: Session) -> list[QueueInfo]:
    """One queue per payer with claims still to send, largest first.

    The counts come from the payer and status index; each payer's name (the
    greatest, should a payer id carry several) from the payer and name index.
    """
    other = aliased(ClaimRecord)
    name = (
        select(other.payer_name)
        .where(
            col(other.payer_id) == col(ClaimRecord.payer_id),
            col(other.status) != ClaimStatus.EXPORTED.value,
        )
        .order_by(col(other.payer_name).desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        select(ClaimRecord.payer_id, name, func.count())
        .where(_NOT_DONE)
        .group_by(col(ClaimRecord.payer_id))
        .order_by(func.count().desc(), col(ClaimRecord.payer_id))
    )
    return [
        QueueInfo(
            name=f"payer:{payer_id}",
            title=f"{payer_name or payer_id} ({payer_id})",
            count=n,
            group="Payer",
        )
        for payer_id, payer_name, n in session.exec(statement)
        if payer_id
    ]


def rule_queue_counts(session: Session) -> list[QueueInfo]:
    """One queue per rule holding claims, with how many it holds (read from the
    partial index of holding findings)."""
    statement = (
        select(FindingRecord.rule_id, func.count(func.distinct(FindingRecord.claim_id)))
        .where(HOLDING_FINDING)
        .group_by(col(FindingRecord.rule_id))
        .order_by(col(FindingRecord.rule_id))
    )
    return [
        QueueInfo(
            name=f"rule:{rule_id}", title=f"Held by {rule_id}", count=n, group="Rule"
        )
        for rule_id, n in session.exec(statement)
    ]


NO_DATE = NO_SERVICE_DATE
"""Where a claim without a service date sorts: before every real date."""

SORT_COLUMNS: dict[str, str] = {
    "id": "Claim",
    "patient_control_number": "Patient control no.",
    "payer_name": "Payer",
    "total_charge": "Charge",
    "service_date": "Service date",
    "status": "Status",
}
"""The columns a queue can be sorted by, with their labels; nothing else is
accepted, so a sort name never reaches SQL unchecked."""


def check_sort(sort: str) -> str:
    """``sort`` if it is a sortable column.

    Raises:
        ReviewError: the column cannot be sorted by.
    """
    if sort not in SORT_COLUMNS:
        known = ", ".join(SORT_COLUMNS)
        raise ReviewError(f"cannot sort by '{sort}'; use one of {known}")
    return sort


def sort_column(sort: str) -> ColumnElement[Any]:
    """The SQL expression a queue sorted by ``sort`` is ordered by (then by id).

    A missing service date is coalesced to ``NO_DATE`` so that claims without one
    have a definite place, and keyset comparisons never meet a NULL.
    """
    check_sort(sort)
    if sort == "service_date":
        return SERVICE_DATE_SORT
    return ClaimRecord.__table__.c[sort]  # type: ignore[attr-defined,no-any-return]


def sort_value(record: Any, sort: str) -> Any:
    """The value of the sort column, as ``sort_column`` sees it, of a claim
    record or of a row of ``ROW_COLUMNS``."""
    if sort == "service_date":
        return record.service_date or NO_DATE
    return getattr(record, sort)


def beyond(sort: str, key: tuple[Any, ...], *, forward: bool) -> ColumnElement[bool]:
    """Rows after (``forward``) or before the row key ``(sort value, id)`` in
    ascending order: ``(column, id) > (value, id)``.

    Written as one row-value comparison, not as ``column > value OR (column =
    value AND id > i)``, so that the database reads it as a range of the sort
    column's index: a page or a position deep in a long queue is a seek, not a
    scan from its start.
    """
    value, claim_id = key
    row = tuple_(sort_column(sort), col(ClaimRecord.id))
    start = tuple_(literal(value, type_=sort_column(sort).type), literal(claim_id))
    return row > start if forward else row < start


def ordering(sort: str, descending: bool) -> list[Any]:
    """ORDER BY terms for a queue sorted by ``sort``, ties broken by claim id."""
    column, ident = sort_column(sort), col(ClaimRecord.id)
    if descending:
        return [column.desc(), ident.desc()]
    return [column, ident]


_CLAIM = ClaimRecord.__table__  # type: ignore[attr-defined]

ROW_COLUMNS = [
    _CLAIM.c[name]
    for name in (
        "id",
        "status",
        "patient_control_number",
        "patient_name",
        "payer_name",
        "claim_filing_code",
        "total_charge",
        "service_date",
        "holding_rules",
        "errors",
        "warnings",
        "flags",
        "kind",
        "assigned_to",
    )
]
"""The claim columns a queue line shows and sorts by: a page selects these, not
whole records, which cost several times more to load."""


def _to_row(record: Any, sort: str = "id") -> ClaimRow:
    """A queue line from a row of ``ROW_COLUMNS``."""
    return ClaimRow(
        id=record.id,
        key=(sort_value(record, sort), record.id),
        status=record.status,
        patient_control_number=record.patient_control_number,
        patient_name=record.patient_name,
        payer_name=record.payer_name,
        claim_filing_code=record.claim_filing_code,
        total_charge=record.total_charge,
        service_date=record.service_date,
        rules=record.holding_rules.split(),
        errors=record.errors,
        warnings=record.warnings,
        flags=record.flags,
        kind=record.kind,
        assigned_to=record.assigned_to,
    )


class _End:
    """Sentinel key past the last row: ``before=END`` gives the last page."""

    def __repr__(self) -> str:
        return "END"


END: Any = _End()


def rows(
    session: Session,
    name: str,
    *,
    after: tuple[Any, ...] | None = None,
    before: Any = None,
    limit: int = 100,
    extra: ColumnElement[bool] | None = None,
    sort: str = "id",
    descending: bool = False,
) -> list[ClaimRow]:
    """A page of a queue in sort order: after a key, before a key, or the first.

    The queue is ordered by ``sort`` (one of ``SORT_COLUMNS``), ties by claim id,
    reversed when ``descending``. A row's key is ``(sort value, id)``; pass it as
    ``after`` or ``before`` for the next page. Rows come back in display order
    whichever way the page was fetched. ``extra`` (a limit) narrows the queue.

    Raises:
        ReviewError: ``sort`` is not a sortable column.
    """
    check_sort(sort)
    statement = select(*ROW_COLUMNS).where(_where(name, extra))
    if before is not None:
        if before is not END:
            statement = statement.where(beyond(sort, before, forward=descending))
        statement = statement.order_by(*ordering(sort, not descending)).limit(limit)
        found = session.exec(statement).all()
        return [_to_row(record, sort) for record in reversed(found)]
    if after is not None:
        statement = statement.where(beyond(sort, after, forward=not descending))
    statement = statement.order_by(*ordering(sort, descending)).limit(limit)
    return [_to_row(record, sort) for record in session.exec(statement)]


def row_key(session: Session, claim_id: int, sort: str) -> tuple[Any, ...] | None:
    """The key a claim's row has in a queue sorted by ``sort``; None if no claim."""
    record = session.get(ClaimRecord, claim_id)
    if record is None:
        return None
    return (sort_value(record, sort), claim_id)


def in_queue(session: Session, name: str, claim_id: int) -> bool:
    """True when the claim is in the queue."""
    statement = (
        select(func.count())
        .select_from(ClaimRecord)
        .where(col(ClaimRecord.id) == claim_id)
        .where(queue_filter(name))
    )
    return bool(session.exec(statement).one())


def _stale_filter(version: str) -> ColumnElement[bool]:
    return and_(col(ClaimRecord.rule_set_version) != version, _NOT_DONE)


def stale_count(session: Session, version: str) -> int:
    """How many claims were built with a rule set other than ``version``."""
    statement = (
        select(func.count()).select_from(ClaimRecord).where(_stale_filter(version))
    )
    return int(session.exec(statement).one())


def stale_claims(session: Session, version: str, limit: int) -> list[ClaimRecord]:
    """Up to ``limit`` claims built with a rule set other than ``version``."""
    statement = (
        select(ClaimRecord)
        .where(_stale_filter(version))
        .order_by(col(ClaimRecord.id))
        .limit(limit)
    )
    return list(session.exec(statement))
