"""Limit and search patterns: a biller's short filter language, turned into SQL.

A pattern narrows a queue (``l`` in the console) or finds claims in it (``/``).
Terms, in the style mail readers use::

    ~p aetna            payer name contains "aetna", or payer id is "aetna"
    ~r MI-04            a rule found something on the claim (not exempted)
    ~s held             status is held (held, review, ready, parked, exported)
    ~f E                flags contain E (! error, A approved, E exempted,
                        O overridden, D edited, P parked)
    ~a >1000            total charge; also <, >=, <=, =, 100..500
    ~d 2025-01-01..2025-03-31   first service date; either end may be left off
    ~w                  Workers' Comp
    ~x                  accident (auto or other)
    ~c                  corrected or void (CLM05-3 7 or 8)
    ~u pat              assigned to a user (``~u`` alone: assigned to anyone)
    smith               claim number, patient or payer contains "smith"

Terms side by side must all hold; ``|`` means either; ``!`` negates the term after
it; parentheses group. Values with spaces go in double quotes. ``parse`` checks a
pattern without a database; ``pattern_filter`` gives the SQL condition that the
queue combines with its own, so paging stays keyset over an index.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, not_, or_, true
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select

from claimtui.review.views import ReviewError
from claimtui.store import ClaimRecord, FindingRecord

STATUSES = ("held", "review", "ready", "parked", "exported")
"""Values ``~s`` accepts."""

_VALUE_TERMS = {"p", "r", "s", "f", "a", "d"}
_FLAG_TERMS = {"w", "x", "c"}
_OPTIONAL_VALUE_TERMS = {"u"}
_TOKEN = re.compile(r'\s*(?:(~[a-z])|([!|()])|"([^"]*)"|([^\s!|()"]+))')


class PatternError(ReviewError):
    """A pattern that cannot be read; the message says where and what to write."""


@dataclass(frozen=True)
class Term:
    """One test on a claim, e.g. ``~p aetna`` or a bare word."""

    letter: str
    """The term letter (p, r, s, f, a, d, w, x, c, u), or "" for a bare word."""
    value: str = ""
    """What follows the letter, as written."""


@dataclass(frozen=True)
class Not:
    """The claims the inner pattern does not match."""

    inner: Node


@dataclass(frozen=True)
class All:
    """Every part must match (terms side by side)."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    """At least one part must match (terms joined by ``|``)."""

    parts: tuple[Node, ...]


Node = Term | Not | All | Any_

Bounds = tuple[object, object, bool, bool]
"""(low, high, low inclusive, high inclusive); None for an open end."""


def _tokens(pattern: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: kind is term, op, word."""
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = pattern.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise PatternError(
                f"cannot read the pattern at column {position + 1}: "
                "close the double quote"
            )
        letter, operator, quoted, word = match.groups()
        if letter:
            tokens.append(("term", letter[1]))
        elif operator:
            tokens.append(("op", operator))
        else:
            tokens.append(("word", quoted if quoted is not None else word))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def either(self) -> Node:
        parts = [self.both()]
        while self.peek() == ("op", "|"):
            self.take()
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else Any_(tuple(parts))

    def both(self) -> Node:
        parts = [self.unary()]
        while (token := self.peek()) is not None and token not in (
            ("op", "|"),
            ("op", ")"),
        ):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise PatternError("the pattern ends too soon: a term is missing")
        kind, text = self.take()
        if (kind, text) == ("op", "!"):
            return Not(self.unary())
        if (kind, text) == ("op", "("):
            inner = self.either()
            if self.peek() != ("op", ")"):
                raise PatternError("a '(' is not closed: add ')'")
            self.take()
            return inner
        if kind == "op":
            raise PatternError(f"'{text}' cannot stand here; a term must come first")
        if kind == "word":
            return Term("", text)
        return self.term(text)

    def term(self, letter: str) -> Node:
        if letter in _FLAG_TERMS:
            return Term(letter)
        following = self.peek()
        has_value = following is not None and following[0] == "word"
        if letter in _OPTIONAL_VALUE_TERMS:
            return Term(letter, self.take()[1] if has_value else "")
        if letter not in _VALUE_TERMS:
            raise PatternError(
                f"~{letter} is not a pattern term; use ~p ~r ~s ~f ~a ~d ~w ~x ~c ~u"
            )
        if not has_value:
            raise PatternError(f"~{letter} needs a value, e.g. {_EXAMPLES[letter]}")
        value = self.take()[1]
        _check(letter, value)
        return Term(letter, value)


_EXAMPLES = {
    "p": "~p aetna",
    "r": "~r MI-04",
    "s": "~s held",
    "f": "~f E",
    "a": "~a >1000",
    "d": "~d 2025-01-01..2025-03-31",
}


def parse(pattern: str) -> Node | None:
    """The pattern as a tree; None for a blank pattern.

    Raises:
        PatternError: the pattern is not well formed or a value does not fit.
    """
    tokens = _tokens(pattern)
    if not tokens:
        return None
    parser = _Parser(tokens)
    node = parser.either()
    if parser.peek() is not None:
        raise PatternError("a ')' has no '(' before it")
    return node


