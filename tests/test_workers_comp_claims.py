"""Workers' Comp and auto accident claims: 837P output, pyx12, round trip, rules.

There are no public Workers' Comp 837P files, so the inputs are small hand-made
JSON records in ``tests/data`` (fictional people and ids): a California WC bill
and an Illinois auto medical bill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from claimtui.engine import RuleSet, build_claim, load_rule_set, shipped_rules_dir
from claimtui.ingest import read_file
from claimtui.model import BuildResult, Encounter, Severity
from claimtui.x12.reader import ReadClaim, iter_837p
from claimtui.x12.validate import validate_interchange
from claimtui.x12.writer import OutSegment, claim_segments, write_interchange
from tests.x12_helpers import HEADER, without_parties

DATA = Path(__file__).parent / "data"
SERVICE_DAY = dt.date(2024, 3, 4)
"""The service date of every line in the fixtures."""


@pytest.fixture(scope="module")
def rule_set() -> RuleSet:
    return load_rule_set([shipped_rules_dir()])


def fixture_encounter(name: str) -> Encounter:
    result = read_file(DATA / name)
    assert result.issues == []
    [claim] = result.claims
    return claim.encounter


def workers_comp() -> Encounter:
    return fixture_encounter("workers-comp-ca.json")


def auto_accident() -> Encounter:
    return fixture_encounter("auto-accident.json")


def build(
    encounter: Encounter, rule_set: RuleSet, today: dt.date = SERVICE_DAY
) -> BuildResult:
    return build_claim(encounter, rule_set, today=today + dt.timedelta(days=10))


def holding(result: BuildResult) -> set[str]:
    return {finding.rule_id for finding in result.holding_findings}


def fired(result: BuildResult) -> set[str]:
    return {trace.rule_id for trace in result.traces if trace.outcome == "fired"}


def segments(encounter: Encounter, segment_id: str) -> list[OutSegment]:
    return [s for s in claim_segments(encounter) if s.id == segment_id]


def read_back(encounter: Encounter) -> Encounter:
    text = write_interchange([encounter], HEADER)
    items = list(iter_837p(text.encode("ascii"), "out.837"))
    [claim] = [item for item in items if isinstance(item, ReadClaim)]
    assert len(items) == 1
    return claim.encounter


# --- 837P output ---------------------------------------------------------------


@pytest.mark.parametrize("make", [workers_comp, auto_accident])
def test_hand_made_claims_pass_pyx12(make: Callable[[], Encounter]) -> None:
    report = validate_interchange(write_interchange([make()], HEADER))
    assert report.findings == []
    assert report.ok


def test_workers_comp_claim_round_trips_except_the_jurisdiction() -> None:
    # The jurisdiction is case data with no 837P element, so it cannot come back.
    encounter = workers_comp()
    expected = without_parties(encounter)
    expected.claim.jurisdiction = ""
    assert without_parties(read_back(encounter)) == expected


def test_auto_accident_claim_round_trips() -> None:
    encounter = auto_accident()
    assert without_parties(read_back(encounter)) == without_parties(encounter)


def test_workers_comp_sends_the_employer_as_a_non_person_subscriber() -> None:
    encounter = workers_comp()
    [sbr] = segments(encounter, "SBR")
    assert sbr.elements[1] == ""
    assert sbr.elements[8] == "WC"
    subscriber_name = next(
        s for s in segments(encounter, "NM1") if s.elements[0] == "IL"
    )
    assert subscriber_name.loop == "2010BA"
    assert subscriber_name.elements[1:3] == ["2", "NORTHWIND LOGISTICS"]
    assert encounter.employer is encounter.subscriber


def test_workers_comp_sends_the_worker_as_employee_patient() -> None:
    [pat] = segments(workers_comp(), "PAT")
    assert (pat.loop, pat.elements[0]) == ("2000C", "20")


def test_workers_comp_claim_number_goes_once_in_the_patient_loop() -> None:
    y4 = [s for s in segments(workers_comp(), "REF") if s.elements[0] == "Y4"]
    assert [(s.loop, s.elements[1]) for s in y4] == [("2010CA", "WC2024-00417")]


def test_auto_medical_claim_number_goes_once_in_the_subscriber_loop() -> None:
    y4 = [s for s in segments(auto_accident(), "REF") if s.elements[0] == "Y4"]
    assert [(s.loop, s.elements[1]) for s in y4] == [("2010BA", "AU-55102")]


def test_related_causes_carry_a_state_only_for_an_auto_accident() -> None:
    [wc_claim] = segments(workers_comp(), "CLM")
    [auto_claim] = segments(auto_accident(), "CLM")
    assert wc_claim.elements[10] == "EM"
    assert auto_claim.elements[10] == "AA:::IL"


def test_injury_date_and_report_control_number_are_sent() -> None:
    encounter = workers_comp()
    [injury] = [s for s in segments(encounter, "DTP") if s.elements[0] == "439"]
    [report] = segments(encounter, "PWK")
    assert injury.elements == ["439", "D8", "20240227"]
    assert report.elements == ["OZ", "FX", "", "", "AC", "DFR5021A"]


def test_adjuster_contact_is_sent_as_property_and_casualty_contact() -> None:
    [contact] = [s for s in segments(workers_comp(), "PER") if s.loop == "2010CA"]
    assert contact.elements == ["IC", "ADJUSTER DESK", "TE", "9165550177"]


# --- Rules ---------------------------------------------------------------------


def test_complete_california_bill_only_asks_to_track_the_clocks(
    rule_set: RuleSet,
) -> None:
    result = build(workers_comp(), rule_set)
    assert holding(result) == set()
    # Info findings (tables a practice has not supplied) only annotate.
    asking = {f.rule_id for f in result.findings if f.severity != Severity.INFO}
    assert asking == {"WC-07"}


def test_complete_auto_accident_claim_is_ready(rule_set: RuleSet) -> None:
    result = build(auto_accident(), rule_set)
    assert result.findings == []
    assert result.status.value == "ready"


def faults_pyx12_passes(encounter: Encounter) -> None:
    """The fault is invisible to the TR3 check: only the rules catch it."""
    assert validate_interchange(write_interchange([encounter], HEADER)).ok


def test_missing_workers_comp_claim_number_is_held(rule_set: RuleSet) -> None:
    encounter = workers_comp()
    assert encounter.patient is not None
    encounter.patient.property_casualty_claim_number = ""
    faults_pyx12_passes(encounter)
    assert "WC-03" in holding(build(encounter, rule_set))


def test_missing_injury_date_is_held(rule_set: RuleSet) -> None:
    encounter = workers_comp()
    encounter.claim.accident_date = None
    faults_pyx12_passes(encounter)
    assert "WC-04" in holding(build(encounter, rule_set))


def test_auto_accident_without_state_is_held(rule_set: RuleSet) -> None:
    encounter = auto_accident()
    encounter.claim.accident_state = ""
    faults_pyx12_passes(encounter)
    assert holding(build(encounter, rule_set)) == {"ACC-01"}


def test_us_as_the_accident_country_does_not_stand_in_for_the_state(
    rule_set: RuleSet,
) -> None:
    encounter = auto_accident()
    encounter.claim.accident_state = ""
    encounter.claim.accident_country = "US"
    result = build(encounter, rule_set)
    assert holding(result) == {"ACC-01"}
    assert result.encounter.claim.accident_country == ""


def test_an_accident_abroad_is_sent_with_its_iso_country(rule_set: RuleSet) -> None:
    encounter = auto_accident()
    encounter.claim.accident_state = ""
    encounter.claim.accident_country = "MX"
    result = build(encounter, rule_set)
    assert "ACC-01" not in fired(result)
    [clm] = segments(result.encounter, "CLM")
    assert clm.elements[10] == "AA::::MX"
    report = validate_interchange(write_interchange([result.encounter], HEADER))
    assert report.ok, report.findings


def test_an_accident_country_that_is_not_iso_is_held(rule_set: RuleSet) -> None:
    encounter = auto_accident()
    encounter.claim.accident_state = ""
    encounter.claim.accident_country = "MEX"
    [first, second] = [
        f for f in build(encounter, rule_set).findings if f.rule_id == "ACC-01"
    ]
    assert (first.path, second.path) == (
        "claim.accident_state",
        "claim.accident_country",
    )


def test_accident_state_without_aa_is_cleared_and_asks_for_review(
    rule_set: RuleSet,
) -> None:
    encounter = workers_comp()
    encounter.claim.accident_state = "CA"
    result = build(encounter, rule_set)
    [finding] = [f for f in result.findings if f.rule_id == "ACC-01"]
    assert finding.severity is Severity.WARNING
    assert finding.segment == "2300 CLM11"
    assert result.encounter.claim.accident_state == ""
    [clm] = segments(result.encounter, "CLM")
    assert clm.elements[10] == "EM"


def test_accident_date_after_the_service_date_is_held(rule_set: RuleSet) -> None:
    encounter = auto_accident()
    encounter.claim.accident_date = SERVICE_DAY + dt.timedelta(days=1)
    faults_pyx12_passes(encounter)
    assert holding(build(encounter, rule_set)) == {"ACC-03"}


def test_injury_date_after_the_service_date_is_held_on_workers_comp(
    rule_set: RuleSet,
) -> None:
    encounter = workers_comp()
    encounter.claim.accident_date = SERVICE_DAY + dt.timedelta(days=3)
    assert "ACC-03" in holding(build(encounter, rule_set))


def test_claim_number_on_both_loops_is_kept_on_the_patient_only(
    rule_set: RuleSet,
) -> None:
    encounter = workers_comp()
    encounter.subscriber.property_casualty_claim_number = "WC2024-00417"
    result = build(encounter, rule_set)
    y4 = [s for s in segments(result.encounter, "REF") if s.elements[0] == "Y4"]
    assert [s.loop for s in y4] == ["2010CA"]
    assert "WC-03" not in holding(result)


def test_employer_without_identifier_is_held(rule_set: RuleSet) -> None:
    encounter = workers_comp()
    encounter.subscriber.member_id = ""
    assert "WC-01" in holding(build(encounter, rule_set))


# --- Jurisdiction and filing limits --------------------------------------------


def test_california_limit_follows_the_jurisdiction_not_the_provider(
    rule_set: RuleSet,
) -> None:
    encounter = workers_comp()
    assert encounter.billing_provider.address is not None
    encounter.billing_provider.address.state = "NV"
    late = dt.date(2025, 3, 5)
    assert "WC-08" in holding(build_claim(encounter, rule_set, today=late))


def test_billing_state_stands_in_for_a_blank_jurisdiction(rule_set: RuleSet) -> None:
    encounter = workers_comp()
    encounter.claim.jurisdiction = ""
    result = build_claim(encounter, rule_set, today=dt.date(2025, 3, 5))
    assert encounter.jurisdiction_state == "CA"
    assert "WC-08" in holding(result)


def test_texas_injury_billed_from_california_gets_the_texas_limit(
    rule_set: RuleSet,
) -> None:
    encounter = workers_comp()
    encounter.claim.jurisdiction = "TX"
    day_96 = SERVICE_DAY + dt.timedelta(days=96)
    result = build_claim(encounter, rule_set, today=day_96)
    assert "WC-10" in holding(result)
    assert {"WC-07", "WC-08", "WC-09"}.isdisjoint(fired(result))


def test_texas_limit_warns_two_weeks_ahead(rule_set: RuleSet) -> None:
    encounter = workers_comp()
    encounter.claim.jurisdiction = "TX"
    day_85 = SERVICE_DAY + dt.timedelta(days=85)
    result = build_claim(encounter, rule_set, today=day_85)
    warnings = [f for f in result.findings if f.rule_id == "TF-07"]
    assert len(warnings) == 2
    assert holding(result) == set()


def test_state_packs_work_loaded_on_their_own() -> None:
    # The activation keeps only fields some rule names; the WC packs alone
    # must still see the billing provider's state for the fallback.
    alone = load_rule_set([shipped_rules_dir() / "workers-comp"])
    encounter = workers_comp()
    encounter.claim.jurisdiction = ""
    assert "WC-07" in fired(build(encounter, alone))
