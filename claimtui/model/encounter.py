"""The encounter: everything a professional (837P) claim carries, as billers name it.

An ``Encounter`` is what a practice-management system hands over: one claim for one
patient with one payer. It is read from an 837P file, a JSON record or CSV rows, is
kept exactly as received, and is the input the rules work on. The rules produce a new
``Encounter`` (never change the received one), and the 837P writer turns that into
segments.

The model follows the 005010X222A1 loop structure so every field has one home::

    Encounter
      submitter / receiver                1000A / 1000B
      billing_provider                    2000A PRV / 2010AA NM1*85, N3, N4, REF, PER
      pay_to_address                      2010AB
      subscriber                          2000B SBR / 2010BA
      payer                               2010BB
      patient                             2000C PAT / 2010CA (when not the subscriber)
      claim                               2300 CLM, DTP, PWK, AMT, REF, NTE, CR1, HI
      referring_provider ...              2310A-F
      other_coverages                     2320 / 2330A-B
      service_lines                       2400 SV1, DTP, REF, NTE, 2410 drug, 2420, 2430

Field descriptions are written for billers: they are the help text in the console and
the descriptions in the published JSON Schema.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, SerializationInfo

RULES_VIEW = {"view": "rules"}
"""The serialisation context of the values rule conditions see: ``model_dump(
mode="json", context=RULES_VIEW)`` gives amounts as numbers, everything else as
stored (dates as ISO text, codes as their values)."""


def _amount_json(value: Decimal, info: SerializationInfo) -> Any:
    context = info.context
    if context is not None and context.get("view") == "rules":
        return float(value)
    return str(value)


Amount = Annotated[Decimal, PlainSerializer(_amount_json, when_used="json")]
"""Money and quantities: exact decimals, kept as exact text in stored JSON."""


class ModelBase(BaseModel):
    """Common settings: unknown fields are an error, values are re-validated on set."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class EntityType(StrEnum):
    """NM102: whether a name belongs to a person or an organisation."""

    PERSON = "1"
    ORGANIZATION = "2"


class Address(ModelBase):
    """A postal address (N3 / N4)."""

    line1: str = Field("", description="Street address, first line (N301).")
    line2: str = Field("", description="Street address, second line (N302).")
    city: str = Field("", description="City name (N401).")
    state: str = Field("", description="Two-letter state or province code (N402).")
    postal_code: str = Field(
        "", description="ZIP or postal code; ZIP+4 as 9 digits, no dash (N403)."
    )
    country: str = Field(
        "", description="Country code, only for addresses outside the US (N404)."
    )
    country_subdivision: str = Field(
        "", description="Country subdivision for addresses outside the US (N407)."
    )


class Reference(ModelBase):
    """A reference identifier (REF segment): a qualifier and the value it names."""

    qualifier: str = Field(description="REF01 qualifier, for example G2 or 0B.")
    value: str = Field(description="The identifier itself (REF02).")


class Contact(ModelBase):
    """A contact person and how to reach them (PER)."""

    name: str = Field("", description="Contact name (PER02).")
    phone: str = Field("", description="Phone number, 10 digits (PER TE).")
    phone_extension: str = Field("", description="Phone extension (PER EX).")
    fax: str = Field("", description="Fax number (PER FX).")
    email: str = Field("", description="Email address (PER EM).")


class Party(ModelBase):
    """A named person or organisation: a provider, an employer, a facility."""

    entity_type: EntityType = Field(
        EntityType.ORGANIZATION,
        description="Person (1) or organisation (2) (NM102).",
    )
    last_name: str = Field(
        "", description="Last name of a person, or the organisation's name (NM103)."
    )
    first_name: str = Field("", description="First name of a person (NM104).")
    middle_name: str = Field("", description="Middle name or initial (NM105).")
    suffix: str = Field("", description="Name suffix such as JR or III (NM107).")
    address: Address | None = Field(None, description="Postal address (N3/N4).")


