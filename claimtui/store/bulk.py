"""Inserting many rows at once, for imports.

SQLAlchemy's executemany of a table insert prepares each parameter set in
Python (bind processors, defaults, key lookups) at about as much cost as the
driver's own insert of the row. Where the driver takes positional parameters
(SQLite), ``insert_rows`` compiles the statement once per set of columns,
applies the columns' bind processors itself and hands the driver plain tuples;
elsewhere it leaves the work to SQLAlchemy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert

_Processor = Callable[[Any], Any] | None


def insert_rows(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    dialect = connection.dialect
    if dialect.paramstyle != "qmark":
        connection.execute(insert(table), list(rows))
        return
    sql, keys, processors = _compiled(table, frozenset(rows[0]), dialect)
    converting = [(index, p) for index, p in enumerate(processors) if p is not None]
    if not converting:
        values = [tuple([row[key] for key in keys]) for row in rows]
    else:
        values = []
        for row in rows:
            value = [row[key] for key in keys]
            for index, processor in converting:
                value[index] = processor(value[index])
            values.append(tuple(value))
    connection.exec_driver_sql(sql, values)


@functools.cache
def _compiled(
    table: Table, columns: frozenset[str], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[_Processor, ...]]:
    """The positional insert of ``columns``: its SQL, the order its parameters
    take, and each one's bind processor."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    keys = tuple(compiled.positiontup or ())
    if set(keys) != columns:
        # A column with a default the rows leave out: the rows must say it.
        raise ValueError(f"insert into {table.name}: the rows give {sorted(columns)}")
    processors = tuple(
        table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys
    )
    return compiled.string, keys, processors
