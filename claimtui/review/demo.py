"""Bundled sample claims: fictional encounters written as 837P and imported.

``claimtui demo`` uses its own database so the samples never mix with a practice's
claims. The samples are made here, by the product: fictional names and ids, NPIs with
valid check digits, and a known mix of problems (wrong ZIP, bad NPI, unbalanced
charges, Workers' Comp and auto accident claims missing what they need) so every
queue has something in it. Service dates are set relative to the day the samples are
made, so timely-filing rules see recent claims.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import platformdirs

from claimtui.model import (
    Address,
    Attachment,
    ClaimInfo,
    Contact,
    Diagnosis,
    Encounter,
    EntityType,
    Patient,
    Payer,
    Provider,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
)
from claimtui.review.workspace import Workspace
from claimtui.x12.writer import InterchangeHeader, write_interchange

SAMPLE_COUNT = 120

_LAST = [
    "ALDER",
    "BIRCH",
    "CEDAR",
    "DOGWOOD",
    "ELM",
    "FIR",
    "HAZEL",
    "JUNIPER",
    "LARCH",
    "MAPLE",
    "OAKLEY",
    "PINE",
    "ROWAN",
    "SPRUCE",
    "WILLOW",
    "YEW",
]
_FIRST = [
    "ADA",
    "BEN",
    "CORA",
    "DEV",
    "EMIL",
    "FAYE",
    "GUS",
    "HANA",
    "IVO",
    "JUNE",
    "KAI",
    "LENA",
    "MILO",
    "NORA",
    "OTTO",
    "PIA",
]
# One visit per claim, plus services that need no referral, CLIA or modifier 25,
# so that a sample without a planted defect is ready under the shipped rules.
_VISITS = [("99213", "95"), ("99214", "140"), ("99203", "130")]
_EXTRAS = [("97110", "60"), ("36415", "12"), ("90471", "25")]
_DIAGNOSES = ["M5450", "J069", "I10", "E119", "S93401A", "Z0000", "M25561", "R519"]
# (city, state, ZIP): real places, so addresses pass the ZIP-to-state check.
_PLACES = [
    ("PORTLAND", "OR", "97201"),
    ("SALEM", "OR", "97301"),
    ("FRESNO", "CA", "93721"),
    ("AUSTIN", "TX", "78701"),
    ("SPOKANE", "WA", "99201"),
]
_PAYERS = [
    ("EXAMPLE HEALTH PLAN", "EHP01", "CI"),
    ("STATE MEDICAID", "SMD99", "MC"),
    ("MEDICARE PART B", "MCRB1", "MB"),
    ("BLUE PLAN", "BLUE7", "BL"),
]


def demo_database_url() -> str:
    """The demo's own SQLite database, beside the default one."""
    folder = Path(platformdirs.user_data_dir("claimtui"))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite:///{folder / 'demo.sqlite'}"


def npi_with_check_digit(first_nine: str) -> str:
    """Complete a 9-digit NPI stem with its Luhn check digit (80840 prefix)."""
    digits = [int(d) for d in "80840" + first_nine]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return first_nine + str((10 - total % 10) % 10)


def _address(rng: random.Random, zip_digits: int = 9) -> Address:
    city, state, zip5 = rng.choice(_PLACES)
    plus_four = "".join(str(rng.randint(0, 9)) for _ in range(zip_digits - 5))
    return Address(
        line1=f"{rng.randint(10, 9999)} {rng.choice(['MAIN', 'OAK', 'LAKE'])} ST",
        city=city,
        state=state,
        postal_code=zip5 + plus_four,
    )


def _lines(rng: random.Random, anchor: dt.date) -> list[ServiceLine]:
    lines = []
    chosen = [rng.choice(_VISITS), *rng.sample(_EXTRAS, rng.randint(0, 2))]
    for code, charge in chosen:
        lines.append(
            ServiceLine(
                procedure_code=code,
                charge=Decimal(charge),
                units=Decimal(1),
                diagnosis_pointers=[1],
                service_date=anchor,
            )
        )
    return lines


def _base(rng: random.Random, number: int, today: dt.date) -> Encounter:
    anchor = today - dt.timedelta(days=rng.randint(3, 40))
    payer_name, payer_id, filing = rng.choice(_PAYERS)
    lines = _lines(rng, anchor)
    return Encounter(
        billing_provider=Provider(
            last_name="LAKESIDE FAMILY CLINIC",
            npi=npi_with_check_digit("123456789"),
            tax_id="123456789",
            tax_id_qualifier="EI",
            taxonomy="207Q00000X",
            address=_address(rng),
        ),
        subscriber=Subscriber(
            entity_type=EntityType.PERSON,
            last_name=rng.choice(_LAST),
            first_name=rng.choice(_FIRST),
            relationship="18",
            group_number=f"G{rng.randint(1000, 9999)}",
            claim_filing_code=filing,
            member_id=f"ZZ{rng.randint(10**7, 10**8 - 1)}",
            birth_date=dt.date(rng.randint(1940, 2015), rng.randint(1, 12), 15),
            gender=rng.choice("FM"),
            address=_address(rng, 5),
        ),
        payer=Payer(name=payer_name, payer_id=payer_id),
        claim=ClaimInfo(
            patient_control_number=f"DEMO{number:05d}",
            total_charge=sum((line.charge for line in lines), Decimal(0)),
            place_of_service="11",
            diagnoses=[
                Diagnosis(code=rng.choice(_DIAGNOSES), qualifier="ABK"),
                Diagnosis(code=rng.choice(_DIAGNOSES), qualifier="ABF"),
            ],
        ),
        service_lines=lines,
    )


