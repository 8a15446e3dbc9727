"""Strict imports refuse a file with envelope errors, lenient ones hold exactly
the claims an error touches; either way, what is stored already is unchanged."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from claimtui.review import Workspace
from claimtui.store import ClaimRecord, EncounterRecord
from tests.x12_helpers import replace_segment, sample_interchange


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="ascii")
    return path


def _snapshot(workspace: Workspace) -> list[tuple[object, ...]]:
    with Session(workspace.engine) as session:
        rows = session.exec(select(ClaimRecord, EncounterRecord).join(EncounterRecord))
        return [
            (c.id, c.status, c.version, c.holding_rules, e.raw, e.encounter_json)
            for c, e in rows
        ]


def _held_by_reading(workspace: Workspace) -> list[str]:
    rows = workspace.claim_rows("held")
    return sorted(row.patient_control_number for row in rows if "READ" in row.rules)


def _stored_first(workspace: Workspace, tmp_path: Path) -> list[tuple[object, ...]]:
    text = sample_interchange().replace("PCN", "OLD")
    report = workspace.import_path(_write(tmp_path, "first.837", text))
    assert report.imported == 4
    return _snapshot(workspace)


def test_strict_refuses_a_late_iea_error_and_keeps_what_is_stored(
    workspace: Workspace, tmp_path: Path
) -> None:
    before = _stored_first(workspace, tmp_path)
    text = replace_segment(sample_interchange(), "IEA*1*000000042", "IEA*1*000000043")
    report = workspace.import_path(_write(tmp_path, "bad.837", text))
    assert (report.refused, report.imported, report.held) == (True, 0, 0)
    assert report.problems[0] == (
        "bad.837 (segment 62, IEA, IEA02): the control number does not match "
        "ISA13 of the ISA at segment 1; the envelope may have been damaged or "
        "spliced, ask the sender for a corrected file"
    )
    assert "nothing imported" in report.problems[-1]
    assert _snapshot(workspace) == before


def test_lenient_se01_error_holds_only_its_transaction_set(
    workspace: Workspace, tmp_path: Path
) -> None:
    before = _stored_first(workspace, tmp_path)
    text = replace_segment(sample_interchange(), "SE*29*000070002", "SE*28*000070002")
    report = workspace.import_path(_write(tmp_path, "se.837", text), lenient=True)
    assert (report.refused, report.imported) == (False, 4)
    assert _held_by_reading(workspace) == ["PCN3", "PCN4"]
    assert _snapshot(workspace)[: len(before)] == before


def test_lenient_hl_error_holds_only_the_claim_under_it(
    workspace: Workspace, tmp_path: Path
) -> None:
    text = sample_interchange()
    head, tail = text.split("ST*837*000070002", 1)
    text = head + "ST*837*000070002" + tail.replace("HL*3*1*22*0", "HL*3*9*22*0")
    strict = workspace.import_path(_write(tmp_path, "hl.837", text))
    assert strict.refused and workspace.count("all") == 0
    report = workspace.import_path(_write(tmp_path, "hl2.837", text), lenient=True)
    assert report.imported == 4
    detail = workspace.claim_detail(
        next(
            row.id
            for row in workspace.claim_rows("all")
            if row.patient_control_number == "PCN4"
        )
    )
    assert detail.status == "held"
    assert [i["element"] for i in detail.read_issues] == ["HL02"]


def test_imported_claims_equal_a_rebuild_from_the_stored_rows(
    workspace: Workspace, tmp_path: Path
) -> None:
    text = replace_segment(sample_interchange(), "GE*2*7", "GE*2*8")
    workspace.import_path(_write(tmp_path, "ge.837", text), lenient=True)
    imported = _snapshot(workspace)
    rows = {row.id: row for row in workspace.claim_rows("all")}
    for claim_id, row in rows.items():
        detail = workspace.claim_detail(claim_id)  # rebuilds and saves
        assert detail.status == row.status == "held"
    rebuilt = _snapshot(workspace)
    assert [r[:2] + r[3:] for r in rebuilt] == [r[:2] + r[3:] for r in imported]


def test_a_problem_of_an_hl_level_is_listed_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    """An HL error is the file's and each claim's under it; the report lists it
    once, and a second import of the same claims says they are stored already."""
    text = sample_interchange().replace("HL*3*1*22*0", "HL*3*9*22*0", 1)
    report = workspace.import_path(_write(tmp_path, "hl.837", text), lenient=True)
    assert report.imported == 4
    hl02 = [p for p in report.problems if "names no HL of the level above" in p]
    assert len(hl02) == 1
    again = workspace.import_path(
        _write(tmp_path, "hl-again.837", text + "\n"), lenient=True
    )
    assert not again.refused
    assert (again.imported, again.repeated) == (0, 4)
    assert not any("nothing imported" in p for p in again.problems)