class Provider(Party):
    """A provider or facility identified by NPI (billing, rendering, referring, ...)."""

    npi: str = Field("", description="National Provider Identifier, 10 digits (NM109).")
    tax_id: str = Field(
        "", description="Federal tax id: EIN or SSN, 9 digits (REF*EI / REF*SY)."
    )
    tax_id_qualifier: str = Field(
        "", description="EI for an employer identification number, SY for an SSN."
    )
    taxonomy: str = Field(
        "", description="Provider taxonomy code, 10 characters ending in X (PRV03)."
    )
    secondary_ids: list[Reference] = Field(
        default_factory=list,
        description="Other provider ids (REF), e.g. state license.",
    )
    contact: Contact | None = Field(
        None, description="Billing contact for the billing provider (PER)."
    )


class Submitter(ModelBase):
    """The organisation sending the file (1000A)."""

    entity_type: EntityType = Field(EntityType.ORGANIZATION, description="NM102.")
    name: str = Field("", description="Submitter name (NM103).")
    first_name: str = Field("", description="First name if a person (NM104).")
    identifier: str = Field(
        "", description="Submitter id assigned by the receiver (NM109)."
    )
    contact: Contact = Field(
        default_factory=Contact, description="Submitter EDI contact (PER)."
    )


class Receiver(ModelBase):
    """The clearinghouse or payer receiving the file (1000B)."""

    name: str = Field("", description="Receiver name (NM103).")
    identifier: str = Field("", description="Receiver primary id (NM109).")


class Subscriber(Party):
    """The insured person, or the employer for Workers' Comp (2000B / 2010BA)."""

    payer_responsibility: str = Field(
        "P",
        description="Which payer this claim goes to: P primary, S secondary, "
        "T tertiary (SBR01).",
    )
    relationship: str = Field(
        "",
        description="18 when the patient is the subscriber; otherwise blank (SBR02).",
    )
    group_number: str = Field("", description="Group or policy number (SBR03).")
    group_name: str = Field("", description="Group or plan name (SBR04).")
    insurance_type: str = Field(
        "", description="Insurance type, required when Medicare is secondary (SBR05)."
    )
    claim_filing_code: str = Field(
        "",
        description="Claim filing indicator: MB Medicare B, MC Medicaid, CI "
        "commercial, BL Blue Cross, WC Workers' Comp, AM auto medical (SBR09).",
    )
    member_id: str = Field(
        "",
        description="Member or subscriber id on the insurance card; for Workers' "
        "Comp the employer's identifier as the carrier directs (NM109).",
    )
    id_qualifier: str = Field(
        "MI", description="MI member id, II standard unique health id (NM108)."
    )
    birth_date: dt.date | None = Field(None, description="Date of birth (DMG02).")
    gender: str = Field("", description="F, M or U (DMG03).")
    ssn: str = Field("", description="Social security number (REF*SY).")
    property_casualty_claim_number: str = Field(
        "",
        description="Property and casualty claim number when the patient is the "
        "subscriber, as in auto accident claims (2010BA REF*Y4).",
    )
    contact: Contact | None = Field(
        None,
        description="Property and casualty contact when the patient is the "
        "subscriber, such as the auto adjuster's desk (2010BA PER*IC).",
    )
    death_date: dt.date | None = Field(
        None,
        description="Date of death when the patient is the subscriber (2000B PAT06).",
    )
    weight_pounds: Amount | None = Field(
        None,
        description="Patient weight when the patient is the subscriber (2000B PAT08).",
    )
    pregnant: bool = Field(
        False,
        description="Pregnancy indicator when the patient is the subscriber "
        "(2000B PAT09).",
    )


