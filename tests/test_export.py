"""Export: ready claims only, one interchange, validated by pyx12 before it is kept."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from claimtui.review import ReviewError, Workspace
from claimtui.x12.reader import read_837p
from claimtui.x12.validate import validate_interchange
from tests.conftest import TODAY, VALID_837P


def _release_all(workspace: Workspace) -> None:
    """Exempt every holding rule with a reason, as a biller would after review."""
    for queue in ("held", "review"):
        for row in workspace.claim_rows(queue, limit=1000):
            detail = workspace.claim_detail(row.id)
            for rule_id in sorted({f.rule_id for f in detail.build.findings}):
                if not all(
                    f.exempted for f in detail.build.findings if f.rule_id == rule_id
                ):
                    workspace.exempt(row.id, rule_id, "reviewed against the TR3")


def test_valid_corpus_claims_export_as_one_pyx12_clean_batch(
    workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    for name in VALID_837P:
        report = workspace.import_path(corpus / "837p" / name)
        assert not report.refused, report.problems
    _release_all(workspace)
    assert workspace.count("ready") == len(VALID_837P)
    out = tmp_path / "batch.837"
    report = workspace.export(out)
    assert report.claim_count == len(VALID_837P)
    validation = validate_interchange(out.read_bytes())
    assert validation.ok, validation.findings
    assert len(read_837p(out).claims) == len(VALID_837P)
    assert workspace.count("exported") == len(VALID_837P)
    assert workspace.count("ready") == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_control_numbers_increase_and_are_never_reused(
    workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    numbers = []
    for index, name in enumerate(VALID_837P[:2]):
        workspace.import_path(corpus / "837p" / name)
        _release_all(workspace)
        numbers.append(
            workspace.export(tmp_path / f"{index}.837").interchange_control_number
        )
    assert numbers == [1, 2]


def test_export_with_nothing_ready_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(ReviewError, match="no claim is ready"):
        workspace.export(tmp_path / "empty.837")
    assert not (tmp_path / "empty.837").exists()


def test_export_is_refused_when_pyx12_finds_errors(
    workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    # The place of service was written with the wrong component separator; the
    # reader keeps it as received, so pyx12 rejects it and nothing is exported.
    workspace.import_path(
        corpus / "837p" / "linuxforhealth-x12__837_005010X222A2__demo.example11.837"
    )
    _release_all(workspace)
    out = tmp_path / "bad.837"
    with pytest.raises(ReviewError, match=r"export refused: .* in claims "):
        workspace.export(out)
    assert not out.exists()
    assert workspace.count("exported") == 0


def import_ready(workspace: Workspace, path: Path) -> None:
    """Import a corpus file and clear its review warnings, as a biller would.

    The UHIN sample's billing ZIP belongs to another state (FMT-10-ZIP) and
    its 2022 service date is past the filing limit (PAY-10); both only ask
    for review.
    """
    workspace.import_path(path)
    for row in workspace.claim_rows("review"):
        for rule_id in ("FMT-10-ZIP", "PAY-10"):
            workspace.exempt(row.id, rule_id, "sample data, reviewed")


def test_export_refuses_a_folder_a_missing_folder_and_an_existing_file(
    workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    import_ready(workspace, corpus / "837p" / VALID_837P[0])
    existing = tmp_path / "sent.837"
    existing.write_text("earlier batch")
    for out, message in (
        (tmp_path, "is a folder"),
        (tmp_path / "missing" / "x.837", "does not exist"),
        (existing, "already exists"),
    ):
        with pytest.raises(ReviewError, match=message):
            workspace.export(out)
    assert existing.read_text() == "earlier batch"
    assert list(tmp_path.glob("*.partial")) == []
    assert workspace.count("ready") == 1


def test_export_is_test_data_unless_configured_for_production(
    workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    import_ready(workspace, corpus / "837p" / VALID_837P[0])
    report = workspace.export(tmp_path / "out.837")
    assert (tmp_path / "out.837").read_text().split("*")[15] == "T"
    assert any("test data" in note for note in report.notes)


def test_default_export_path_is_a_new_private_file_outside_the_working_folder(
    private_home: Path,
) -> None:
    from claimtui.review.export import default_export_path

    first = default_export_path(TODAY)
    assert first.is_absolute()
    assert first.is_relative_to(private_home)
    assert stat.S_IMODE(first.parent.stat().st_mode) == 0o700
    first.write_text("sent")
    assert default_export_path(TODAY) != first
