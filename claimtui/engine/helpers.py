"""Functions rule conditions may call, computed natively rather than in CEL.

Each helper takes and returns plain CEL values (strings, numbers, lists, bools).
Dates arrive as ISO strings (``2024-03-01``) because that is how the activation
carries them; ISO strings also compare correctly with ``<`` and ``>``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from claimtui.engine.codesets import icd10_billable, icd10_known, zip_known, zip_state

_NPI = re.compile(r"[0-9]{10}")
_NON_DIGITS = re.compile(r"[^0-9]")

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
        "FM",
        "MH",
        "PW",
        "AA",
        "AE",
        "AP",
    ]
)
"""USPS codes for states, DC, territories and military post offices (N402)."""

CANADIAN_PROVINCES = frozenset(
    ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
)
"""Canadian province codes, valid in N402 and CLM11-4 with country CA."""


_pattern = functools.lru_cache(maxsize=512)(re.compile)


def fullmatch(value: str, pattern: str) -> bool:
    """True when the whole of ``value`` matches the regular expression.

    Preferred over CEL's ``matches()``, which compiles its pattern on every call
    (about 15 microseconds, against half a microsecond here).
    """
    return isinstance(value, str) and _pattern(pattern).fullmatch(value) is not None


def search(value: str, pattern: str) -> bool:
    """True when the regular expression matches somewhere in ``value``."""
    return isinstance(value, str) and _pattern(pattern).search(value) is not None


def npi_valid(value: str) -> bool:
    """True when ``value`` is 10 digits whose last digit is the NPI check digit.

    The check digit is the Luhn digit of the 9 leading digits prefixed with the
    card issuer prefix 80840, as the NPI standard defines.
    """
    if not isinstance(value, str):
        return False
    return _npi_check_digit_ok(value)


@functools.lru_cache(maxsize=4096)
def _npi_check_digit_ok(value: str) -> bool:
    if _NPI.fullmatch(value) is None:
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + value)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def digits(value: str) -> str:
    """The digits of ``value`` with everything else removed."""
    return _NON_DIGITS.sub("", value) if isinstance(value, str) else ""


def blank(value: Any) -> bool:
    """True for null, an empty or all-space string, or an empty list or map."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value
    return False


def has_duplicates(values: list[Any]) -> bool:
    """True when a value occurs more than once in the list."""
    return len(set(map(str, values))) != len(values)


def money_sum(values: list[Any]) -> float:
    """The sum of money amounts, rounded to cents so equal totals compare equal."""
    total = sum((Decimal(str(value)) for value in values), Decimal(0))
    return float(round(total, 2))


@functools.lru_cache(maxsize=4096)
def _date(value: str) -> dt.date:
    # Claims of a batch share few dates, and rules read each one many times.
    return dt.date.fromisoformat(value)


def add_days(value: str, days: int) -> str:
    """The ISO date ``days`` days after ``value`` (negative for before)."""
    return (_date(value) + dt.timedelta(days=int(days))).isoformat()


def add_months(value: str, months: int) -> str:
    """The ISO date ``months`` calendar months after ``value``.

    A day that does not exist in the target month becomes its last day, so
    31 January plus one month is 28 or 29 February.
    """
    start = _date(value)
    index = start.year * 12 + start.month - 1 + int(months)
    year, month = divmod(index, 12)
    month += 1
    for day in range(start.day, 27, -1):
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            continue
    return dt.date(year, month, min(start.day, 28)).isoformat()


def month_start(value: str) -> str:
    """The first day of the month of the ISO date ``value``."""
    return _date(value).replace(day=1).isoformat()


def year_start(value: str) -> str:
    """1 January of the year of the ISO date ``value``."""
    return _date(value).replace(month=1, day=1).isoformat()


def days_between(start: str, end: str) -> int:
    """Days from ``start`` to ``end``; negative when ``end`` is earlier."""
    return (_date(end) - _date(start)).days


def us_state(value: str) -> bool:
    """True for a USPS state, territory or military code."""
    return value in US_STATES


def state_or_province(value: str) -> bool:
    """True for a USPS code or a Canadian province code."""
    return value in US_STATES or value in CANADIAN_PROVINCES


def jurisdiction(case_jurisdiction: str, billing_address: Any) -> str:
    """The state whose Workers' Comp law applies, for state packs to test.

    ``case_jurisdiction`` is ``claim.jurisdiction`` (case data, not in the 837P);
    when blank, the billing provider's state (``billing_provider.address``, a map
    or null) stands in for it. Scope ``states`` matches the billing provider's
    state only, so state packs call this in their condition instead.
    """
    if isinstance(case_jurisdiction, str) and case_jurisdiction.strip():
        return case_jurisdiction.strip().upper()
    if isinstance(billing_address, dict):
        state = billing_address.get("state")
        return state.upper() if isinstance(state, str) else ""
    return ""


def code_in(code: str, patterns: list[str]) -> bool:
    """True when ``code`` matches one of ``patterns``.

    A pattern is a code (``99213``), a prefix ending in ``*`` (``992*``), or an
    inclusive range of codes of the same length (``99202-99215``, ``S00-T88``;
    a range compares the code's first characters, as many as the bounds have).
    """
    if not isinstance(code, str) or not code:
        return False
    return any(_code_matches(code, pattern) for pattern in patterns)


@functools.lru_cache(maxsize=4096)
def _code_matches(code: str, pattern: str) -> bool:
    pattern = pattern.strip().upper()
    code = code.upper()
    if pattern.endswith("*"):
        return code.startswith(pattern[:-1])
    low, dash, high = pattern.partition("-")
    if dash and low and high and len(low) == len(high):
        return low <= code[: len(low)] <= high
    return code == pattern


HELPERS: dict[str, Callable[..., Any]] = {
    "fullmatch": fullmatch,
    "search": search,
    "npi_valid": npi_valid,
    "digits": digits,
    "blank": blank,
    "has_duplicates": has_duplicates,
    "money_sum": money_sum,
    "add_days": add_days,
    "add_months": add_months,
    "days_between": days_between,
    "month_start": month_start,
    "year_start": year_start,
    "us_state": us_state,
    "state_or_province": state_or_province,
    "jurisdiction": jurisdiction,
    "code_in": code_in,
    "icd10_known": icd10_known,
    "icd10_billable": icd10_billable,
    "zip_known": zip_known,
    "zip_state": zip_state,
}
"""Every helper a condition may call, by the name it is called with."""