class Payer(ModelBase):
    """The insurance company or claims administrator (2010BB)."""

    name: str = Field("", description="Payer name (NM103).")
    payer_id: str = Field(
        "", description="Payer id used by the clearinghouse to route claims (NM109)."
    )
    id_qualifier: str = Field("PI", description="PI payer id or XV plan id (NM108).")
    address: Address | None = Field(None, description="Payer address (N3/N4).")
    secondary_ids: list[Reference] = Field(
        default_factory=list, description="Other payer ids (REF*2U, FY, NF)."
    )


class Patient(Party):
    """The patient when not the subscriber (2000C / 2010CA)."""

    entity_type: EntityType = Field(EntityType.PERSON, description="NM102.")
    relationship: str = Field(
        "",
        description="Patient's relationship to the subscriber: 01 spouse, "
        "19 child, 20 employee, 21 unknown, G8 other (PAT01).",
    )
    birth_date: dt.date | None = Field(None, description="Date of birth (DMG02).")
    gender: str = Field("", description="F, M or U (DMG03).")
    death_date: dt.date | None = Field(None, description="Date of death (PAT06).")
    weight_pounds: Amount | None = Field(None, description="Patient weight (PAT08).")
    pregnant: bool = Field(False, description="Pregnancy indicator (PAT09).")
    ssn: str = Field("", description="Social security number (REF*SY).")
    property_casualty_claim_number: str = Field(
        "",
        description="Workers' Comp or property and casualty claim number "
        "(2010CA REF*Y4).",
    )
    contact: Contact | None = Field(
        None,
        description="Property and casualty contact for the patient, such as the "
        "adjuster's desk the carrier names (2010CA PER*IC).",
    )


class Diagnosis(ModelBase):
    """One diagnosis code on the claim (HI)."""

    code: str = Field(description="ICD-10-CM code without the decimal point.")
    qualifier: str = Field(
        "ABF",
        description="ABK principal / ABF other (ICD-10); BK / BF for ICD-9.",
    )


class ClaimDate(ModelBase):
    """A dated event on the claim or line (DTP) not carried by a named field."""

    qualifier: str = Field(description="DTP01 qualifier, for example 454 or 304.")
    start: dt.date = Field(description="The date, or the first date of a range.")
    end: dt.date | None = Field(None, description="Last date of a range (RD8).")


class Attachment(ModelBase):
    """Paperwork that goes with the claim (PWK)."""

    report_type: str = Field(
        description="Report type, e.g. OZ support data, 04 drugs administered (PWK01)."
    )
    transmission_code: str = Field(
        description="How it is sent: BM mail, EL electronic, EM email, FX fax, "
        "FT file transfer, AA available on request (PWK02)."
    )
    control_number: str = Field(
        "", description="Attachment control number the payer matches on (PWK06)."
    )


class Note(ModelBase):
    """A free-text note (NTE)."""

    code: str = Field("ADD", description="ADD additional, CER certification, ... .")
    text: str = Field(description="The note text, at most 80 characters (NTE02).")


class Ambulance(ModelBase):
    """Ambulance transport information (CR1)."""

    weight_pounds: Amount | None = Field(None, description="Patient weight (CR102).")
    reason_code: str = Field("", description="Transport reason A-E (CR104).")
    distance_miles: Amount | None = Field(None, description="Miles (CR106).")
    round_trip_purpose: str = Field("", description="Round trip purpose (CR109).")
    stretcher_purpose: str = Field("", description="Stretcher purpose (CR110).")


class ConditionIndicator(ModelBase):
    """A condition indicator set (CRC), e.g. ambulance certification."""

    category: str = Field(description="CRC01 category, e.g. 07 ambulance.")
    applies: bool = Field(description="Y or N (CRC02).")
    codes: list[str] = Field(default_factory=list, description="CRC03-07 codes.")


