"""The pyx12 bridge: findings without values, crashes as failures, relabelling."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from claimtui.x12.reader import ReadClaim, iter_837p, read_837p
from claimtui.x12.validate import validate_file, validate_interchange
from claimtui.x12.writer import write_interchange
from tests.x12_helpers import CORPUS, HEADER, sample_encounter, without_parties

P837 = CORPUS / "837p"
GEN837 = Path(__file__).parents[1] / ".." / "shared" / "tools" / "gen837.py"


def test_clean_file_as_shipped_is_ok() -> None:
    report = validate_interchange(
        (P837 / "uhin-x12-parser-library__test-files__837.edi").read_bytes()
    )
    assert report.ok and report.findings == [] and report.notes == []


def test_x222a2_label_is_validated_with_the_a1_map_and_noted() -> None:
    path = P837 / "linuxforhealth-x12__837_005010X222A2__demo.autoaccident.837"
    report = validate_interchange(path.read_bytes())
    assert report.ok
    assert any("005010X222A2" in note for note in report.notes)


def test_bom_file_is_decoded_not_a_crash() -> None:
    data = (P837 / "oopfactory-x12parser__837P-5010__MedicaidExample.txt").read_bytes()
    report = validate_interchange(data)
    assert not report.ok
    assert all(finding.code != "crash" for finding in report.findings)


def test_findings_are_located_and_hold_no_values() -> None:
    data = (P837 / "imsweb-x12-parser__837_5010__x12_valid.txt").read_bytes()
    report = validate_interchange(data)
    assert not report.ok
    hi = [finding for finding in report.findings if finding.segment_id == "HI"]
    assert hi and hi[0].segment_number == 23 and hi[0].element.startswith("HI0")
    for finding in report.findings:
        assert "8901" not in finding.message
        assert "CALVERTON" not in finding.message


def test_wrong_component_separator_fails_validation() -> None:
    path = P837 / "linuxforhealth-x12__837_005010X222A2__demo.cob.2ndary.example4.837"
    report = validate_interchange(path.read_bytes())
    assert not report.ok
    assert any(finding.element.startswith("CLM05") for finding in report.findings)


def test_not_x12_is_a_failing_finding() -> None:
    report = validate_interchange(b"hello, this is not a claim file")
    assert not report.ok
    assert report.findings


def test_pyx12_crash_is_a_failing_finding() -> None:
    path = (
        CORPUS
        / "other"
        / "linuxforhealth-x12__270_005010X279A1__subscriber-health-benefit-check.270"
    )
    report = validate_interchange(path.read_bytes())
    assert not report.ok
    assert report.findings[0].code == "crash"


def test_generated_claims_round_trip_through_pyx12(tmp_path: Path) -> None:
    target = tmp_path / "generated.837"
    subprocess.run(
        [sys.executable, str(GEN837), "400", "--seed", "11", "-o", str(target)],
        check=True,
    )
    result = read_837p(target)
    assert len(result.claims) == 400 and not result.issues
    assert all(not claim.issues for claim in result.claims)
    encounters = [claim.encounter for claim in result.claims]
    assert any(encounter.is_workers_comp for encounter in encounters)
    assert any(encounter.is_auto_accident for encounter in encounters)
    text = write_interchange(encounters, HEADER)
    report = validate_interchange(text)
    assert report.findings == [] and report.ok
    items = iter_837p(text.encode("ascii"), "written.837")
    back = [item.encounter for item in items if isinstance(item, ReadClaim)]

    def key(encounter):  # type: ignore[no-untyped-def]
        return encounter.claim.patient_control_number

    assert sorted(map(without_parties, back), key=key) == sorted(
        map(without_parties, encounters), key=key
    )


def test_no_element_value_reaches_a_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    data = (P837 / "imsweb-x12-parser__837_5010__x12_valid.txt").read_bytes()
    report = validate_interchange(data)
    assert not report.ok
    assert "8901" not in caplog.text and "CALVERTON" not in caplog.text


def test_bom_is_stripped_before_pyx12_reads() -> None:
    data = (P837 / "uhin-x12-parser-library__test-files__837.edi").read_bytes()
    report = validate_interchange(b"\xef\xbb\xbf" + data)
    assert report.ok and report.findings == []


@pytest.mark.parametrize(
    "name",
    [
        "uhin-x12-parser-library__test-files__837.edi",
        "imsweb-x12-parser__837_5010__x12_valid.txt",
        "linuxforhealth-x12__837_005010X222A2__demo.autoaccident.837",
        "oopfactory-x12parser__837P-5010__MedicaidExample.txt",
        "oopfactory-x12parser__837P-5010__UnicodeExample.txt",
    ],
)
def test_a_file_is_judged_as_its_bytes_are(name: str) -> None:
    path = P837 / name
    assert validate_file(path) == validate_interchange(path.read_bytes())


def test_a_written_file_is_validated_as_a_stream_without_its_name(
    tmp_path: Path,
) -> None:
    text = write_interchange([sample_encounter(1)], HEADER)
    broken = tmp_path / "patient-name.837"
    broken.write_text(text.replace("CLM*PCN1*100", "CLM*"))
    report = validate_file(broken)
    assert not report.ok
    assert all("patient-name" not in finding.message for finding in report.findings)
    assert all("_io" not in finding.message for finding in report.findings)


def test_a_missing_file_is_a_failing_finding(tmp_path: Path) -> None:
    report = validate_file(tmp_path / "gone.837")
    assert not report.ok
    assert report.findings[0].code == "unreadable"
