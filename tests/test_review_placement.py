"""Where findings land in a claim's final segments: on the elements their field
was written to, else on the one segment their X12 location names, else listed as
not in the segments."""

from __future__ import annotations

import pytest

from claimtui.model import Finding, Severity
from claimtui.review import ClaimDetail, Workspace
from claimtui.review.placement import (
    Location,
    Place,
    fails,
    locations,
    path_related,
    place_findings,
)
from tests.tui_support import demo_workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return demo_workspace(tmp_path_factory.mktemp("placement"))


def detail_with(workspace: Workspace, rule_id: str, lines: int = 1) -> ClaimDetail:
    """The first demo claim with a finding of ``rule_id`` and at least ``lines``
    service lines."""
    for row in workspace.claim_rows("all", limit=500):
        detail = workspace.claim_detail(row.id)
        found = any(f.rule_id == rule_id for f in detail.build.findings)
        if found and len(detail.encounter.service_lines) >= lines:
            return detail
    raise AssertionError(f"no demo claim has a finding of {rule_id}")


def finding(path: str = "", segment: str = "", **extra: object) -> Finding:
    values: dict[str, object] = {
        "rule_id": "T-01",
        "severity": Severity.ERROR,
        "message": "test finding",
        "path": path,
        "segment": segment,
    }
    values.update(extra)
    return Finding.model_validate(values)


def index_of(detail: ClaimDetail, segment_id: str, loop: str, nth: int = 0) -> int:
    matches = [
        index
        for index, segment in enumerate(detail.segments)
        if segment.id == segment_id and segment.loop == loop
    ]
    return matches[nth]


def test_locations_read_loop_segment_element_component_and_qualifier() -> None:
    assert locations("2300 CLM11-4") == [Location("CLM", "2300", 11, 4)]
    assert locations("NM109") == [Location("NM1", element=9)]
    assert locations("2010AA N403") == [Location("N4", "2010AA", 3)]
    assert locations("2300 REF*F8") == [Location("REF", "2300", qualifier="F8")]
    assert locations("2300 CLM11 / 2000B SBR09") == [
        Location("CLM", "2300", 11),
        Location("SBR", "2000B", 9),
    ]


def test_a_range_of_components_names_the_whole_element() -> None:
    assert locations("2400 SV101-3..6") == [Location("SV1", "2400", 1)]


def test_locations_naming_only_a_loop_or_nothing_x12_give_none() -> None:
    assert locations("2010BA") == []
    assert locations("") == []
    assert locations("not sent (case data)") == []


def test_related_paths_are_equal_or_one_inside_the_other() -> None:
    assert path_related("claim.diagnoses[0].code", "claim.diagnoses")
    assert path_related("claim.notes", "claim.notes[1].text")
    assert not path_related("claim.note", "claim.notes")
    assert not path_related("", "claim.notes")


def test_a_finding_marks_the_element_its_field_was_written_to(
    workspace: Workspace,
) -> None:
    detail = detail_with(workspace, "BAL-01")
    balance = next(f for f in detail.build.findings if f.rule_id == "BAL-01")
    places = place_findings(detail.segments, [balance])
    clm = index_of(detail, "CLM", "2300")
    assert [p.places for p in places.in_segment(clm)] == [
        (Place(2, 0, "claim.total_charge"),)
    ]
    assert places.failing_elements(clm, 3) == [False, True, False]
    assert places.unplaced == []


def test_a_field_inside_a_composite_marks_the_composite(workspace: Workspace) -> None:
    detail = detail_with(workspace, "BAL-01")
    places = place_findings(detail.segments, [finding("claim.frequency_code")])
    clm = index_of(detail, "CLM", "2300")
    assert places.in_segment(clm)[0].places == (Place(5, 3, "claim.frequency_code"),)
    assert places.in_segment(clm)[0].places[0].label("CLM") == "CLM05-3"
    assert places.failing_elements(clm, 5)[4]


def test_a_field_that_wrote_no_element_is_placed_by_its_location(
    workspace: Workspace,
) -> None:
    """ACC-01: the accident state is blank, so CLM11-4 is not sent; CLM11 is."""
    detail = detail_with(workspace, "ACC-01")
    accident = next(f for f in detail.build.findings if f.rule_id == "ACC-01")
    places = place_findings(detail.segments, [accident])
    clm = index_of(detail, "CLM", "2300")
    assert places.in_segment(clm)[0].places == (
        Place(11, 4, "claim.accident_state", sent=False),
    )
    assert places.failing_elements(clm, 11)[10]
    assert places.unplaced == []


