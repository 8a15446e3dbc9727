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
from typing import Any

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


def history_facts(
    session: Session, claim_id: int, encounter: Encounter
) -> dict[str, Any]:
    """The ``history`` facts for building ``encounter`` as stored claim ``claim_id``."""
    dates = [line.service_date for line in encounter.service_lines if line.service_date]
    facts: dict[str, Any] = {"history_known": True, "history": []}
    if not dates:
        return facts
    earliest = min(dates) - dt.timedelta(days=HISTORY_DAYS)
    statement = (
        select(ServiceLineKey)
        .where(ServiceLineKey.patient_key == patient_key(encounter))
        .where(col(ServiceLineKey.claim_id) < claim_id)
        .where(col(ServiceLineKey.service_date) >= earliest)
        .where(col(ServiceLineKey.service_date) <= max(dates))
        .order_by(col(ServiceLineKey.claim_id), col(ServiceLineKey.id))
    )
    facts["history"] = [
        {
            "claim_id": row.claim_id,
            "service_date": row.service_date.isoformat() if row.service_date else None,
            "procedure_code": row.procedure_code,
            "modifiers": row.modifiers.split(),
            "provider_npi": row.provider_npi,
            "patient_control_number": row.patient_control_number,
            "frequency_code": row.frequency_code,
            "charge": float(row.charge),
            "units": float(row.units),
        }
        for row in session.exec(statement)
    ]
    return facts


def save_line_keys(session: Session, claim_id: int, encounter: Encounter) -> None:
    """Replace the claim's line keys with those of its latest build."""
    session.exec(delete(ServiceLineKey).where(col(ServiceLineKey.claim_id) == claim_id))
    key = patient_key(encounter)
    for index, line in enumerate(encounter.service_lines):
        session.add(
            ServiceLineKey(
                claim_id=claim_id,
                patient_key=key,
                service_date=line.service_date,
                procedure_code=line.procedure_code,
                modifiers=" ".join(line.modifiers),
                provider_npi=_provider_npi(encounter, index),
                patient_control_number=encounter.claim.patient_control_number,
                frequency_code=encounter.claim.frequency_code,
                charge=line.charge,
                units=line.units,
            )
        )