class ClaimInfo(ModelBase):
    """Claim-level data (2300 CLM and its companions)."""

    patient_control_number: str = Field(
        description="The practice's own claim or account number, at most 20 "
        "characters (CLM01)."
    )
    total_charge: Amount = Field(
        Decimal(0), description="Total claim charge: the sum of line charges (CLM02)."
    )
    place_of_service: str = Field(
        "", description="Place of service code, e.g. 11 office (CLM05-1)."
    )
    frequency_code: str = Field(
        "1", description="1 original, 7 replacement, 8 void (CLM05-3)."
    )
    provider_signature: bool = Field(
        True, description="Provider signature on file (CLM06)."
    )
    assignment_participation: str = Field(
        "A", description="A assigned, B lab only, C not assigned (CLM07)."
    )
    benefits_assignment: str = Field(
        "Y", description="Benefits assigned to the provider: Y, N or W (CLM08)."
    )
    release_of_information: str = Field(
        "Y", description="Release of information: Y or I informed consent (CLM09)."
    )
    patient_signature_source: str = Field(
        "", description="Patient signature source, P when used (CLM10)."
    )
    related_causes: list[str] = Field(
        default_factory=list,
        description="Why the condition is related: AA auto accident, EM "
        "employment, OA other accident (CLM11-1..3).",
    )
    accident_state: str = Field(
        "", description="State or province of an auto accident (CLM11-4)."
    )
    accident_country: str = Field(
        "", description="Country of an auto accident outside the US (CLM11-5)."
    )
    jurisdiction: str = Field(
        "",
        description="Two-letter code of the state whose Workers' Compensation law "
        "applies to the injury. Case data only: the 837P has no element for it, "
        "so it is never sent; rules use it to choose a state pack (CA, TX) and "
        "fall back to the billing provider's state (2010AA N402) when blank.",
    )
    special_program: str = Field("", description="Special program code (CLM12).")
    delay_reason: str = Field("", description="Why the claim is filed late (CLM20).")
    onset_date: dt.date | None = Field(
        None, description="Onset of current illness or symptom (DTP*431)."
    )
    accident_date: dt.date | None = Field(
        None, description="Date of accident or injury (DTP*439)."
    )
    initial_treatment_date: dt.date | None = Field(
        None, description="Initial treatment date (DTP*454)."
    )
    last_seen_date: dt.date | None = Field(
        None, description="Date last seen (DTP*304)."
    )
    last_worked_date: dt.date | None = Field(
        None, description="Last day the patient worked (DTP*297)."
    )
    return_to_work_date: dt.date | None = Field(
        None, description="Date authorised to return to work (DTP*296)."
    )
    disability_start: dt.date | None = Field(
        None, description="Start of disability (DTP*360)."
    )
    disability_end: dt.date | None = Field(
        None, description="End of disability (DTP*361)."
    )
    admission_date: dt.date | None = Field(
        None, description="Hospital admission date (DTP*435)."
    )
    discharge_date: dt.date | None = Field(
        None, description="Hospital discharge date (DTP*096)."
    )
    other_dates: list[ClaimDate] = Field(
        default_factory=list, description="Other claim dates (DTP)."
    )
    attachments: list[Attachment] = Field(
        default_factory=list, description="Paperwork for the claim (PWK)."
    )
    patient_amount_paid: Amount | None = Field(
        None, description="Amount the patient has paid (AMT*F5)."
    )
    prior_authorization: str = Field(
        "", description="Prior authorization number (REF*G1)."
    )
    referral_number: str = Field("", description="Referral number (REF*9F).")
    payer_claim_number: str = Field(
        "",
        description="The payer's claim control number of the claim being "
        "replaced or voided (REF*F8).",
    )
    clia_number: str = Field(
        "", description="CLIA certificate number for lab services (REF*X4)."
    )
    medical_record_number: str = Field(
        "", description="Medical record number (REF*EA)."
    )
    other_references: list[Reference] = Field(
        default_factory=list, description="Other claim identifiers (REF)."
    )
    notes: list[Note] = Field(default_factory=list, description="Claim notes (NTE).")
    ambulance: Ambulance | None = Field(
        None, description="Ambulance transport information (CR1)."
    )
    condition_indicators: list[ConditionIndicator] = Field(
        default_factory=list, description="Condition indicators (CRC)."
    )
    diagnoses: list[Diagnosis] = Field(
        default_factory=list,
        description="Diagnosis codes, principal first; at most 12 (HI).",
    )