def test_an_element_past_the_end_of_the_segment_marks_the_segment(
    workspace: Workspace,
) -> None:
    detail = detail_with(workspace, "BAL-01")
    places = place_findings(detail.segments, [finding("", "2300 CLM20")])
    clm = index_of(detail, "CLM", "2300")
    assert places.in_segment(clm)[0].places == (Place(20, 0, "", sent=False),)
    assert places.segment_fails(clm)
    assert not any(places.failing_elements(clm, 11))


def test_the_findings_path_chooses_among_segments_its_location_fits(
    workspace: Workspace,
) -> None:
    """Modifiers left blank write no SV101-3; the path names the second line."""
    detail = detail_with(workspace, "BAL-01", lines=2)
    removed = finding("service_lines[1].modifiers", "2400 SV101")
    places = place_findings(detail.segments, [removed])
    second = index_of(detail, "SV1", "2400", nth=1)
    assert list(places.by_segment) == [second]
    assert places.in_segment(second)[0].places[0].label("SV1") == "SV101"


def test_a_location_several_segments_fit_is_not_placed(workspace: Workspace) -> None:
    detail = detail_with(workspace, "BAL-01", lines=2)
    unsure = finding("", "2400 SV101")
    places = place_findings(detail.segments, [unsure])
    assert places.by_segment == {}
    assert places.unplaced == [unsure]
    assert places.failing_unplaced == [unsure]


def test_a_segment_of_another_line_is_never_chosen(workspace: Workspace) -> None:
    """The second line has no DTP*472: the first line's one does not stand in."""
    detail = detail_with(workspace, "BAL-01", lines=2)
    segments = [
        segment
        for segment in detail.segments
        if not (segment.id == "DTP" and "service_lines[1]" in segment.sources[2])
    ]
    undated = finding("service_lines[1].service_date", "2400 DTP*472")
    places = place_findings(segments, [undated])
    assert places.unplaced == [undated]


def test_a_segment_that_was_not_written_is_not_placed(workspace: Workspace) -> None:
    detail = detail_with(workspace, "COR-02")
    missing = next(f for f in detail.build.findings if f.rule_id == "COR-02")
    assert missing.segment == "2300 REF*F8"
    places = place_findings(detail.segments, [missing])
    assert places.unplaced == [missing]


def test_a_finding_about_the_whole_claim_is_not_placed(workspace: Workspace) -> None:
    detail = detail_with(workspace, "BAL-01")
    whole = finding()
    assert place_findings(detail.segments, [whole]).unplaced == [whole]


def test_exempted_and_info_findings_are_placed_but_do_not_fail(
    workspace: Workspace,
) -> None:
    detail = detail_with(workspace, "BAL-01")
    exempted = finding("claim.total_charge", exempted=True)
    info = finding("claim.total_charge", severity=Severity.INFO)
    places = place_findings(detail.segments, [exempted, info])
    clm = index_of(detail, "CLM", "2300")
    assert [p.finding for p in places.in_segment(clm)] == [exempted, info]
    assert not places.segment_fails(clm)
    assert not any(places.failing_elements(clm, 11))
    assert not fails(exempted)
    assert not fails(info)
    assert fails(finding(severity=Severity.WARNING))


def test_every_failing_demo_finding_is_placed_or_listed(workspace: Workspace) -> None:
    for row in workspace.claim_rows("all", limit=500):
        detail = workspace.claim_detail(row.id)
        places = place_findings(detail.segments, detail.build.findings)
        placed = {
            id(item.finding)
            for items in places.by_segment.values()
            for item in items
            if fails(item.finding)
        }
        listed = {id(finding) for finding in places.failing_unplaced}
        failing = {id(f) for f in detail.build.findings if fails(f)}
        assert placed | listed == failing
        assert not placed & listed


def test_demo_findings_land_where_a_biller_looks(workspace: Workspace) -> None:
    """MI-04 asks for the billing provider's ZIP+4: the 2010AA N403 element."""
    detail = detail_with(workspace, "MI-04")
    zip_code = next(f for f in detail.build.findings if f.rule_id == "MI-04")
    places = place_findings(detail.segments, [zip_code])
    n4 = index_of(detail, "N4", "2010AA")
    assert places.in_segment(n4)[0].places == (
        Place(3, 0, "billing_provider.address.postal_code"),
    )
