"""Export: ready claims only, one interchange, validated by pyx12 before it is kept."""

from __future__ import annotations

import hashlib
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from claimtui.engine import load_rule_set
from claimtui.review import Config, ReviewError, Workspace
from claimtui.review.config import InterchangeConfig
from claimtui.store import ExportBatch
from claimtui.x12.reader import read_837p
from claimtui.x12.validate import validate_interchange
from tests.conftest import GEN837, TODAY, VALID_837P, release_all


def test_valid_corpus_claims_export_as_one_pyx12_clean_batch(
    workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    for name in VALID_837P:
        report = workspace.import_path(corpus / "837p" / name)
        assert not report.refused, report.problems
    release_all(workspace)
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


def test_a_partner_profile_can_take_one_billing_provider_per_transaction_set(
    database_url: str, corpus: Path, tmp_path: Path
) -> None:
    split = InterchangeConfig(one_billing_provider_per_transaction=True)
    workspace = Workspace.open(
        database_url, user="tester", config=Config(interchange=split), today=TODAY
    )
    for name in VALID_837P:
        workspace.import_path(corpus / "837p" / name)
    release_all(workspace)
    out = tmp_path / "batch.837"
    report = workspace.export(out)
    workspace.engine.dispose()

    text = out.read_text(encoding="ascii")
    sets = text.split("~ST*837*")[1:]
    providers = [piece.count("~NM1*85*") for piece in sets]
    assert providers == [1] * len(sets)
    assert len(sets) == len(
        {piece.split("~NM1*85*")[1].split("~")[0] for piece in sets}
    )
    assert len(sets) > 1
    assert [piece.count("*20*1~") for piece in sets] == [1] * len(sets)
    validation = validate_interchange(out.read_bytes())
    assert validation.ok, validation.findings
    assert report.claim_count == len(read_837p(out).claims) == len(VALID_837P)
    assert any("one billing provider" in note for note in report.notes)


def test_control_numbers_increase_and_are_never_reused(
    workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    numbers = []
    for index, name in enumerate(VALID_837P[:2]):
        workspace.import_path(corpus / "837p" / name)
        release_all(workspace)
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
    # SV103 takes MJ or UN; MN fits the element's two characters, so only
    # pyx12's code list finds it, and nothing is exported.
    workspace.import_path(corpus / "837p" / VALID_837P[0])
    claim_id = workspace.claim_rows("all")[0].id
    workspace.edit(claim_id, "service_lines[0].unit_basis", "MN", "as keyed")
    release_all(workspace)
    out = tmp_path / "bad.837"
    with pytest.raises(ReviewError, match=r"export refused: .* in claims "):
        workspace.export(out)
    assert not out.exists()
    assert [path.name for path in tmp_path.glob("*bad*")] == []
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


@pytest.fixture
def without_rules(workspace: Workspace) -> Workspace:
    """The workspace with no rules, so that every generated claim is ready: these
    tests are about how export handles many claims, not about the rules."""
    workspace.rule_set = load_rule_set([])
    return workspace


@pytest.fixture
def generated_file(tmp_path: Path) -> Path:
    """1200 generated claims: three chunks of the export's 500."""
    path = tmp_path / "generated.837"
    command = [sys.executable, str(GEN837), "1200", "--seed", "7", "-o", str(path)]
    subprocess.run(command, check=True)
    return path


def test_a_batch_of_several_chunks_is_exported_whole_and_recorded(
    without_rules: Workspace, generated_file: Path, tmp_path: Path
) -> None:
    workspace = without_rules
    workspace.import_path(generated_file)
    ready = workspace.count("ready")
    assert ready == 1200
    out = tmp_path / "batch.837"
    report = workspace.export(out)
    assert report.claim_count == ready
    assert len(read_837p(out).claims) == ready
    assert workspace.count("exported") == ready and workspace.count("ready") == 0
    with Session(workspace.engine) as session:
        batch = session.exec(select(ExportBatch)).one()
    assert batch.claim_count == ready
    assert batch.content_sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert sorted(path.name for path in tmp_path.glob("*batch*")) == ["batch.837"]


def test_a_claim_that_cannot_be_written_is_held_and_left_out_of_the_export(
    without_rules: Workspace, generated_file: Path, tmp_path: Path
) -> None:
    workspace = without_rules
    # Claims after the 1000th get an accented letter in the subscriber's name,
    # which X12 cannot carry: they are held at import, so the batch goes out
    # without them instead of failing as a whole.
    segments = generated_file.read_bytes().decode("ascii").split("~")
    claims_seen = 0
    for index, segment in enumerate(segments):
        claims_seen += segment.lstrip().startswith("CLM*")
        if claims_seen >= 1000 and segment.lstrip().startswith("NM1*IL*1*"):
            segments[index] = segment.replace("NM1*IL*1*", "NM1*IL*1*\u00dc", 1)
    generated_file.write_bytes("~".join(segments).encode("latin-1"))
    workspace.import_path(generated_file)
    held = workspace.claim_rows("rule:X12", limit=2000)
    assert held
    assert min(row.id for row in held) >= 1000
    finding = next(
        f
        for f in workspace.claim_detail(held[0].id).build.findings
        if f.rule_id == "X12"
    )
    assert finding.message.startswith("subscriber.last_name contains a character")
    ready = workspace.count("ready")
    report = workspace.export(tmp_path / "batch.837")
    assert report.claim_count == ready
    assert workspace.count("rule:X12") == len(held)


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
