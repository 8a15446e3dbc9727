"""Importing files: one transaction per file, duplicates add nothing, bad files
import nothing and lose nothing already stored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from claimtui.cli import main
from claimtui.review import Workspace
from tests.conftest import VALID_837P


def test_a_valid_file_imports_its_claims(workspace: Workspace, corpus: Path) -> None:
    report = workspace.import_path(corpus / "837p" / VALID_837P[0])
    assert (report.imported, report.refused, report.duplicate) == (1, False, False)
    assert workspace.count("all") == 1


def test_the_same_file_twice_adds_nothing_and_says_so(
    workspace: Workspace, corpus: Path
) -> None:
    path = corpus / "837p" / VALID_837P[1]
    workspace.import_path(path)
    again = workspace.import_path(path)
    assert again.duplicate
    assert again.imported == 0
    assert "already imported" in again.problems[0]
    assert workspace.count("all") == 1


def test_raw_encounter_is_kept_as_received(workspace: Workspace, corpus: Path) -> None:
    workspace.import_path(corpus / "837p" / VALID_837P[0])
    detail = workspace.claim_detail(workspace.claim_rows("all")[0].id)
    assert detail.raw_format == "837p"
    assert "CLM*" in detail.raw
    assert detail.received.claim.patient_control_number in detail.raw


def test_a_broken_file_imports_nothing_and_keeps_what_is_stored(
    workspace: Workspace, corpus: Path
) -> None:
    workspace.import_path(corpus / "837p" / VALID_837P[0])
    report = workspace.import_path(
        corpus / "837p" / "imsweb-x12-parser__837_5010__x12_no_isa_line.txt"
    )
    assert report.refused
    assert report.imported == 0
    assert "x12_no_isa_line.txt" in " ".join(report.problems)
    assert workspace.count("all") == 1


def test_a_file_that_cannot_be_opened_is_reported(
    workspace: Workspace, tmp_path: Path
) -> None:
    report = workspace.import_path(tmp_path / "missing.837")
    assert report.refused
    assert "cannot read the file" in report.problems[0]


@pytest.mark.parametrize(
    "path",
    sorted((Path(__file__).resolve().parents[2] / "shared/corpus/837p").glob("*")),
    ids=lambda path: path.name[:60],
)
def test_every_corpus_837p_imports_or_is_refused_with_a_position(
    path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--database", database_url, "import", "--lenient", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert path.name in out
    if status != 0:
        assert "refused" in out
        assert "segment" in out or "not X12" in out or "ISA" in out
    else:
        assert re.search(r" \d+ claims?, \d+ held", out)


def test_the_same_claims_with_other_line_endings_are_not_stored_twice(
    workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    original = corpus / "837p" / VALID_837P[0]
    workspace.import_path(original)
    variant = tmp_path / "resent.837"
    variant.write_bytes(b"\xef\xbb\xbf" + original.read_bytes().replace(b"~", b"~\r\n"))
    report = workspace.import_path(variant)
    assert (report.imported, report.repeated) == (0, 1)
    assert "the same claim as claim 1" in report.problems[-1]
    assert workspace.count("all") == 1


def test_lenient_import_of_a_file_with_no_trustworthy_claim_is_refused(
    workspace: Workspace, corpus: Path
) -> None:
    report = workspace.import_path(
        corpus
        / "837i"
        / "linuxforhealth-x12__837_005010X223A3__institutional-claim.837i",
        lenient=True,
    )
    assert report.refused
    assert "--lenient" not in report.problems[-1]
    assert workspace.count("all") == 0
