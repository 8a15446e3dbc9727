"""The California WC case of ``data/workers-comp-ca.json``, written as CSV rows.

Kept as (column, value) pairs rather than a data file so every line stays
readable; ``write_workers_comp_csv`` writes the real file a test imports.
"""

from __future__ import annotations

import csv
from pathlib import Path

CLAIM_COLUMNS = [
    ("encounter_id", "WC0001"),
    ("billing_provider.entity_type", "2"),
    ("billing_provider.last_name", "HARBOR OCCUPATIONAL CLINIC"),
    ("billing_provider.npi", "1234567893"),
    ("billing_provider.tax_id", "123456789"),
    ("billing_provider.tax_id_qualifier", "EI"),
    ("billing_provider.taxonomy", "207Q00000X"),
    ("billing_provider.address.line1", "400 HARBOR BLVD"),
    ("billing_provider.address.city", "OAKLAND"),
    ("billing_provider.address.state", "CA"),
    ("billing_provider.address.postal_code", "946071234"),
    ("billing_provider.contact.name", "BILLING OFFICE"),
    ("billing_provider.contact.phone", "5105550100"),
    ("subscriber.entity_type", "2"),
    ("subscriber.last_name", "NORTHWIND LOGISTICS"),
    ("subscriber.member_id", "EMP947201"),
    ("subscriber.claim_filing_code", "WC"),
    ("subscriber.address.line1", "77 DOCK ST"),
    ("subscriber.address.city", "OAKLAND"),
    ("subscriber.address.state", "CA"),
    ("subscriber.address.postal_code", "94607"),
    ("payer.name", "GOLDEN STATE COMP FUND"),
    ("payer.payer_id", "GSCF1"),
    ("patient.last_name", "ROWAN"),
    ("patient.first_name", "PIA"),
    ("patient.relationship", "20"),
    ("patient.birth_date", "1986-07-14"),
    ("patient.gender", "F"),
    ("patient.ssn", "999999999"),
    ("patient.property_casualty_claim_number", "WC2024-00417"),
    ("patient.address.line1", "12 BIRCH LN"),
    ("patient.address.city", "ALAMEDA"),
    ("patient.address.state", "CA"),
    ("patient.address.postal_code", "94501"),
    ("patient.contact.name", "ADJUSTER DESK"),
    ("patient.contact.phone", "9165550177"),
    ("claim.patient_control_number", "WC0001"),
    ("claim.total_charge", "215.00"),
    ("claim.place_of_service", "11"),
    ("claim.related_causes", "EM"),
    ("claim.accident_date", "2024-02-27"),
    ("claim.jurisdiction", "CA"),
    ("claim.attachments[0].report_type", "OZ"),
    ("claim.attachments[0].transmission_code", "FX"),
    ("claim.attachments[0].control_number", "DFR5021A"),
    ("claim.diagnoses", "S93401A W010XXA"),
]
"""Claim-level columns with their values, written on the first row only."""

LINE_COLUMNS = ["line.procedure_code", "line.charge", "line.diagnosis_pointers"]
LINES = [["99203", "130.00", "1 2"], ["73610", "85.00", "1"]]
SERVICE_DATE = "2024-03-04"


def write_workers_comp_csv(path: Path) -> Path:
    """Write the case as CSV: a header and one row per service line."""
    header = [name for name, _ in CLAIM_COLUMNS] + LINE_COLUMNS
    header.append("line.service_date")
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        for number, line in enumerate(LINES):
            if number == 0:
                claim = [value for _, value in CLAIM_COLUMNS]
            else:
                claim = ["WC0001"] + [""] * (len(CLAIM_COLUMNS) - 1)
            writer.writerow([*claim, *line, SERVICE_DATE])
    return path