class Adjustment(ModelBase):
    """One adjustment a prior payer made (CAS group code, reason, amount)."""

    group_code: str = Field(
        description="CO contractual, PR patient responsibility, OA other, PI payer "
        "initiated (CAS01)."
    )
    reason_code: str = Field(description="Claim adjustment reason code (CARC).")
    amount: Amount = Field(description="Adjustment amount.")
    quantity: Amount | None = Field(None, description="Adjusted units.")


class OtherSubscriber(Party):
    """The subscriber of another coverage (2330A)."""

    entity_type: EntityType = Field(EntityType.PERSON, description="NM102.")
    member_id: str = Field("", description="Member id with the other payer (NM109).")
    id_qualifier: str = Field("MI", description="MI or II (NM108).")


class OtherPayerInfo(ModelBase):
    """The other payer (2330B)."""

    name: str = Field("", description="Other payer name (NM103).")
    payer_id: str = Field("", description="Other payer id (NM109).")
    id_qualifier: str = Field("PI", description="PI or XV (NM108).")
    address: Address | None = Field(None, description="Other payer address.")
    adjudication_date: dt.date | None = Field(
        None, description="Date the other payer adjudicated the claim (DTP*573)."
    )
    secondary_ids: list[Reference] = Field(
        default_factory=list, description="Other payer ids (REF)."
    )


class OtherCoverage(ModelBase):
    """Another insurance that covers this claim (2320 with 2330A/B)."""

    payer_responsibility: str = Field(
        description="P, S or T: where this other payer stands (SBR01)."
    )
    relationship: str = Field(
        description="Patient's relationship to the other subscriber (SBR02)."
    )
    group_number: str = Field("", description="Group number (SBR03).")
    group_name: str = Field("", description="Group name (SBR04).")
    insurance_type: str = Field("", description="Insurance type (SBR05).")
    claim_filing_code: str = Field("", description="Claim filing indicator (SBR09).")
    adjustments: list[Adjustment] = Field(
        default_factory=list, description="Claim-level adjustments (CAS)."
    )
    payer_paid_amount: Amount | None = Field(
        None, description="What the other payer paid (AMT*D)."
    )
    non_covered_amount: Amount | None = Field(
        None, description="Non-covered amount (AMT*A8)."
    )
    remaining_patient_liability: Amount | None = Field(
        None, description="Remaining patient liability (AMT*EAF)."
    )
    benefits_assignment: str = Field("Y", description="OI03: Y, N or W.")
    patient_signature_source: str = Field("", description="OI04.")
    release_of_information: str = Field("Y", description="OI06: Y or I.")
    subscriber: OtherSubscriber = Field(
        default_factory=OtherSubscriber, description="The other subscriber (2330A)."
    )
    payer: OtherPayerInfo = Field(
        default_factory=OtherPayerInfo, description="The other payer (2330B)."
    )


class LineAdjudication(ModelBase):
    """How a prior payer adjudicated one service line (2430)."""

    payer_id: str = Field(description="Id of the payer that adjudicated (SVD01).")
    paid_amount: Amount = Field(description="Amount paid for the line (SVD02).")
    procedure_qualifier: str = Field("HC", description="SVD03-1.")
    procedure_code: str = Field(description="Procedure as adjudicated (SVD03-2).")
    modifiers: list[str] = Field(default_factory=list, description="SVD03-3..6.")
    description: str = Field("", description="SVD03-7.")
    paid_units: Amount = Field(Decimal(1), description="Paid units (SVD05).")
    bundled_line_number: int | None = Field(
        None, description="Line this one was bundled into (SVD06)."
    )
    adjustments: list[Adjustment] = Field(
        default_factory=list, description="Line adjustments (CAS)."
    )
    adjudication_date: dt.date | None = Field(
        None, description="Adjudication or payment date (DTP*573)."
    )
    remaining_patient_liability: Amount | None = Field(
        None, description="Remaining patient liability (AMT*EAF)."
    )


