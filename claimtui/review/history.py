"""A patient's other stored claims, as the ``history`` facts rules read.

Rules such as CODE-07 (duplicate claim or line) and CODE-08 (frequency limits)
need to know what was billed before for the same patient. The review layer
keeps one ``ServiceLineKey`` row per built line and, when it builds a claim,
hands the engine the lines of the same patient's *earlier* stored claims
(lower claim id) within a year before the claim's last service date::

    facts.history_known   true when built from the store
    facts.history         [{claim_id, service_date, procedure_code, modifiers,
                            provider_npi, patient_control_number,
                            frequency_code, charge, units}, ...]

Only earlier claims count, so of two identical claims the second is the
duplicate, whichever is rebuilt first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, delete, select

from claimtui.model import Encounter
from claimtui.store import ServiceLineKey

HISTORY_DAYS = 366
"""How far back, from the claim's last service date, history reaches."""


def patient_key(encounter: Encounter) -> str:
    """A hash naming the patient across claims (member id, name, birth date)."""
    person = encounter.patient or encounter.subscriber
    parts = [
        encounter.subscriber.member_id.strip().upper(),
        person.last_name.strip().upper(),
        person.first_name.strip().upper(),
        person.birth_date.isoformat() if person.birth_date else "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _provider_npi(encounter: Encounter, line_index: int) -> str:
    line = encounter.service_lines[line_index]
    for provider in (line.rendering_provider, encounter.rendering_provider):
        if provider is not None and provider.npi:
            return provider.npi
    return encounter.billing_provider.npi


def _window(encounter: Encounter) -> tuple[dt.date, dt.date] | None:
    """The service dates whose lines count as history for ``encounter``."""
    dates = [line.service_date for line in encounter.service_lines if line.service_date]
    if not dates:
        return None
    return min(dates) - dt.timedelta(days=HISTORY_DAYS), max(dates)


_FACT_COLUMNS = (
    "claim_id",
    "service_date",
    "procedure_code",
    "modifiers",
    "provider_npi",
    "patient_control_number",
    "frequency_code",
    "charge",
    "units",
)


def _fact(row: ServiceLineKey) -> dict[str, Any]:
    """A stored line key as one entry of ``facts.history``."""
    return _fact_of({name: getattr(row, name) for name in _FACT_COLUMNS})


def _fact_of(values: Any) -> dict[str, Any]:
    """A line key's column values as one entry of ``facts.history``."""
    service_date = values["service_date"]
    return {
        "claim_id": values["claim_id"],
        "service_date": service_date.isoformat() if service_date else None,
        "procedure_code": values["procedure_code"],
        "modifiers": values["modifiers"].split(),
        "provider_npi": values["provider_npi"],
        "patient_control_number": values["patient_control_number"],
        "frequency_code": values["frequency_code"],
        "charge": float(values["charge"]),
        "units": float(values["units"]),
    }


def history_facts(
    session: Session, claim_id: int, encounter: Encounter
) -> dict[str, Any]:
    """The ``history`` facts for building ``encounter`` as stored claim ``claim_id``."""
    facts: dict[str, Any] = {"history_known": True, "history": []}
    window = _window(encounter)
    if window is None:
        return facts
    earliest, latest = window
    statement = (
        select(ServiceLineKey)
        .where(ServiceLineKey.patient_key == patient_key(encounter))
        .where(col(ServiceLineKey.claim_id) < claim_id)
        .where(col(ServiceLineKey.service_date) >= earliest)
        .where(col(ServiceLineKey.service_date) <= latest)
        .order_by(col(ServiceLineKey.claim_id), col(ServiceLineKey.id))
    )
    facts["history"] = [_fact(row) for row in session.exec(statement)]
    return facts


def line_key_rows(
    claim_id: int, encounter: Encounter, key: str = ""
) -> list[dict[str, Any]]:
    """The claim's line keys as column values, for inserting many at once.

    ``key`` is the encounter's ``patient_key``, when the caller has it already.
    """
    key = key or patient_key(encounter)
    return [
        {
            "claim_id": claim_id,
            "patient_key": key,
            "service_date": line.service_date,
            "procedure_code": line.procedure_code,
            "modifiers": " ".join(line.modifiers),
            "provider_npi": _provider_npi(encounter, index),
            "patient_control_number": encounter.claim.patient_control_number,
            "frequency_code": encounter.claim.frequency_code,
            "charge": _as_stored(line.charge, _CHARGE_PLACES),
            "units": _as_stored(line.units, _UNITS_PLACES),
        }
        for index, line in enumerate(encounter.service_lines)
    ]


_CHARGE_PLACES = Decimal("0.01")
_UNITS_PLACES = Decimal("0.001")


def _as_stored(value: Decimal, places: Decimal) -> Decimal:
    # The columns keep two (charge) and three (units) decimal places; rounding
    # here gives the history of claims not yet read back the stored values.
    return Decimal(value).quantize(places, rounding=ROUND_HALF_EVEN)


def save_line_keys(session: Session, claim_id: int, encounter: Encounter) -> None:
    """Replace the claim's line keys with those of its latest build."""
    session.exec(delete(ServiceLineKey).where(col(ServiceLineKey.claim_id) == claim_id))
    rows = line_key_rows(claim_id, encounter)
    if rows:
        session.execute(insert(ServiceLineKey), rows)


class ChunkHistory:
    """History for a chunk of new claims, from one query instead of one a claim.

    New claims get ids above every stored claim, so all stored line keys of
    their patients are earlier; claims of the chunk are added as they are
    built, in id order, so a later claim of the chunk sees the earlier ones
    exactly as a rebuild from the store would.
    """

    def __init__(
        self,
        session: Session,
        encounters: Sequence[Encounter],
        keys: Sequence[str] = (),
    ) -> None:
        wanted = set(keys) or {patient_key(encounter) for encounter in encounters}
        self.lines: dict[str, list[Any]] = defaultdict(list)
        statement = (
            select(ServiceLineKey)
            .where(col(ServiceLineKey.patient_key).in_(wanted))
            .order_by(col(ServiceLineKey.claim_id), col(ServiceLineKey.id))
        )
        for row in session.exec(statement) if wanted else ():
            self.lines[row.patient_key].append(_fact(row))

    def facts(self, encounter: Encounter, key: str = "") -> dict[str, Any]:
        """The ``history`` facts for ``encounter``, built after the known claims.

        ``key`` is the encounter's ``patient_key``, when the caller has it already.
        """
        facts: dict[str, Any] = {"history_known": True, "history": []}
        window = _window(encounter)
        if window is None:
            return facts
        earliest, latest = window
        first, last = earliest.isoformat(), latest.isoformat()
        facts["history"] = [
            line
            for line in self.lines.get(key or patient_key(encounter), ())
            if line["service_date"] is not None
            and first <= line["service_date"] <= last
        ]
        return facts

    def copy(self) -> ChunkHistory:
        """A copy to add guessed lines to, leaving this one as it is."""
        twin = ChunkHistory.__new__(ChunkHistory)
        twin.lines = defaultdict(list)
        for key, lines in self.lines.items():
            twin.lines[key] = list(lines)
        return twin

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        """Make a just-built claim's line keys history for the claims after it."""
        for row in rows:
            self.lines[row["patient_key"]].append(_fact_of(row))
