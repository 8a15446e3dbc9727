"""Element value helpers shared by the reader and the writer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

_NUMBER_CHARS = "0123456789.-"


def parse_decimal(text: str) -> Decimal | None:
    """An X12 numeric (R) value, or None when it is not a plain decimal number."""
    if not text or text.strip(_NUMBER_CHARS):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_int(text: str) -> int | None:
    """A whole number made of digits only, or None."""
    return int(text) if text.isdigit() and text.isascii() else None


def parse_d8(text: str) -> dt.date | None:
    """A CCYYMMDD date, or None when it is not a real date."""
    if len(text) != 8 or not text.isdigit() or not text.isascii():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def format_decimal(value: Decimal) -> str:
    """Shortest plain form of a number: 125, 125.5, 0 (never 1E+2 or 125.50)."""
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_d8(value: dt.date) -> str:
    """CCYYMMDD."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"