class DrugIdentification(ModelBase):
    """The drug given on a service line (2410 LIN / CTP / REF)."""

    ndc: str = Field(description="National Drug Code, 11 digits (LIN03).")
    quantity: Amount = Field(description="Units of the drug dispensed (CTP04).")
    unit: str = Field(
        description="F2 international unit, GR gram, ME milligram, ML millilitre, "
        "UN unit (CTP05-1)."
    )
    prescription_number: str = Field(
        "", description="Prescription or link sequence number (REF*XZ / VY)."
    )
    prescription_number_qualifier: str = Field(
        "XZ",
        description="XZ when the number is a prescription number, VY when it is "
        "a link sequence number (REF01).",
    )


class ServiceLine(ModelBase):
    """One service line (2400)."""

    procedure_qualifier: str = Field(
        "HC", description="HC for CPT/HCPCS; ER, IV, WK for others (SV101-1)."
    )
    procedure_code: str = Field(description="CPT or HCPCS code (SV101-2).")
    modifiers: list[str] = Field(
        default_factory=list, description="Up to four modifiers (SV101-3..6)."
    )
    description: str = Field(
        "", description="Description, required for unlisted codes (SV101-7)."
    )
    charge: Amount = Field(description="Line charge amount (SV102).")
    unit_basis: str = Field("UN", description="UN units or MJ minutes (SV103).")
    units: Amount = Field(Decimal(1), description="Units or minutes (SV104).")
    place_of_service: str = Field(
        "", description="Place of service when it differs from the claim (SV105)."
    )
    diagnosis_pointers: list[int] = Field(
        default_factory=list,
        description="Which claim diagnoses (1-12) support this line, at most 4 "
        "(SV107).",
    )
    emergency: bool = Field(False, description="Emergency indicator (SV109).")
    epsdt: bool = Field(False, description="EPSDT indicator (SV111).")
    family_planning: bool = Field(False, description="Family planning (SV112).")
    copay_exempt: bool = Field(False, description="Co-pay status (SV115).")
    service_date: dt.date | None = Field(
        None, description="Date of service, or first date of a range (DTP*472)."
    )
    service_date_end: dt.date | None = Field(
        None, description="Last date of service for a range (DTP*472 RD8)."
    )
    other_dates: list[ClaimDate] = Field(
        default_factory=list, description="Other line dates (DTP)."
    )
    line_control_number: str = Field(
        "", description="Line item control number, at most 30 characters (REF*6R)."
    )
    prior_authorization: str = Field(
        "", description="Line prior authorization (REF*G1)."
    )
    other_references: list[Reference] = Field(
        default_factory=list, description="Other line identifiers (REF)."
    )
    ambulance_patient_count: Amount | None = Field(
        None, description="Ambulance patient count (QTY*PT)."
    )
    attachments: list[Attachment] = Field(
        default_factory=list, description="Paperwork for this line (PWK)."
    )
    notes: list[Note] = Field(default_factory=list, description="Line notes (NTE).")
    drug: DrugIdentification | None = Field(
        None, description="Drug identification for drug lines (2410)."
    )
    rendering_provider: Provider | None = Field(
        None, description="Rendering provider for this line only (2420A)."
    )
    service_facility: Provider | None = Field(
        None, description="Service facility for this line only (2420C)."
    )
    supervising_provider: Provider | None = Field(
        None, description="Supervising provider for this line only (2420D)."
    )
    ordering_provider: Provider | None = Field(
        None, description="Ordering provider for this line (2420E)."
    )
    referring_provider: Provider | None = Field(
        None, description="Referring provider for this line only (2420F)."
    )
    adjudications: list[LineAdjudication] = Field(
        default_factory=list, description="Prior payers' line adjudication (2430)."
    )


