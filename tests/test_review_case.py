"""The case of a WC or accident claim: shown with paths, edited with reasons,
revalidated at once, and sorted into the Workers' Comp and accident queues."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from claimtui.review import ReviewError, Workspace, case_edit, case_view
from tests.conftest import TODAY

DATA = Path(__file__).parent / "data"
SERVICE_DAY = TODAY - dt.timedelta(days=10)


def record(name: str, service_day: dt.date = SERVICE_DAY) -> dict[str, Any]:
    """A fixture record moved to recent dates, so no filing limit has passed."""
    [found] = json.loads((DATA / name).read_text())
    for line in found["service_lines"]:
        line["service_date"] = service_day.isoformat()
    accident = service_day - dt.timedelta(days=3)
    found["claim"]["accident_date"] = accident.isoformat()
    return dict(found)


def import_records(
    workspace: Workspace, tmp_path: Path, *records: dict[str, Any]
) -> list[int]:
    path = tmp_path / f"batch{len(list(tmp_path.glob('*.json')))}.json"
    path.write_text(json.dumps(list(records)), encoding="utf-8")
    report = workspace.import_path(path)
    assert report.imported == len(records), report.problems
    rows = workspace.claim_rows("all")
    return sorted(row.id for row in rows)[-len(records) :]


def holding(workspace: Workspace, claim_id: int) -> set[str]:
    detail = workspace.claim_detail(claim_id)
    return {finding.rule_id for finding in detail.build.holding_findings}


def test_case_view_lists_the_workers_comp_case_with_paths_and_segments(
    workspace: Workspace, tmp_path: Path
) -> None:
    [claim_id] = import_records(workspace, tmp_path, record("workers-comp-ca.json"))
    case = workspace.case(claim_id)
    assert (case.kind, case.claim_filing_code) == ("WC", "WC")
    assert (case.jurisdiction, case.jurisdiction_source) == ("CA", "case")
    employer = case.field("subscriber.last_name")
    assert (employer.label, employer.value, employer.segment) == (
        "Employer",
        "NORTHWIND LOGISTICS",
        "2010BA NM103",
    )
    number = case.field("patient.property_casualty_claim_number")
    assert (number.value, number.segment) == ("WC2024-00417", "2010CA REF*Y4")
    assert case.field("claim.jurisdiction").segment == "not sent (case data)"
    assert case.field("claim.attachments[0].control_number").value == "DFR5021A"
    assert case.field("patient.contact.phone").value == "9165550177"
    assert "DTP*439" in case.field("claim.accident_date").help
    assert [finding.rule_id for finding in case.findings] == ["WC-07"]


def test_blank_jurisdiction_shows_the_billing_state_standing_in(
    workspace: Workspace, tmp_path: Path
) -> None:
    wc = record("workers-comp-ca.json")
    wc["claim"]["jurisdiction"] = ""
    [claim_id] = import_records(workspace, tmp_path, wc)
    case = workspace.case(claim_id)
    assert (case.jurisdiction, case.jurisdiction_source) == ("CA", "billing provider")


def test_editing_the_claim_number_releases_the_hold(
    workspace: Workspace, tmp_path: Path
) -> None:
    wc = record("workers-comp-ca.json")
    wc["patient"]["property_casualty_claim_number"] = ""
    [claim_id] = import_records(workspace, tmp_path, wc)
    assert holding(workspace, claim_id) == {"WC-03"}
    assert workspace.in_queue("held", claim_id)

    detail = workspace.edit(
        claim_id,
        "patient.property_casualty_claim_number",
        "WC2024-00417",
        "claim number from the adjuster's letter",
    )

    assert detail.status == "review"
    assert not workspace.in_queue("held", claim_id)
    assert workspace.case(claim_id).field(
        "patient.property_casualty_claim_number"
    ).value == ("WC2024-00417")
    assert detail.decisions[-1].reason == "claim number from the adjuster's letter"
    assert any("REF*Y4*WC2024-00417" in line for line in detail.segment_lines)


def test_editing_the_accident_date_revalidates_at_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    auto = record("auto-accident.json")
    auto["claim"]["accident_date"] = (SERVICE_DAY + dt.timedelta(days=2)).isoformat()
    [claim_id] = import_records(workspace, tmp_path, auto)
    assert holding(workspace, claim_id) == {"ACC-03"}

    accident = (SERVICE_DAY - dt.timedelta(days=2)).isoformat()
    detail = workspace.edit(claim_id, "claim.accident_date", accident, "per chart")

    assert detail.status == "ready"
    assert detail.encounter.claim.accident_date == SERVICE_DAY - dt.timedelta(days=2)


def test_editing_the_accident_state_releases_an_auto_accident_claim(
    workspace: Workspace, tmp_path: Path
) -> None:
    auto = record("auto-accident.json")
    auto["claim"]["accident_state"] = ""
    [claim_id] = import_records(workspace, tmp_path, auto)
    assert holding(workspace, claim_id) == {"ACC-01"}

    detail = workspace.edit(claim_id, "claim.accident_state", "IL", "police report")

    assert detail.status == "ready"
    assert any(
        line.startswith("CLM*") and "AA:::IL" in line for line in (detail.segment_lines)
    )


def test_undoing_a_case_edit_puts_the_hold_back(
    workspace: Workspace, tmp_path: Path
) -> None:
    auto = record("auto-accident.json")
    auto["claim"]["accident_state"] = ""
    [claim_id] = import_records(workspace, tmp_path, auto)
    detail = workspace.edit(claim_id, "claim.accident_state", "IL", "police report")

    detail = workspace.undo_decision(
        claim_id, detail.decisions[-1].id, "the report says Wisconsin"
    )

    assert detail.status == "held"
    assert holding(workspace, claim_id) == {"ACC-01"}


def test_changing_the_jurisdiction_changes_the_state_rules(
    workspace: Workspace, tmp_path: Path
) -> None:
    old_visit = TODAY - dt.timedelta(days=100)
    wc = record("workers-comp-ca.json", service_day=old_visit)
    wc["claim"]["jurisdiction"] = "TX"
    [claim_id] = import_records(workspace, tmp_path, wc)
    assert holding(workspace, claim_id) == {"WC-10"}

    workspace.edit(claim_id, "claim.jurisdiction", "CA", "injured in Oakland")

    assert holding(workspace, claim_id) == set()
    case = workspace.case(claim_id)
    assert (case.jurisdiction, case.jurisdiction_source) == ("CA", "case")
    assert {finding.rule_id for finding in case.findings} == {"WC-07"}


def test_a_value_that_does_not_fit_the_field_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    [claim_id] = import_records(workspace, tmp_path, record("auto-accident.json"))
    with pytest.raises(
        ReviewError, match=r"claim\.accident_date: the value does not fit"
    ):
        workspace.edit(claim_id, "claim.accident_date", "last tuesday", "guess")
    assert workspace.claim_detail(claim_id).decisions == []


def test_absent_patient_loop_is_created_by_editing_the_group(
    workspace: Workspace, tmp_path: Path
) -> None:
    wc = record("workers-comp-ca.json")
    del wc["patient"]
    [claim_id] = import_records(workspace, tmp_path, wc)
    number = workspace.case(claim_id).field("patient.property_casualty_claim_number")
    assert (number.editable, number.missing_group) == (False, "patient")
    assert {"WC-02", "WC-03"} <= holding(workspace, claim_id)

    worker = {
        "last_name": "ROWAN",
        "first_name": "PIA",
        "relationship": "20",
        "birth_date": "1986-07-14",
        "gender": "F",
        "address": {
            "line1": "12 BIRCH LN",
            "city": "ALAMEDA",
            "state": "CA",
            "postal_code": "94501",
        },
        "ssn": "999999999",
        "property_casualty_claim_number": "WC2024-00417",
    }
    workspace.edit(claim_id, "patient", worker, "worker from the first report")

    assert holding(workspace, claim_id) == set()
    assert workspace.case(claim_id).field("patient.last_name").editable
    workspace.edit(claim_id, "patient.first_name", "PIA M", "full name per chart")
    assert workspace.case(claim_id).field("patient.first_name").value == "PIA M"


def test_queues_sort_workers_comp_and_accident_claims_by_kind(
    workspace: Workspace, tmp_path: Path
) -> None:
    other_accident = record("auto-accident.json")
    other_accident["subscriber"]["claim_filing_code"] = "CI"
    other_accident["claim"].update(related_causes=["OA"], accident_state="")
    plain = record("auto-accident.json")
    plain["subscriber"]["claim_filing_code"] = "CI"
    plain["claim"].update(related_causes=[], accident_state="", accident_date=None)
    wc, auto, oa, routine = import_records(
        workspace,
        tmp_path,
        record("workers-comp-ca.json"),
        record("auto-accident.json"),
        other_accident,
        plain,
    )
    kinds = {row.id: row.kind for row in workspace.claim_rows("all")}
    assert kinds == {wc: "WC", auto: "AA", oa: "OA", routine: ""}
    assert [row.id for row in workspace.claim_rows("workers-comp")] == [wc]
    assert sorted(row.id for row in workspace.claim_rows("accident")) == [auto, oa]


def test_editing_a_field_of_an_absent_group_is_refused_with_what_to_do(
    workspace: Workspace, tmp_path: Path
) -> None:
    [claim_id] = import_records(workspace, tmp_path, record("auto-accident.json"))
    with pytest.raises(ReviewError, match="'patient' is not present on this claim"):
        workspace.edit(
            claim_id, "patient.property_casualty_claim_number", "AU1", "typo"
        )


def test_case_edit_reads_dates_codes_and_text_as_typed(
    workspace: Workspace, tmp_path: Path
) -> None:
    [claim_id] = import_records(workspace, tmp_path, record("auto-accident.json"))
    case = workspace.case(claim_id)
    assert case_edit(case.field("claim.accident_date"), " 2026-11-20 ") == (
        "claim.accident_date",
        "2026-11-20",
    )
    assert case_edit(case.field("claim.accident_date"), "") == (
        "claim.accident_date",
        None,
    )
    assert case_edit(case.field("claim.related_causes"), "aa, oa") == (
        "claim.related_causes",
        ["AA", "OA"],
    )
    assert case_edit(case.field("claim.accident_state"), "IL") == (
        "claim.accident_state",
        "IL",
    )


def test_case_edit_refuses_a_date_not_written_as_year_month_day(
    workspace: Workspace, tmp_path: Path
) -> None:
    [claim_id] = import_records(workspace, tmp_path, record("auto-accident.json"))
    accident = workspace.case(claim_id).field("claim.accident_date")
    with pytest.raises(ReviewError, match="enter the date as YYYY-MM-DD"):
        case_edit(accident, "11/20/2026")


def test_case_edit_of_a_field_in_an_absent_group_creates_the_group(
    workspace: Workspace, tmp_path: Path
) -> None:
    wc = record("workers-comp-ca.json")
    del wc["patient"]
    [claim_id] = import_records(workspace, tmp_path, wc)
    number = workspace.case(claim_id).field("patient.property_casualty_claim_number")

    path, value = case_edit(number, "WC2024-00417")
    assert (path, value) == (
        "patient",
        {"property_casualty_claim_number": "WC2024-00417"},
    )
    workspace.edit(claim_id, path, value, "number from the carrier")

    case = workspace.case(claim_id)
    assert "WC-03" not in holding(workspace, claim_id)
    assert case.field("patient.property_casualty_claim_number").value == (
        "WC2024-00417"
    )
    assert case.field("patient.last_name").editable


def test_pending_edits_count_as_made_when_judging_what_is_editable(
    workspace: Workspace, tmp_path: Path
) -> None:
    wc = record("workers-comp-ca.json")
    del wc["patient"]
    [claim_id] = import_records(workspace, tmp_path, wc)
    detail = workspace.claim_detail(claim_id)
    pending = [("patient", {"last_name": "ROWAN"})]

    assert not case_view(detail).field("patient.first_name").editable
    assert case_view(detail, pending).field("patient.first_name").editable


def test_help_is_known_for_fields_of_an_absent_group(
    workspace: Workspace, tmp_path: Path
) -> None:
    [claim_id] = import_records(workspace, tmp_path, record("auto-accident.json"))
    number = workspace.case(claim_id).field("patient.property_casualty_claim_number")
    assert number.missing_group == "patient"
    assert "REF*Y4" in number.help
