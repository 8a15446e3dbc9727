"""Rows inserted with the driver's executemany are stored as SQLAlchemy stores them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, insert, text
from sqlmodel import Session, SQLModel

from claimtui.store import ClaimRecord, EncounterRecord, ImportBatch, open_engine
from claimtui.store.bulk import insert_rows

CLAIMS: Table = SQLModel.metadata.tables[ClaimRecord.__tablename__]
ENCOUNTERS: Table = SQLModel.metadata.tables[EncounterRecord.__tablename__]
BATCHES: Table = SQLModel.metadata.tables[ImportBatch.__tablename__]


def _claim(claim_id: int, encounter_id: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {column.name: "" for column in CLAIMS.c}
    row.update(
        id=claim_id,
        encounter_id=encounter_id,
        status="ready",
        version=2,
        built_at=dt.datetime(2024, 3, 5, 14, 30, 1, 250, tzinfo=dt.UTC),
        total_charge=Decimal("1234.50"),
        service_date=dt.date(2024, 2, 29),
        errors=0,
        warnings=1,
        export_batch_id=None,
    )
    row.update(values)
    return row


def _stored(path: Path, table: str) -> list[tuple[Any, ...]]:
    engine = open_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        return list(connection.execute(text(f"SELECT * FROM {table} ORDER BY id")))


def _fill(path: Path, bulk: bool) -> None:
    engine = open_engine(f"sqlite:///{path}")
    batch = {
        "id": 1,
        "source_name": "a.837",
        "content_sha256": "0" * 64,
        "format": "837p",
        "imported_at": dt.datetime(2024, 3, 5, tzinfo=dt.UTC),
        "user": "clerk",
        "claim_count": 2,
        "issue_count": 0,
        "lenient": True,
    }
    encounters = [
        {
            "batch_id": 1,
            "position": f"claim {n}",
            "raw_format": "837p",
            "raw": "CLM*1~",
            "encounter_json": "{}",
            "read_issues_json": "[]",
            "fingerprint": f"f{n}",
        }
        for n in (1, 2)
    ]
    claims = [_claim(7, 1), _claim(9, 2, service_date=None, total_charge=Decimal(0))]
    with Session(engine) as session:
        connection = session.connection()
        for table, rows in ((BATCHES, [batch]), (ENCOUNTERS, encounters)):
            if bulk:
                insert_rows(connection, table, rows)
            else:
                session.execute(insert(table), rows)
        if bulk:
            insert_rows(connection, CLAIMS, claims)
        else:
            session.execute(insert(CLAIMS), claims)
        session.commit()


def test_bulk_rows_are_stored_exactly_as_sqlalchemy_stores_them(
    tmp_path: Path,
) -> None:
    _fill(tmp_path / "bulk.sqlite", bulk=True)
    _fill(tmp_path / "orm.sqlite", bulk=False)
    for table in ("import_batch", "encounter", "claim"):
        bulk = _stored(tmp_path / "bulk.sqlite", table)
        assert bulk == _stored(tmp_path / "orm.sqlite", table)
        assert len(bulk) == (1 if table == "import_batch" else 2)
    engine = open_engine(f"sqlite:///{tmp_path / 'bulk.sqlite'}")
    with Session(engine) as session:
        claim = session.get(ClaimRecord, 9)
        assert claim is not None and claim.service_date is None
        claim = session.get(ClaimRecord, 7)
        assert claim is not None
        assert claim.total_charge == Decimal("1234.50")
        assert claim.service_date == dt.date(2024, 2, 29)


def test_rows_that_leave_out_a_column_with_a_default_are_refused(
    tmp_path: Path,
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    row = _claim(1, 1)
    del row["version"]
    with Session(engine) as session, pytest.raises(ValueError, match="claim"):
        insert_rows(session.connection(), CLAIMS, [row])