class Encounter(ModelBase):
    """One professional claim as received from the practice-management system."""

    transaction_type: str = Field(
        "CH", description="CH chargeable claim or RP encounter reporting (BHT06)."
    )
    submitter: Submitter | None = Field(
        None, description="Who sent the file this encounter came in (1000A)."
    )
    receiver: Receiver | None = Field(
        None, description="Who the file was addressed to (1000B)."
    )
    billing_provider: Provider = Field(
        description="The provider or group that bills and is paid (2010AA)."
    )
    pay_to_address: Address | None = Field(
        None,
        description="Where payment goes when it differs from the billing "
        "provider's address, e.g. a PO box (2010AB).",
    )
    subscriber: Subscriber = Field(
        description="The insured person, or the employer for Workers' Comp (2010BA)."
    )
    payer: Payer = Field(description="The payer this claim is sent to (2010BB).")
    patient: Patient | None = Field(
        None, description="The patient when not the subscriber (2000C/2010CA)."
    )
    claim: ClaimInfo = Field(description="Claim-level data (2300).")
    referring_provider: Provider | None = Field(
        None, description="Referring provider (2310A)."
    )
    rendering_provider: Provider | None = Field(
        None, description="Rendering provider when not the billing provider (2310B)."
    )
    service_facility: Provider | None = Field(
        None, description="Where the service was given (2310C)."
    )
    supervising_provider: Provider | None = Field(
        None, description="Supervising provider (2310D)."
    )
    ambulance_pickup: Address | None = Field(
        None, description="Ambulance pick-up location (2310E)."
    )
    ambulance_dropoff: Provider | None = Field(
        None, description="Ambulance drop-off location and its name (2310F)."
    )
    other_coverages: list[OtherCoverage] = Field(
        default_factory=list, description="Other insurance (2320/2330)."
    )
    service_lines: list[ServiceLine] = Field(
        default_factory=list, description="Service lines (2400), at most 50."
    )

    @property
    def is_workers_comp(self) -> bool:
        """True for a Workers' Compensation claim (SBR09 WC)."""
        return self.subscriber.claim_filing_code == "WC"

    @property
    def employer(self) -> Subscriber | None:
        """The injured worker's employer on a Workers' Comp claim, else None.

        For WC the TR3 puts the employer in the subscriber loop: 2010BA NM1*IL
        with NM102 2 (an organisation), its address in N3/N4, and no member id.
        """
        return self.subscriber if self.is_workers_comp else None

    @property
    def jurisdiction_state(self) -> str:
        """The state whose Workers' Comp rules apply.

        The case's jurisdiction when entered, else the billing provider's state
        (2010AA N402), else empty. ``engine.helpers.jurisdiction`` is the same
        choice as rule conditions call it.
        """
        if self.claim.jurisdiction.strip():
            return self.claim.jurisdiction.strip().upper()
        address = self.billing_provider.address
        return address.state.upper() if address is not None else ""

    @property
    def is_auto_accident(self) -> bool:
        """True when an auto accident is among the related causes (CLM11)."""
        return "AA" in self.claim.related_causes

    @property
    def is_accident(self) -> bool:
        """True for any accident-related claim: auto, other, or auto medical."""
        causes = self.claim.related_causes
        return (
            "AA" in causes
            or "OA" in causes
            or (self.subscriber.claim_filing_code == "AM")
        )

    @property
    def patient_name(self) -> str:
        """The patient's name as 'LAST, FIRST' for display."""
        person: Party = self.patient if self.patient is not None else self.subscriber
        if person.first_name:
            return f"{person.last_name}, {person.first_name}"
        return person.last_name

    @property
    def first_service_date(self) -> dt.date | None:
        """The earliest line service date, if any line has one."""
        dates = [line.service_date for line in self.service_lines if line.service_date]
        return min(dates) if dates else None
