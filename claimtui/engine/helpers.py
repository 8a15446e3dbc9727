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

from iso3166 import countries_by_alpha2

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


def iso_country(value: str) -> bool:
    """True for an ISO 3166-1 alpha-2 country code in capitals (CLM11-5, N404).

    The list is the ``iso3166`` package's: the officially assigned codes plus
    XK (Kosovo), which payers and clearinghouses use in the same way.
    """
    return isinstance(value, str) and value in countries_by_alpha2


MODIFIER_ACTIONS = ("inject", "require", "forbid", "warn")
"""What a row of table modifier-requirements asks for its modifier (MOD-08)."""

_MODIFIER = re.compile(r"[A-Z0-9]{2}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _cell(row: dict[str, Any], column: str) -> str:
    value = row.get(column, "")
    return value.strip() if isinstance(value, str) else ""


def _valid_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def modifier_row_valid(row: dict[str, Any]) -> bool:
    """True when a row of table modifier-requirements can be applied.

    It needs a payer id (``*`` for any payer), a two-character modifier, an
    action from ``MODIFIER_ACTIONS`` and, where given, ISO dates.
    """
    if not isinstance(row, dict):
        return False
    dates = [_cell(row, "effective_from"), _cell(row, "effective_to")]
    return (
        bool(_cell(row, "payer_id"))
        and _MODIFIER.fullmatch(_cell(row, "modifier")) is not None
        and _cell(row, "action") in MODIFIER_ACTIONS
        and all(not date or _valid_date(date) for date in dates)
    )


def _rendering(line: dict[str, Any], *providers: Any) -> dict[str, Any]:
    """The provider who rendered ``line``: 2420A, else 2310B, else 2010AA."""
    for provider in (line.get("rendering_provider"), *providers):
        if isinstance(provider, dict):
            return provider
    return {}


def _row_applies(row: dict[str, Any], facts: dict[str, str]) -> bool:
    payer = _cell(row, "payer_id")
    if payer not in ("*", facts["payer_id"]) or not modifier_row_valid(row):
        return False
    for column in ("claim_filing_code", "state", "rendering_npi"):
        wanted = _cell(row, column).upper()
        if wanted and wanted != facts[column].upper():
            return False
    for column in ("procedure_code", "taxonomy"):
        pattern = _cell(row, column)
        if pattern and not code_in(facts[column], [pattern]):
            return False
    start, end = _cell(row, "effective_from"), _cell(row, "effective_to")
    day = facts["service_date"]
    if (start or end) and not day:
        return False
    return (not start or day >= start) and (not end or day <= end)


def modifiers_due(
    rows: list[Any],
    payer: Any,
    subscriber: Any,
    line: Any,
    rendering_provider: Any,
    billing_provider: Any,
) -> list[str]:
    """The modifiers that rows of table modifier-requirements still ask of a line.

    A row applies to the line when its payer id is the claim's (or ``*``),
    and each of its other filled columns matches: claim_filing_code (SBR09),
    state (the billing provider's, 2010AA N402), procedure_code (a code,
    ``H00*`` prefix or range), taxonomy and rendering_npi (of the line's
    rendering provider: 2420A, else 2310B, else the billing provider), and
    the line's service date lies within effective_from..effective_to. An
    applying row is due when its modifier is missing from the line (inject,
    require, warn) or present on it (forbid). Invalid rows never apply.

    ``payer``, ``subscriber``, ``line`` and the providers are the maps a
    condition sees (null where absent); the result lists each due modifier
    once, in row order.
    """
    if not isinstance(line, dict):
        return []
    provider = _rendering(line, rendering_provider, billing_provider)
    billing = billing_provider if isinstance(billing_provider, dict) else {}
    address = billing.get("address")
    facts = {
        "payer_id": _cell(payer, "payer_id") if isinstance(payer, dict) else "",
        "claim_filing_code": _cell(subscriber, "claim_filing_code")
        if isinstance(subscriber, dict)
        else "",
        "state": _cell(address, "state") if isinstance(address, dict) else "",
        "rendering_npi": _cell(provider, "npi"),
        "taxonomy": _cell(provider, "taxonomy"),
        "procedure_code": _cell(line, "procedure_code"),
        "service_date": _cell(line, "service_date"),
    }
    present = set(line.get("modifiers") or [])
    due: dict[str, None] = {}
    for row in rows:
        if not isinstance(row, dict) or not _row_applies(row, facts):
            continue
        modifier = _cell(row, "modifier")
        if (modifier in present) == (_cell(row, "action") == "forbid"):
            due[modifier] = None
    return list(due)


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
    "iso_country": iso_country,
    "modifier_row_valid": modifier_row_valid,
    "modifiers_due": modifiers_due,
    "jurisdiction": jurisdiction,
    "code_in": code_in,
    "icd10_known": icd10_known,
    "icd10_billable": icd10_billable,
    "zip_known": zip_known,
    "zip_state": zip_state,
}
"""Every helper a condition may call, by the name it is called with."""
