"""Queues by status, kind, person, severity, rule and payer, each with its count."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from claimtui.review import ClaimRow, ReviewError, Workspace
from claimtui.review.demo import load_demo
from claimtui.review.search import CHUNK
from claimtui.store import ClaimRecord
from tests.tui_support import demo_workspace


@pytest.fixture
def demo(workspace: Workspace) -> Workspace:
    load_demo(workspace, count=48)
    return workspace


def test_queue_list_is_grouped_and_every_count_is_the_queue_count(
    demo: Workspace,
) -> None:
    queues = demo.queues()
    groups = [queue.group for queue in queues]
    for group in ("Status", "Kind", "People", "Severity", "Rule", "Payer"):
        assert group in groups
    for queue in queues:
        assert queue.count == demo.count(queue.name), queue.name


def test_corrected_queue_holds_replacement_claims(demo: Workspace) -> None:
    rows = demo.claim_rows("corrected", limit=100)
    assert rows
    for row in rows:
        detail = demo.claim_detail(row.id)
        assert detail.encounter.claim.frequency_code in ("7", "8")


def test_assigning_puts_the_claim_in_mine_and_audits_it(demo: Workspace) -> None:
    claim_id = demo.claim_rows("all", limit=1)[0].id
    assert demo.count("mine") == 0
    demo.assign(claim_id, "tester")
    assert [row.id for row in demo.claim_rows("mine")] == [claim_id]
    assert demo.claim_rows("mine")[0].assigned_to == "tester"
    event = demo.audit_events(claim_id)[0]
    assert event.action == "assign"
    assert json.loads(event.detail) == {"to": "tester", "from": ""}


def test_approve_releases_a_claim_in_review(demo: Workspace) -> None:
    claim_id = demo.claim_rows("review", limit=1)[0].id
    detail = demo.approve(claim_id, "looked at the warning")
    assert detail.status == "ready"
    assert demo.in_queue("ready", claim_id)
    assert (
        "A"
        in demo.claim_rows("ready", after=(claim_id - 1, claim_id - 1), limit=1)[
            0
        ].flags
    )
    assert demo.audit_events(claim_id)[0].action == "approve"


def test_approve_refuses_a_held_claim(demo: Workspace) -> None:
    claim_id = demo.claim_rows("held", limit=1)[0].id
    with pytest.raises(ReviewError, match="only a claim in review"):
        demo.approve(claim_id, "please")


def test_note_goes_to_the_history_only(demo: Workspace) -> None:
    claim_id = demo.claim_rows("held", limit=1)[0].id
    demo.note(claim_id, "called the payer")
    event = demo.audit_events(claim_id)[0]
    assert (event.action, json.loads(event.detail)) == (
        "note",
        {"note": "called the payer"},
    )
    assert demo.in_queue("held", claim_id)


def test_find_wraps_round_and_position_counts_the_claims_before(
    demo: Workspace,
) -> None:
    held = [row.id for row in demo.claim_rows("all", limit=500) if row.errors]
    first = demo.find("all", "~s held")
    assert first == held[0]
    assert demo.find("all", "~s held", after=held[-1]) == held[0]
    assert demo.find("all", "~s held", after=held[0], backward=True) == held[-1]
    assert demo.position("all", held[1]) == held[1] - 1


def test_tagged_claims_hidden_by_a_limit_are_still_counted(demo: Workspace) -> None:
    tagged = demo.claim_ids("all", "~s held")
    assert demo.count_among(tagged, "all") == len(tagged)
    assert demo.count_among(tagged, "all", "~w") < len(tagged)


SORTS = [
    "id",
    "patient_control_number",
    "payer_name",
    "total_charge",
    "service_date",
    "status",
]


@pytest.fixture
def sortable(demo: Workspace) -> Workspace:
    """The demo queue with tied charges, tied payers and claims without a date."""
    with Session(demo.engine) as session:
        records = session.exec(select(ClaimRecord).order_by(col(ClaimRecord.id))).all()
        for index, record in enumerate(records):
            if index % 3 == 0:
                record.total_charge = Decimal("125.50")
            if index % 4 == 0:
                record.service_date = None
            if index % 2 == 0:
                record.payer_name = "SAME PAYER"
            session.add(record)
        session.commit()
    return demo


def _expected(demo: Workspace, sort: str, descending: bool) -> list[int]:
    def value(row: ClaimRow) -> object:
        if sort == "service_date":
            return row.service_date or dt.date.min
        return getattr(row, sort)

    everything = demo.claim_rows("all", limit=10_000)
    ordered = sorted(everything, key=lambda row: (value(row), row.id))
    ids = [row.id for row in ordered]
    return ids[::-1] if descending else ids


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", SORTS)
def test_paging_a_sorted_queue_meets_every_claim_once_in_order(
    sortable: Workspace, sort: str, descending: bool
) -> None:
    expected = _expected(sortable, sort, descending)
    assert len(expected) == 48
    seen: list[int] = []
    after = None
    while True:
        page = sortable.claim_rows(
            "all", after=after, limit=5, sort=sort, descending=descending
        )
        if not page:
            break
        seen.extend(row.id for row in page)
        after = page[-1].key
    assert seen == expected

    backwards: list[int] = []
    before = Workspace.END
    while True:
        page = sortable.claim_rows(
            "all", before=before, limit=7, sort=sort, descending=descending
        )
        if not page:
            break
        backwards[:0] = [row.id for row in page]
        before = page[0].key
    assert backwards == expected


@pytest.mark.parametrize("descending", [False, True])
def test_position_and_search_follow_the_sort(
    sortable: Workspace, descending: bool
) -> None:
    expected = _expected(sortable, "service_date", descending)
    for index in (0, 5, 23, 47):
        claim_id = expected[index]
        position = sortable.position(
            "all", claim_id, sort="service_date", descending=descending
        )
        assert position == index
    found = sortable.find(
        "all",
        "~s held|~s review|~s ready|~s parked",
        after=expected[10],
        sort="service_date",
        descending=descending,
    )
    assert found == expected[11]


def test_sorting_by_an_unknown_column_is_refused(demo: Workspace) -> None:
    with pytest.raises(ReviewError, match="cannot sort by"):
        demo.claim_rows("all", sort="patient_name; drop table claim")


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """More demo claims than one lookup takes ids (``search.CHUNK``)."""
    return demo_workspace(tmp_path_factory.mktemp("many"), 600)


def test_counting_many_tagged_claims_agrees_with_the_queue(many: Workspace) -> None:
    everything = many.claim_ids("all")
    assert len(everything) > CHUNK
    assert many.count_among(everything, "held") == many.count("held")
    assert many.count_among(everything, "all", "~w") == many.count("all", "~w")
    every_other = everything[::2]
    shown = set(many.claim_ids("all", "~p medicare"))
    expected = len(shown.intersection(every_other))
    assert many.count_among(every_other, "all", "~p medicare") == expected


def test_rules_holding_many_tagged_claims_are_counted_as_their_queues(
    many: Workspace,
) -> None:
    everything = many.claim_ids("all")
    counted = dict(many.holding_rule_counts(everything))
    rule_queues = [q for q in many.queues() if q.group == "Rule"]
    assert counted == {q.name.removeprefix("rule:"): q.count for q in rule_queues}
    few = everything[:40]
    expected = {
        rule: count
        for rule in counted
        if (count := many.count_among(few, f"rule:{rule}"))
    }
    assert dict(many.holding_rule_counts(few)) == expected


def test_a_payer_queue_is_titled_with_the_name_of_claims_still_to_send(
    demo: Workspace,
) -> None:
    """An exported claim's payer name (say, before the payer renamed itself)
    does not title the payer's queue."""
    payer_id = next(q for q in demo.queues() if q.group == "Payer").name
    payer_id = payer_id.removeprefix("payer:")
    with Session(demo.engine) as session:
        records = session.exec(
            select(ClaimRecord).where(col(ClaimRecord.payer_id) == payer_id)
        ).all()
        records[0].status = "exported"
        records[0].payer_name = "ZZZ OLD NAME"
        session.add(records[0])
        session.commit()
    payer = next(q for q in demo.queues() if q.name == f"payer:{payer_id}")
    assert "ZZZ OLD NAME" not in payer.title
    assert payer.count == demo.count(f"payer:{payer_id}")


def test_payer_limit_matches_any_case_and_takes_wildcards_literally(
    demo: Workspace,
) -> None:
    medicare = demo.count("all", "~p medicare")
    assert medicare
    assert demo.count("all", "~p MediCare") == medicare
    assert demo.count("all", "~p MCRB1") == demo.count("payer:MCRB1")
    assert demo.count("all", "~p %") == 0
    assert demo.count("all", "~p _") == 0
    assert demo.count("all", "~p medicare | ~p blue") == (
        medicare + demo.count("all", "~p blue")
    )
