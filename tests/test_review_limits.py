"""Limit and search patterns: parsed without a database, applied as SQL."""

from __future__ import annotations

import re

import pytest

from claimtui.review import ClaimRow, Workspace
from claimtui.review.demo import load_demo
from claimtui.review.limits import All, Any_, Not, PatternError, Term, parse


def test_terms_side_by_side_must_all_hold() -> None:
    assert parse("~p aetna ~a >1000") == All((Term("p", "aetna"), Term("a", ">1000")))


def test_bar_means_either_and_binds_looser_than_side_by_side() -> None:
    assert parse("~w ~s held | ~x") == Any_(
        (All((Term("w"), Term("s", "held"))), Term("x"))
    )


def test_bang_negates_the_next_term_or_group() -> None:
    assert parse("!(~w | ~x)") == Not(Any_((Term("w"), Term("x"))))


def test_quoted_value_keeps_its_spaces() -> None:
    assert parse('~p "blue cross"') == Term("p", "blue cross")


def test_bare_word_searches_claim_patient_and_payer() -> None:
    assert parse("smith") == Term("", "smith")


def test_blank_pattern_is_no_pattern() -> None:
    assert parse("   ") is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("~q x", "~q is not a pattern term"),
        ("~a lots", "~a takes an amount"),
        ("~d 2025-13-01", "~d takes dates as YYYY-MM-DD"),
        ("~s sent", "~s takes one of held"),
        ("(~w", "'(' is not closed"),
        ("~w )", "')' has no '('"),
        ("~p", "~p needs a value"),
        ("| ~w", "'|' cannot stand here"),
        ('~p "open', "close the double quote"),
    ],
)
def test_bad_patterns_say_what_to_write(pattern: str, message: str) -> None:
    with pytest.raises(PatternError, match=re.escape(message)):
        parse(pattern)


@pytest.fixture
def demo(workspace: Workspace) -> Workspace:
    load_demo(workspace, count=48)
    return workspace


def _ids(workspace: Workspace, pattern: str) -> set[int]:
    return {row.id for row in workspace.claim_rows("all", limit=500, pattern=pattern)}


def _all_rows(workspace: Workspace) -> list[ClaimRow]:
    return workspace.claim_rows("all", limit=500)


def test_status_limit_matches_the_status_column(demo: Workspace) -> None:
    expected = {row.id for row in _all_rows(demo) if row.status == "held"}
    assert expected
    assert _ids(demo, "~s held") == expected


def test_amount_limit_compares_the_total_charge(demo: Workspace) -> None:
    expected = {row.id for row in _all_rows(demo) if row.total_charge > 150}
    assert expected
    assert _ids(demo, "~a >150") == expected
    assert demo.count("all", "~a >150") == len(expected)


def test_negated_either_is_everything_else(demo: Workspace) -> None:
    everything = {row.id for row in _all_rows(demo)}
    special = _ids(demo, "~w | ~x")
    assert special
    assert _ids(demo, "!(~w | ~x)") == everything - special


def test_rule_limit_finds_claims_the_rule_holds(demo: Workspace) -> None:
    held = next(row for row in _all_rows(demo) if row.rules)
    rule_id = held.rules[0]
    holding = {row.id for row in _all_rows(demo) if rule_id in row.rules}
    assert holding <= _ids(demo, f"~r {rule_id}")
    assert not holding & _ids(demo, f"!~r {rule_id}")


def test_date_range_keeps_both_ends(demo: Workspace) -> None:
    dates = sorted({row.service_date for row in _all_rows(demo) if row.service_date})
    low, high = dates[1], dates[-2]
    expected = {
        row.id
        for row in _all_rows(demo)
        if row.service_date and low <= row.service_date <= high
    }
    assert _ids(demo, f"~d {low}..{high}") == expected


def test_limit_pages_by_key_like_the_queue(demo: Workspace) -> None:
    first = demo.claim_rows("all", limit=3, pattern="~s held")
    second = demo.claim_rows("all", after=first[-1].key, limit=3, pattern="~s held")
    assert all(row.status == "held" for row in first + second)
    assert first[-1].id < second[0].id
