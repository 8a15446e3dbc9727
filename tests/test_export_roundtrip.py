"""Round trip through the product: import, release, export, import again.

Each corpus 837P whose content pyx12 accepts must come back from its own export
as the claims the first workspace built, compared as models. Submitter and
receiver are left out: they come from the export's header, not the claim.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claimtui.model import Encounter
from claimtui.review import Config, Workspace
from claimtui.x12.validate import validate_file
from tests.conftest import TODAY, VALID_837P, release_all
from tests.x12_helpers import without_parties


def _claims(workspace: Workspace, which: str) -> list[Encounter]:
    """Every claim of the workspace, as received or as built, in a fixed order."""
    encounters = []
    for row in workspace.claim_rows("all", limit=1000):
        detail = workspace.claim_detail(row.id)
        encounter = detail.received if which == "received" else detail.encounter
        encounters.append(without_parties(encounter))
    return sorted(encounters, key=lambda encounter: encounter.model_dump_json())


@pytest.mark.parametrize("name", VALID_837P)
def test_exported_claims_import_again_as_the_claims_that_were_built(
    name: str, workspace: Workspace, corpus: Path, tmp_path: Path
) -> None:
    imported = workspace.import_path(corpus / "837p" / name)
    assert not imported.refused, imported.problems
    release_all(workspace)
    built = _claims(workspace, "built")
    out = tmp_path / "batch.837"
    assert workspace.export(out).claim_count == len(built)
    validation = validate_file(out)
    assert validation.findings == [] and validation.ok

    url = f"sqlite:///{tmp_path / 'second.sqlite'}"
    second = Workspace.open(url, user="tester", config=Config(), today=TODAY)
    try:
        again = second.import_path(out)
        assert not again.refused, again.problems
        assert _claims(second, "received") == built
    finally:
        second.engine.dispose()
