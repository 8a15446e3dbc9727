"""Opening the database: SQLite in the user data dir by default, any URL by choice.

A SQLite file is created owner-only (it holds patient data) and runs in WAL mode.
The audit table refuses updates and deletes at the database level, so the log stays
append-only whatever code runs against it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.schema import CreateIndex
from sqlmodel import SQLModel, create_engine

from claimtui.store import tables  # noqa: F401  (registers the tables)

log = logging.getLogger(__name__)

DATABASE_ENV = "CLAIMTUI_DATABASE_URL"


class StoreError(Exception):
    """The database cannot be opened or used; the message says what to do."""


def default_database_path() -> Path:
    """The SQLite file in the platformdirs user data dir."""
    return Path(platformdirs.user_data_dir("claimtui")) / "claimtui.sqlite"


def resolve_database_url(url: str | None) -> str:
    """The URL given, else CLAIMTUI_DATABASE_URL, else the default SQLite file."""
    chosen = url or os.environ.get(DATABASE_ENV, "")
    if chosen:
        return chosen
    return f"sqlite:///{default_database_path()}"


def _create_private_file(path: Path) -> None:
    """Create the SQLite file (and its folder) readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(descriptor)
    os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]

_APPEND_ONLY_POSTGRES = [
    """CREATE OR REPLACE FUNCTION claimtui_audit_append_only() RETURNS trigger
    AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$
    LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_append_only ON audit_event",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION claimtui_audit_append_only()""",
]


def open_engine(url: str | None = None) -> Engine:
    """Open (and create if needed) the database and its tables.

    Raises:
        StoreError: the URL is malformed or the database cannot be reached.
    """
    resolved = resolve_database_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as error:
        raise StoreError(
            f"database URL is not valid ({error}); use e.g. "
            "sqlite:///path/to/claims.sqlite or postgresql://user@host/db"
        ) from None
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if (url or os.environ.get(DATABASE_ENV)) and not path.parent.is_dir():
            # A folder is made only for the default database; a chosen path with
            # a missing folder is more likely a typo than a new practice.
            raise StoreError(
                f"the folder {path.parent} does not exist; check the database URL"
            )
        _create_private_file(path)
    try:
        engine = create_engine(resolved)
    except (ArgumentError, NoSuchModuleError, ImportError) as error:
        shown = parsed.render_as_string(hide_password=True)
        raise StoreError(
            f"cannot use the database URL {shown}: "
            f"{type(error).__name__}; use sqlite:///path/to/file.sqlite or "
            "postgresql://user@host/database"
        ) from None
    try:
        if is_sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
        SQLModel.metadata.create_all(engine)
        _add_missing_columns(engine)
        _install_append_only(engine)
    except SQLAlchemyError as error:
        raise StoreError(
            f"cannot open the database {parsed.render_as_string(hide_password=True)}: "
            f"{type(error).__name__}; check the URL, the server and permissions"
        ) from None
    log.info("database opened (%s)", parsed.get_backend_name())
    return engine


def _add_missing_columns(engine: Engine) -> None:
    """Add columns and indexes a newer version defines to tables an older
    version created.

    ``create_all`` makes missing tables but leaves existing ones alone. Every
    column added since the first release has a default, so adding it with that
    default keeps old rows valid; the next rebuild of a claim fills it in.
    Indexes are built from the rows already there.
    """
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present or column.default is None:
                    continue
                default = _sql_literal(getattr(column.default, "arg", None))
                if default is None:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                connection.execute(
                    text(
                        f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" '
                        f"{kind} NOT NULL DEFAULT {default}"
                    )
                )
                log.info("added column %s.%s", table.name, column.name)
            for index in table.indexes:
                # IF NOT EXISTS, not ``checkfirst``: checking would reflect the
                # indexes, which SQLAlchemy cannot do for expression indexes.
                connection.execute(CreateIndex(index, if_not_exists=True))


def _sql_literal(value: object) -> str | None:
    """A constant default as SQL text; None for defaults that are not constants."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None


def _install_append_only(engine: Engine) -> None:
    statements = {
        "sqlite": _APPEND_ONLY_SQLITE,
        "postgresql": _APPEND_ONLY_POSTGRES,
    }.get(engine.dialect.name, [])
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
