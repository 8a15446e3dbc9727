"""Practice-supplied reference tables: licensed code lists rules look values up in.

Some checks need data the product cannot ship: NCCI procedure-to-procedure
pairs and MUE limits (published by CMS but updated quarterly), CPT codes (AMA
licensed), coverage policies, each payer's prior-authorization list. A practice
puts such a table as a CSV file in a ``tables/`` folder inside one of its rule
folders::

    ~/claimtui-rules/
      overrides.yaml
      tables/
        ncci-ptp.csv          column1,column2,modifier_indicator,effective_from,...
        mue.csv               code,limit,mai

The file name without ``.csv`` is the table's name. The first row names the
columns; every value is text (empty cells are empty strings). A table in a
later layer replaces one of the same name from an earlier layer. The tables the
shipped rules read, and their columns, are listed in ``rules/README.md``.

Rules reach tables through three functions:

- ``table_supplied(name)``: whether the practice supplied the table, so a rule
  can say "table X not supplied" instead of passing silently;
- ``table_has(name, column, value)``: whether any row has ``value`` in ``column``;
- ``table_rows(name, column, value)``: the rows (maps of column to text) with
  ``value`` in ``column``, for conditions that compare further columns.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TABLES_FOLDER = "tables"
"""The folder, inside a rule layer, that holds the layer's CSV tables."""


class TableError(ValueError):
    """A table file that cannot be read; the message names the file and line."""

    def __init__(self, file: str, line: int | None, detail: str) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {detail}")
        self.file = file
        self.line = line
        self.detail = detail


@dataclass
class Table:
    """One reference table: its columns and rows, indexed by column on demand."""

    name: str
    """The table name: the file name without ``.csv``."""
    columns: tuple[str, ...]
    """Column names from the header row."""
    rows: list[dict[str, str]]
    """Every data row, as column name to text."""
    source: str = ""
    """The file the table was read from."""
    fingerprint: str = ""
    """Hash of the file's text, part of the rule set version."""
    _index: dict[str, dict[str, list[dict[str, str]]]] = field(
        default_factory=dict, repr=False
    )

    def matching(self, column: str, value: str) -> list[dict[str, str]]:
        """Rows whose ``column`` holds ``value`` exactly (an index per column)."""
        index = self._index.get(column)
        if index is None:
            index = {}
            for row in self.rows:
                index.setdefault(row.get(column, ""), []).append(row)
            self._index[column] = index
        return index.get(value, [])


def parse_table(name: str, text: str, source: str = "") -> Table:
    """Parse CSV ``text`` into a table.

    Raises:
        TableError: no header row, an empty or repeated column name, or a row
            with more cells than the header has columns.
    """
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    where = source or name
    if not header:
        raise TableError(where, 1, "the first row must name the columns")
    columns = tuple(cell.strip() for cell in header)
    if any(not column for column in columns) or len(set(columns)) != len(columns):
        raise TableError(where, 1, "column names must be present and distinct")
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            detail = f"{len(cells)} cells but {len(columns)} columns"
            raise TableError(where, number, detail)
        padded = [cell.strip() for cell in cells] + [""] * (len(columns) - len(cells))
        rows.append(dict(zip(columns, padded, strict=True)))
    fingerprint = hashlib.sha256(text.encode()).hexdigest()[:16]
    return Table(name, columns, rows, source, fingerprint)


def read_table(path: Path) -> Table:
    """Read one CSV table file.

    Raises:
        TableError: the file cannot be read or parsed.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise TableError(str(path), None, f"cannot read the table ({error})") from None
    return parse_table(path.stem, text, str(path))


@dataclass
class Tables:
    """The reference tables in force, by name."""

    by_name: dict[str, Table] = field(default_factory=dict)

    @classmethod
    def of(cls, rows_by_name: Mapping[str, Sequence[Mapping[str, Any]]]) -> Tables:
        """Tables from in-memory rows (rule examples write tables this way)."""
        tables = {}
        for name, rows in rows_by_name.items():
            text_rows = [{k: str(v) for k, v in row.items()} for row in rows]
            columns: dict[str, None] = {}
            for row in text_rows:
                columns.update(dict.fromkeys(row))
            full = [{c: row.get(c, "") for c in columns} for row in text_rows]
            tables[name] = Table(name, tuple(columns), full, "example")
        return cls(tables)

    def supplied(self, name: str) -> bool:
        """True when a table of this name was supplied."""
        return name in self.by_name

    def has(self, name: str, column: str, value: str) -> bool:
        """True when the table has a row with ``value`` in ``column``."""
        table = self.by_name.get(name)
        return table is not None and bool(table.matching(column, str(value)))

    def rows(self, name: str, column: str, value: str) -> list[dict[str, str]]:
        """The table's rows with ``value`` in ``column`` (none if not supplied)."""
        table = self.by_name.get(name)
        return [] if table is None else table.matching(column, str(value))

    def functions(self) -> dict[str, Callable[..., Any]]:
        """The table functions rule expressions call, bound to these tables."""
        return {
            "table_supplied": self.supplied,
            "table_has": self.has,
            "table_rows": self.rows,
        }


TABLE_FUNCTIONS = frozenset(["table_supplied", "table_has", "table_rows"])
"""Names of the table functions, for checking expressions at load time."""


def load_tables(dirs: Sequence[Path]) -> tuple[Tables, list[TableError]]:
    """The tables in each layer's ``tables/`` folder, later layers winning.

    Returns the tables and the problems met; a table with a problem is left
    out, so rules that read it say it was not supplied.
    """
    found: dict[str, Table] = {}
    problems: list[TableError] = []
    for folder in dirs:
        table_dir = folder / TABLES_FOLDER
        if not table_dir.is_dir():
            continue
        for path in sorted(table_dir.glob("*.csv")):
            try:
                found[path.stem] = read_table(path)
            except TableError as error:
                problems.append(error)
                found.pop(path.stem, None)
    if found:
        log.info("reference tables loaded: %s", ", ".join(sorted(found)))
    return Tables(found), problems