def _check(letter: str, value: str) -> None:
    """Refuse values the SQL could not use, with a message that says why."""
    if letter == "s" and value.lower() not in STATUSES:
        raise PatternError(f"~s takes one of {', '.join(STATUSES)}, not '{value}'")
    if letter == "a":
        _amount_range(value)
    if letter == "d":
        _date_range(value)


_COMPARISON = re.compile(r"^(<=|>=|<|>|=)?(.*)$")


def _bounds(value: str, read: Callable[[str], object]) -> Bounds:
    """(low, high, low inclusive, high inclusive) from ``>x``, ``a..b`` or ``x``."""
    if ".." in value:
        low_text, _, high_text = value.partition("..")
        low = read(low_text) if low_text else None
        high = read(high_text) if high_text else None
        return low, high, True, True
    match = _COMPARISON.match(value)
    assert match is not None
    operator, rest = match.groups()
    number = read(rest)
    return {
        None: (number, number, True, True),
        "=": (number, number, True, True),
        ">": (number, None, False, True),
        ">=": (number, None, True, True),
        "<": (None, number, True, False),
        "<=": (None, number, True, True),
    }[operator]


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "").lstrip("$"))
    except InvalidOperation:
        raise PatternError(
            f"~a takes an amount such as >1000, <=250.00 or 100..500, not '{text}'"
        ) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PatternError(
            f"~d takes dates as YYYY-MM-DD, e.g. 2025-01-01..2025-03-31, not '{text}'"
        ) from None


def _amount_range(value: str) -> Bounds:
    return _bounds(value, _amount)


def _date_range(value: str) -> Bounds:
    return _bounds(value, _date)


def _between(column: Any, bounds: Bounds) -> ColumnElement[bool]:
    low, high, low_inclusive, high_inclusive = bounds
    conditions: list[ColumnElement[bool]] = []
    if low is not None:
        conditions.append(column >= low if low_inclusive else column > low)
    if high is not None:
        conditions.append(column <= high if high_inclusive else column < high)
    return and_(true(), *conditions)


def _rule(rule_id: str) -> ColumnElement[bool]:
    return exists().where(
        and_(
            col(FindingRecord.claim_id) == col(ClaimRecord.id),
            col(FindingRecord.rule_id).ilike(rule_id),
            col(FindingRecord.exempted).is_(False),
        )
    )


def _payer_names_containing(value: str) -> Select[tuple[str]]:
    """The distinct payer names that contain ``value``, ignoring case.

    A practice has tens of payers and many thousand claims, so the text is
    matched against each distinct name once, not against every claim: the
    names are read from the payer name index one step at a time, each the
    least name after the one before (a loose index scan), and the claims of
    the matching names are then found through the same index.
    """
    inner = aliased(ClaimRecord)
    first = select(func.min(ClaimRecord.payer_name).label("name"))
    names = first.cte(recursive=True)
    following = (
        select(func.min(inner.payer_name))
        .where(col(inner.payer_name) > names.c.name)
        .scalar_subquery()
    )
    names = names.union_all(select(following).where(names.c.name.is_not(None)))
    return select(names.c.name).where(names.c.name.icontains(value, autoescape=True))


def _term_filter(term: Term) -> ColumnElement[bool]:
    value = term.value
    match term.letter:
        case "":
            columns = (
                ClaimRecord.patient_control_number,
                ClaimRecord.patient_name,
                ClaimRecord.payer_name,
            )
            return or_(
                *(col(column).icontains(value, autoescape=True) for column in columns)
            )
        case "p":
            return or_(
                col(ClaimRecord.payer_name).in_(_payer_names_containing(value)),
                col(ClaimRecord.payer_id) == value,
            )
        case "r":
            return _rule(value)
        case "s":
            return col(ClaimRecord.status) == value.lower()
        case "f":
            return col(ClaimRecord.flags).contains(value.upper(), autoescape=True)
        case "a":
            return _between(col(ClaimRecord.total_charge), _amount_range(value))
        case "d":
            return _between(col(ClaimRecord.service_date), _date_range(value))
        case "w":
            return col(ClaimRecord.kind) == "WC"
        case "x":
            return col(ClaimRecord.kind).in_(["AA", "OA"])
        case "c":
            return col(ClaimRecord.frequency_code).in_(["7", "8"])
        case "u":
            if not value:
                return col(ClaimRecord.assigned_to) != ""
            return col(ClaimRecord.assigned_to) == value
    return false()


def node_filter(node: Node) -> ColumnElement[bool]:
    """The SQL condition for a parsed pattern."""
    if isinstance(node, Term):
        return _term_filter(node)
    if isinstance(node, Not):
        return not_(node_filter(node.inner))
    if isinstance(node, All):
        return and_(*(node_filter(part) for part in node.parts))
    return or_(*(node_filter(part) for part in node.parts))


def pattern_filter(pattern: str) -> ColumnElement[bool] | None:
    """The SQL condition for ``pattern`` over the claim table; None when blank.

    Raises:
        PatternError: the pattern cannot be read.
    """
    node = parse(pattern)
    return None if node is None else node_filter(node)
