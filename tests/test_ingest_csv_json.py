"""JSON and CSV import: documented shapes, problems by file and line, raw kept.

Every test writes a real file and, where it says so, imports it into a real
workspace database.
"""

from __future__ import annotations

import json
from pathlib import Path

from claimtui.ingest import read_file, sniff_format
from claimtui.review import Workspace
from tests.workers_comp_csv import write_workers_comp_csv

DATA = Path(__file__).parent / "data"

HEADER = (
    "encounter_id,billing_provider.last_name,billing_provider.npi,"
    "billing_provider.tax_id,billing_provider.tax_id_qualifier,"
    "billing_provider.address.line1,billing_provider.address.city,"
    "billing_provider.address.state,billing_provider.address.postal_code,"
    "subscriber.entity_type,subscriber.last_name,subscriber.first_name,"
    "subscriber.relationship,subscriber.member_id,subscriber.claim_filing_code,"
    "payer.name,payer.payer_id,claim.patient_control_number,claim.total_charge,"
    "claim.place_of_service,claim.related_causes,claim.accident_state,"
    "claim.accident_date,claim.diagnoses,line.procedure_code,line.modifiers,"
    "line.charge,line.diagnosis_pointers,line.service_date"
)
PRACTICE = "RIVERSIDE,1234567893,123456789,EI,100 MAIN ST,SPRINGFIELD,IL,627011234"


def row(encounter_id: str, claim: str, line: str) -> str:
    """One CSV row: the practice, a claim part and a line part."""
    return f"{encounter_id},{PRACTICE},{claim},{line}"


AUTO = "1,ALDER,KAI,18,POL1,AM,PRAIRIE AUTO,PAUTO1,AA0001,230,11,AA,IL,2024-12-01"
LINES_ONLY = "," * 23


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- CSV -----------------------------------------------------------------------


def test_rows_with_one_encounter_id_become_one_claim_in_row_order(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "visits.csv",
        HEADER,
        row("A1", AUTO, "S161XXA V4352XA,99213,,150.00,1 2,2024-12-04"),
        row("B7", AUTO.replace("AA0001", "AA0002"), "S161XXA,99212,,90,1,2024-12-04"),
        f"A1{LINES_ONLY},97110,GP 59,80.00,1,2024-12-04",
    )
    result = read_file(path)
    assert result.format == "csv"
    assert result.issues == []
    first, second = (claim.encounter for claim in result.claims)
    assert [line.procedure_code for line in first.service_lines] == ["99213", "97110"]
    assert first.service_lines[1].modifiers == ["GP", "59"]
    assert first.service_lines[0].diagnosis_pointers == [1, 2]
    assert first.claim.related_causes == ["AA"]
    assert [(d.code, d.qualifier) for d in first.claim.diagnoses] == [
        ("S161XXA", "ABK"),
        ("V4352XA", "ABF"),
    ]
    assert second.claim.patient_control_number == "AA0002"
    assert result.claims[0].position == "encounter A1 (lines 2-4)"


def test_raw_record_is_the_header_and_the_encounters_rows(tmp_path: Path) -> None:
    one = row("A1", AUTO, "S161XXA,99213,,150.00,1,2024-12-04")
    other = row("B7", AUTO, "S161XXA,99212,,90,1,2024-12-04")
    three = f"A1{LINES_ONLY},97110,,80.00,1,2024-12-04"
    path = write(tmp_path, "visits.csv", HEADER, one, other, three)
    [first, _] = read_file(path).claims
    assert first.raw == f"{HEADER}\n{one}\n{three}\n"
    assert first.raw_format == "csv"


def test_bad_cells_are_reported_by_line_and_column_and_stop_only_their_encounter(
    workspace: Workspace, tmp_path: Path
) -> None:
    bad_date = AUTO.replace("2024-12-01", "2024-02-30")
    path = write(
        tmp_path,
        "visits.csv",
        HEADER,
        row("A1", AUTO, "S161XXA,99213,,150.00,1,2024-12-04"),
        row("B7", bad_date, "S161XXA,99212,,90,1,2024-12-04"),
        f"B7{LINES_ONLY},97110,,eighty,1,2024-12-04",
    )
    report = workspace.import_path(path)
    assert (report.imported, report.refused) == (1, False)
    assert report.problems == [
        "visits.csv line 3, column claim.accident_date: Input should be a valid "
        "date or datetime, day value is outside expected range",
        "visits.csv line 4, column line.charge: Input should be a valid decimal",
    ]


