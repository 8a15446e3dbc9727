"""The database: owner-only files, append-only audit log, clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from claimtui.review import Workspace
from claimtui.store import StoreError, default_database_path, open_engine
from tests.conftest import VALID_837P


def test_default_sqlite_file_is_created_owner_only() -> None:
    path = default_database_path()
    open_engine().dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_default_database_lives_in_the_user_data_dir(private_home: Path) -> None:
    path = default_database_path()
    assert path.is_relative_to(private_home)
    assert path.name == "claimtui.sqlite"


def test_malformed_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="database URL is not valid"):
        open_engine("not a url at all")


def test_audit_log_refuses_update_and_delete(
    workspace: Workspace, corpus: Path
) -> None:
    workspace.import_path(corpus / "837p" / VALID_837P[0])
    with workspace.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar()
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("UPDATE audit_event SET user = 'x'"))
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("DELETE FROM audit_event"))


def test_a_chosen_database_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_engine(f"sqlite:///{tmp_path / 'typo' / 'claims.sqlite'}")
    assert not (tmp_path / "typo").exists()


def test_an_unknown_database_driver_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot use the database URL"):
        open_engine("foo://bar")


def test_a_database_made_without_the_queue_indexes_gets_them_when_opened(
    tmp_path: Path,
) -> None:
    """Indexes a newer version adds (the queue counts, the sort orders, the
    partial index of holding findings) are built on an older database, and
    opening it again changes nothing and warns of nothing."""
    url = f"sqlite:///{tmp_path / 'older.sqlite'}"
    names = ["ix_claim_status_service_date_sort", "ix_finding_holding"]
    engine = open_engine(url)
    with engine.begin() as connection:
        for name in names:
            connection.execute(text(f"DROP INDEX {name}"))
    engine.dispose()
    for _ in range(2):
        engine = open_engine(url)
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'index'")
            ).scalars()
            assert set(names) <= set(found)
        engine.dispose()
