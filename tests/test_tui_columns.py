"""Queue columns: every width gets every column, cut values say they were cut."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from claimtui.tui.columns import (
    ROOMY,
    SEPARATOR,
    fit,
    format_header,
    layout_columns,
)


@pytest.mark.parametrize("width", [60, 75, 76, 80, 99, 120, 159, 200])
def test_columns_fill_the_width_exactly(width: int) -> None:
    columns = layout_columns(width)
    used = sum(column.width for column in columns)
    assert used + len(SEPARATOR) * (len(columns) - 1) == width


def test_every_column_is_there_even_at_80() -> None:
    header = format_header(layout_columns(80))
    titles = ["Flg", "Claim", "Patient", "Payer", "Charge", "Service", "Status"]
    for title in [*titles, "Rules"]:
        assert title in header


def test_a_cut_value_ends_in_an_ellipsis() -> None:
    assert fit("HERNANDEZ-OKAFOR, MARIA", 10) == "HERNANDEZ…"
    assert fit("SMITH", 8) == "SMITH   "
    assert fit("12.50", 8, "right") == "   12.50"


def test_wide_characters_are_measured_in_cells() -> None:
    assert cell_len(fit("山田太郎さん", 7)) == 7


def test_a_queue_narrower_than_a_terminal_keeps_the_date_and_leaves_out_rules() -> None:
    beside_detail = format_header(layout_columns(ROOMY - 1))
    assert "Service" in beside_detail and "Rules" not in beside_detail
    full = format_header(layout_columns(ROOMY))
    assert "Service" in full and "Rules" in full


def test_the_queue_beside_the_tabbed_detail_at_120_shows_the_service_date() -> None:
    # 120 columns: the queue gets three fifths less its scroll bar.
    columns = layout_columns(120 * 3 // 5 - 1)
    titles = [column.title for column in columns]
    assert "Service" in titles and "Rules" not in titles
    assert min(column.width for column in columns) >= 4