def test_claim_value_differing_between_rows_stops_the_encounter(
    tmp_path: Path,
) -> None:
    other_state = AUTO.replace(",IL,", ",WI,")
    path = write(
        tmp_path,
        "visits.csv",
        HEADER,
        row("A1", AUTO, "S161XXA,99213,,150.00,1,2024-12-04"),
        row("A1", other_state, "S161XXA,97110,,80.00,1,2024-12-04"),
    )
    result = read_file(path)
    assert result.claims == []
    [issue] = result.issues
    assert issue.message.startswith(
        "visits.csv line 3, column claim.accident_state: differs from line 2"
    )


def test_unknown_column_refuses_the_whole_file(
    workspace: Workspace, tmp_path: Path
) -> None:
    header = HEADER.replace("claim.accident_state", "claim.acident_state")
    path = write(
        tmp_path,
        "visits.csv",
        header,
        row("A1", AUTO, "S161XXA,99213,,150.00,1,2024-12-04"),
    )
    report = workspace.import_path(path)
    assert report.refused
    assert report.imported == 0
    assert report.problems[0] == (
        "visits.csv line 1, column 22 'claim.acident_state': names no field of "
        "the encounter; see the column list in the CSV import guide"
    )


def test_row_without_encounter_id_is_reported_and_the_rest_import(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "visits.csv",
        HEADER,
        row("", AUTO, "S161XXA,99213,,150.00,1,2024-12-04"),
        row("A1", AUTO, "S161XXA,99213,,150.00,1,2024-12-04"),
    )
    result = read_file(path)
    assert len(result.claims) == 1
    assert [i.message for i in result.issues] == [
        "visits.csv line 2: 'encounter_id' is empty"
    ]
    assert result.issues[0].severity == "warning"


def test_csv_is_recognised_by_its_header_whatever_the_file_name(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "export.txt",
        HEADER,
        row("A1", AUTO, "S161XXA,99213,,150.00,1,2024-12-04"),
    )
    assert sniff_format(path.read_bytes()) == "csv"
    assert read_file(path).format == "csv"


def test_workers_comp_case_reads_the_same_from_csv_and_json(tmp_path: Path) -> None:
    from_csv = read_file(write_workers_comp_csv(tmp_path / "case.csv"))
    from_json = read_file(DATA / "workers-comp-ca.json")
    assert from_csv.issues == []
    assert from_csv.claims[0].encounter == from_json.claims[0].encounter


def test_csv_claim_shows_its_raw_rows_in_the_claim_view(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = write_workers_comp_csv(tmp_path / "case.csv")
    workspace.import_path(path)
    [claim] = workspace.claim_rows("workers-comp")
    detail = workspace.claim_detail(claim.id)
    assert detail.raw_format == "csv"
    assert detail.raw == path.read_text()
    assert detail.source == "encounter WC0001 (lines 2-3)"


# --- JSON ----------------------------------------------------------------------


def test_bad_json_record_is_reported_by_index_and_field(
    workspace: Workspace, tmp_path: Path
) -> None:
    [good] = json.loads((DATA / "auto-accident.json").read_text())
    bad = json.loads(json.dumps(good))
    bad["claim"]["accident_date"] = "yesterday"
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([good, bad]), encoding="utf-8")
    report = workspace.import_path(path)
    assert (report.imported, report.refused) == (1, False)
    assert report.problems == [
        "batch.json: record 2: field claim.accident_date: Input should be a "
        "valid date or datetime, input is too short"
    ]


def test_json_claim_keeps_its_record_as_raw(workspace: Workspace) -> None:
    workspace.import_path(DATA / "auto-accident.json")
    [claim] = workspace.claim_rows("accident")
    detail = workspace.claim_detail(claim.id)
    assert detail.raw_format == "json"
    assert json.loads(detail.raw)["claim"]["patient_control_number"] == "AA0001"