def _workers_comp(encounter: Encounter, rng: random.Random, complete: bool) -> None:
    """Turn a sample into a WC bill: employer as subscriber, worker as patient.

    A complete case has what a carrier needs (claim number, date of injury,
    the doctor's first report by fax); an incomplete one lacks the claim
    number and the date of injury, as bills keyed before the carrier answers
    often do. The random draws are the ones the samples always took, so the
    other samples do not change.
    """
    worker = encounter.subscriber
    claim_number = f"WC{rng.randint(10**6, 10**7)}" if complete else ""
    encounter.patient = Patient(
        last_name=worker.last_name,
        first_name=worker.first_name,
        relationship="20",
        birth_date=worker.birth_date,
        gender=worker.gender,
        address=worker.address,
        ssn="999999999",
        property_casualty_claim_number=claim_number,
        contact=Contact(name="ADJUSTER DESK", phone="5555550177"),
    )
    encounter.subscriber = Subscriber(
        entity_type=EntityType.ORGANIZATION,
        last_name="NORTHWIND LOGISTICS",
        member_id="EMP947201",
        claim_filing_code="WC",
        payer_responsibility="P",
        address=Address(
            line1="77 DOCK ST", city="RIVERTON", state="OR", postal_code="97201"
        ),
    )
    encounter.payer = Payer(name="STATE FUND WORKERS COMP", payer_id="WCF01")
    first = encounter.service_lines[0].service_date
    encounter.claim.related_causes = ["EM"]
    if complete and first:
        encounter.claim.accident_date = first - dt.timedelta(days=2)
        encounter.claim.attachments = [
            Attachment(
                report_type="OZ",
                transmission_code="FX",
                control_number=f"DFR{encounter.claim.patient_control_number}",
            )
        ]


def _auto_accident(encounter: Encounter, rng: random.Random, complete: bool) -> None:
    encounter.subscriber.claim_filing_code = "AM"
    encounter.subscriber.property_casualty_claim_number = (
        f"AU{rng.randint(10**6, 10**7)}"
    )
    encounter.subscriber.contact = Contact(name="AUTO ADJUSTER", phone="5555550123")
    encounter.payer = Payer(name="EXAMPLE AUTO INSURANCE", payer_id="AUTO5")
    encounter.claim.related_causes = ["AA"]
    encounter.claim.accident_state = "OR" if complete else ""
    first = encounter.service_lines[0].service_date
    if first:
        encounter.claim.accident_date = first - dt.timedelta(days=1)


def _defect(encounter: Encounter, number: int, rng: random.Random) -> None:
    """Give some samples one known problem, so each queue has claims in it."""
    kind = number % 12
    if kind == 1:
        assert encounter.billing_provider.address is not None
        encounter.billing_provider.address.postal_code = "97201"
    elif kind == 2:
        encounter.rendering_provider = Provider(
            entity_type=EntityType.PERSON,
            last_name=rng.choice(_LAST),
            first_name=rng.choice(_FIRST),
            npi="1234567890",
        )
    elif kind == 3:
        encounter.claim.total_charge += Decimal(10)
    elif kind == 4:
        _workers_comp(encounter, rng, complete=number % 24 != 4)
    elif kind == 5:
        _auto_accident(encounter, rng, complete=number % 24 != 5)
    elif kind == 6:
        encounter.service_lines[0].modifiers = ["25", "25"]
    elif kind == 7:
        assert encounter.billing_provider.address is not None
        encounter.billing_provider.contact = Contact(
            name="FRONT DESK", phone="(503) 555-0142"
        )
    elif kind == 8:
        encounter.claim.frequency_code = "7"


def sample_encounters(today: dt.date, count: int = SAMPLE_COUNT) -> list[Encounter]:
    """The demo's fictional encounters; the same day always gives the same ones."""
    rng = random.Random(20261204)
    encounters = []
    for number in range(1, count + 1):
        encounter = _base(rng, number, today)
        _defect(encounter, number, rng)
        encounters.append(encounter)
    return encounters


def sample_interchange(today: dt.date, count: int = SAMPLE_COUNT) -> str:
    """The sample encounters as one 837P interchange, as a practice system sends."""
    submitter = Submitter(
        name="LAKESIDE FAMILY CLINIC",
        identifier="LAKESIDE01",
        contact=Contact(name="BILLING DESK", phone="5555550100"),
    )
    receiver = Receiver(name="EXAMPLE CLEARINGHOUSE", identifier="EXCH01")
    header = InterchangeHeader(
        sender_id="LAKESIDE01",
        receiver_id="EXCH01",
        interchange_control_number=1,
        group_control_number=1,
        usage_indicator="T",
        created=dt.datetime.combine(today, dt.time(9, 0)),
        submitter=submitter,
        receiver=receiver,
    )
    return write_interchange(sample_encounters(today, count), header)


def load_demo(workspace: Workspace, count: int = SAMPLE_COUNT) -> int:
    """Import the samples into an empty workspace; returns how many were loaded."""
    if workspace.count("all"):
        return 0
    today = workspace.today or dt.date.today()
    folder = Path(platformdirs.user_data_dir("claimtui")) / "demo"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"sample-{today:%Y%m%d}.837"
    path.write_text(sample_interchange(today, count), encoding="ascii")
    report = workspace.import_path(path)
    return report.imported
