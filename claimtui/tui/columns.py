"""The queue's columns: what each shows and how wide it is at a given width."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len, set_cell_size

from claimtui.review import ClaimRow


@dataclass(frozen=True)
class Column:
    """One column of the queue list."""

    title: str
    """Header text."""
    width: int
    """Width in terminal cells."""
    value: Callable[[ClaimRow], str]
    """The text the column shows for a row."""
    align: Literal["left", "right"] = "left"
    """Right for amounts, left for everything else."""


def _flags(row: ClaimRow) -> str:
    return row.flags


def _claim(row: ClaimRow) -> str:
    return row.patient_control_number


def _patient(row: ClaimRow) -> str:
    return row.patient_name


def _payer(row: ClaimRow) -> str:
    return row.payer_name


def _charge(row: ClaimRow) -> str:
    return f"{row.total_charge:,.2f}"


def _service_date(row: ClaimRow) -> str:
    return row.service_date.isoformat() if row.service_date else ""


def _status(row: ClaimRow) -> str:
    return row.status


def _rules(row: ClaimRow) -> str:
    return " ".join(row.rules)


SEPARATOR = " "
"""Between two columns."""

_FIXED: list[tuple[str, int, Callable[[ClaimRow], str]]] = [
    ("Flg", 4, _flags),
    ("Claim", 12, _claim),
]
_FLEX_MINIMUM = 6

ROOMY = 76
"""Below this width the queue leaves out the rules column."""


def layout_columns(width: int) -> list[Column]:
    """The queue's columns fitted into ``width`` cells.

    Flags, claim number, charge, date and status keep their width; patient, payer
    and rules share what is left, the patient name getting the largest share. A
    queue narrower than ``ROOMY`` leaves out the rules column, and a queue too
    narrow for patient and payer then leaves out the service date as well.
    """
    fixed = [Column(title, size, value) for title, size, value in _FIXED]
    tail = [
        Column("Charge", 11, _charge, "right"),
        Column("Service", 10, _service_date),
        Column("Status", 8, _status),
    ]
    # Beside a detail pane the queue is narrower than any terminal; the rules
    # column gives way, as the Rules pane beside it names them in full, while
    # the service date is what billers scan the queue by.
    with_rules = width >= ROOMY
    flexible = 3 if with_rules else 2

    def spare_width() -> int:
        count = len(fixed) + len(tail) + flexible
        used = sum(column.width for column in fixed + tail)
        return width - used - (count - 1) * len(SEPARATOR)

    if spare_width() < flexible * _FLEX_MINIMUM:
        # Too narrow even so: the service date goes too.
        del tail[1]
    spare = max(flexible * _FLEX_MINIMUM, spare_width())
    if not with_rules:
        patient = max(_FLEX_MINIMUM, spare * 4 // 7)
        payer = spare - patient
        return [
            *fixed,
            Column("Patient", patient, _patient),
            Column("Payer", payer, _payer),
            *tail,
        ]
    patient = max(_FLEX_MINIMUM, spare * 2 // 5)
    payer = max(_FLEX_MINIMUM, spare * 3 // 10)
    rules = max(_FLEX_MINIMUM, spare - patient - payer)
    return [
        *fixed,
        Column("Patient", patient, _patient),
        Column("Payer", payer, _payer),
        *tail,
        Column("Rules", rules, _rules),
    ]


def fit(text: str, width: int, align: Literal["left", "right"] = "left") -> str:
    """``text`` padded or cut to exactly ``width`` cells; a cut ends in '…'."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    if align == "right":
        return " " * (width - cell_len(text)) + text
    return set_cell_size(text, width)


def format_row(columns: list[Column], row: ClaimRow) -> str:
    """One queue line for ``row``."""
    return SEPARATOR.join(
        fit(column.value(row), column.width, column.align) for column in columns
    )


def format_header(columns: list[Column]) -> str:
    """The header line naming the columns."""
    return SEPARATOR.join(
        fit(column.title, column.width, column.align) for column in columns
    )
