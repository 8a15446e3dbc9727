"""The clean claim that rule examples start from, and how a fragment changes it.

A rule example names only what matters to it (``claim: {related_causes: [AA]}``);
the rest comes from ``EXAMPLE_BASE``, a routine commercial office visit that every
shipped rule lets through. Keeping one base makes examples short and means a rule
that holds a perfectly good claim fails its own examples.
"""

from __future__ import annotations

import copy
from typing import Any

from claimtui.model import Encounter

EXAMPLE_BASE: dict[str, Any] = {
    "billing_provider": {
        "entity_type": "2",
        "last_name": "RIVERSIDE FAMILY PRACTICE",
        "npi": "1234567893",
        "tax_id": "123456789",
        "tax_id_qualifier": "EI",
        "taxonomy": "207Q00000X",
        "address": {
            "line1": "100 MAIN ST",
            "city": "SPRINGFIELD",
            "state": "IL",
            "postal_code": "627011234",
        },
        "contact": {"name": "BILLING OFFICE", "phone": "2175550100"},
    },
    "subscriber": {
        "entity_type": "1",
        "last_name": "DOE",
        "first_name": "JANE",
        "payer_responsibility": "P",
        "relationship": "18",
        "group_number": "GRP1001",
        "claim_filing_code": "CI",
        "member_id": "XYZ123456789",
        "birth_date": "1980-05-17",
        "gender": "F",
        "address": {
            "line1": "12 OAK AVE",
            "city": "SPRINGFIELD",
            "state": "IL",
            "postal_code": "62704",
        },
    },
    "payer": {"name": "ACME HEALTH PLAN", "payer_id": "ACME1"},
    "claim": {
        "patient_control_number": "PCN0001",
        "total_charge": "150.00",
        "place_of_service": "11",
        "frequency_code": "1",
        "diagnoses": [{"code": "J069", "qualifier": "ABK"}],
    },
    "service_lines": [
        {
            "procedure_code": "99213",
            "charge": "150.00",
            "units": "1",
            "diagnosis_pointers": [1],
            "service_date": "2024-03-04",
        }
    ],
}
"""A clean commercial office visit (CI, patient is the subscriber, one line)."""

EXAMPLE_TODAY = "2024-03-20"
"""The date examples are built on unless they name their own ``today``."""


def merge_fragment(base: Any, fragment: Any) -> Any:
    """``base`` with ``fragment`` laid over it, as a new value.

    Mappings merge key by key; lists of mappings merge item by item (extra
    fragment items are appended as they are); any other value replaces the base.
    """
    if isinstance(base, dict) and isinstance(fragment, dict):
        merged = copy.deepcopy(base)
        for key, value in fragment.items():
            merged[key] = merge_fragment(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(fragment, list):
        items = []
        for index, value in enumerate(fragment):
            if index < len(base) and isinstance(value, dict):
                items.append(merge_fragment(base[index], value))
            else:
                items.append(copy.deepcopy(value))
        return items
    return copy.deepcopy(fragment)


def example_encounter(fragment: dict[str, Any] | None = None) -> Encounter:
    """The base example claim with ``fragment`` laid over it, validated.

    Raises:
        pydantic.ValidationError: the fragment does not fit the encounter model.
    """
    return Encounter.model_validate(merge_fragment(EXAMPLE_BASE, fragment or {}))
