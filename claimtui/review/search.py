"""Finding claims inside a queue: where a claim stands, the next match, tag sets.

The console searches without hiding anything (``/`` then ``n``), tags every claim
a pattern matches (``T``) and counts tagged claims the current limit hides. Each
is one indexed query over the claim table, whatever the queue's size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import ColumnElement, String, and_, cast, true
from sqlmodel import Session, col, func, select

from claimtui.review.queues import beyond, ordering, queue_filter, row_key
from claimtui.store import ClaimRecord, FindingRecord
from claimtui.store.tables import HOLDING_FINDING

CHUNK = 500
"""Claim ids per ``IN (...)`` list; databases cap the number of parameters."""


def _where(name: str, extra: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    condition = queue_filter(name)
    return condition if extra is None else and_(condition, extra)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    batch: list[int] = []
    for claim_id in ids:
        batch.append(claim_id)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def position(
    session: Session,
    name: str,
    claim_id: int,
    extra: ColumnElement[bool] | None,
    *,
    sort: str = "id",
    descending: bool = False,
) -> int:
    """How many claims of the queue come before ``claim_id`` (its 0-based index)
    in the queue sorted by ``sort``."""
    key = row_key(session, claim_id, sort)
    if key is None:
        return 0
    statement = (
        select(func.count())
        .select_from(ClaimRecord)
        .where(_where(name, extra))
        .where(beyond(sort, key, forward=descending))
    )
    return int(session.exec(statement).one())


def next_match(
    session: Session,
    name: str,
    search: ColumnElement[bool],
    *,
    after: int | None,
    backward: bool = False,
    extra: ColumnElement[bool] | None = None,
    sort: str = "id",
    descending: bool = False,
) -> int | None:
    """The id of the next claim matching ``search`` after (or before) ``after``
    in the queue sorted by ``sort``.

    The search wraps round the end of the queue; None when nothing matches.
    """
    matching = and_(_where(name, extra), search)
    reverse = backward != descending
    order = ordering(sort, reverse)
    condition: ColumnElement[bool] = true()
    key = row_key(session, after, sort) if after is not None else None
    if key is not None:
        condition = beyond(sort, key, forward=not reverse)
    for limit_to in (condition, true()):
        statement = (
            select(ClaimRecord.id).where(matching, limit_to).order_by(*order).limit(1)
        )
        found = session.exec(statement).first()
        if found is not None:
            return int(found)
    return None


def matching_ids(
    session: Session, ids: Iterable[int], search: ColumnElement[bool]
) -> set[int]:
    """Which of ``ids`` match ``search``."""
    found: set[int] = set()
    for batch in _chunks(ids):
        statement = select(ClaimRecord.id).where(col(ClaimRecord.id).in_(batch), search)
        found.update(claim_id for claim_id in session.exec(statement) if claim_id)
    return found


def claim_ids(
    session: Session,
    name: str,
    extra: ColumnElement[bool] | None,
    *,
    sort: str = "id",
    descending: bool = False,
) -> list[int]:
    """Every claim id in the queue (under ``extra``), in queue order."""
    statement = (
        select(ClaimRecord.id)
        .where(_where(name, extra))
        .order_by(*ordering(sort, descending))
    )
    return [claim_id for claim_id in session.exec(statement) if claim_id]


def _ids_where(session: Session, condition: ColumnElement[bool]) -> set[int]:
    """The ids of every claim matching ``condition``, sent by the database as
    one comma-separated text: rows one by one cost far more to fetch."""
    listed = select(func.aggregate_strings(cast(ClaimRecord.id, String), ","))
    text = session.exec(listed.where(condition)).one()
    return {int(claim_id) for claim_id in text.split(",")} if text else set()


def count_among(
    session: Session,
    ids: Iterable[int],
    name: str,
    extra: ColumnElement[bool] | None,
) -> int:
    """How many of ``ids`` the queue shows under ``extra``.

    A few ids are looked up; for many (a tag set can hold every claim), the
    ids the queue shows are fetched once and the two sets compared, which
    costs one query however many ids there are.
    """
    wanted = set(ids)
    if len(wanted) > CHUNK:
        return len(wanted & _ids_where(session, _where(name, extra)))
    statement = (
        select(func.count())
        .select_from(ClaimRecord)
        .where(col(ClaimRecord.id).in_(sorted(wanted)), _where(name, extra))
    )
    return int(session.exec(statement).one())


def holding_rule_counts(session: Session, ids: Iterable[int]) -> list[tuple[str, int]]:
    """The rules holding any of ``ids`` and how many of those claims each holds,
    the most common first (ties in rule order).

    Read from the partial index of holding findings: for a few ids, theirs;
    for many, every rule's held claims, compared with ``ids`` here.
    """
    wanted = set(ids)
    claims = func.aggregate_strings(cast(FindingRecord.claim_id, String), ",")
    statement = (
        select(FindingRecord.rule_id, claims)
        .where(HOLDING_FINDING)
        .group_by(col(FindingRecord.rule_id))
    )
    if len(wanted) <= CHUNK:
        statement = statement.where(col(FindingRecord.claim_id).in_(sorted(wanted)))
    counts: dict[str, int] = {}
    for rule_id, held in session.exec(statement):
        count = len(wanted.intersection(int(claim_id) for claim_id in held.split(",")))
        if count:
            counts[rule_id] = count
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
