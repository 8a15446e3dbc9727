"""How the import stores a chunk: one serialisation per encounter, the collector
paused only while the chunk is built and back on afterwards, whatever happens."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from claimtui.model import Contact, Encounter, Receiver, Submitter
from claimtui.review import Config, Workspace
from claimtui.review import workspace as workspace_module
from claimtui.review.parallel import BuiltClaim
from claimtui.review.workspace import claim_fingerprint, stored_json
from claimtui.x12.reader import ReadClaim, iter_837p_file
from tests.conftest import CORPUS, GEN837, VALID_837P
from tests.test_x12_roundtrip_property import encounters
from tests.x12_helpers import sample_encounter

odd_text = st.text(
    alphabet=st.sampled_from('AZ 09,:{}"\\é\n\u2028submitter'), max_size=12
)
"""Text that would confuse a careless cut: quotes, colons, braces, escapes."""

parties = st.tuples(
    st.none()
    | st.builds(
        Submitter,
        name=odd_text,
        identifier=odd_text,
        contact=st.builds(Contact, name=odd_text),
    ),
    st.none() | st.builds(Receiver, name=odd_text, identifier=odd_text),
)


def with_parties(
    encounter: Encounter, submitter: Submitter | None, receiver: Receiver | None
) -> Encounter:
    return encounter.model_copy(update={"submitter": submitter, "receiver": receiver})


@settings(max_examples=80, deadline=None)
@given(encounters, parties, odd_text)
@example(
    sample_encounter(1),
    (Submitter(name="A"), None),
    ',"submitter":{"entity_type":"2"},"receiver":null,',
)
def test_one_serialisation_gives_the_stored_json_and_the_fingerprint(
    encounter: Encounter,
    envelope: tuple[Submitter | None, Receiver | None],
    transaction_type: str,
) -> None:
    encounter = with_parties(encounter, *envelope)
    encounter.transaction_type = transaction_type
    assert stored_json(encounter) == (
        encounter.model_dump_json(),
        claim_fingerprint(encounter),
    )


def test_corpus_claims_keep_their_stored_json_and_fingerprint() -> None:
    for name in VALID_837P:
        for item in iter_837p_file(CORPUS / "837p" / name):
            if isinstance(item, ReadClaim):
                encounter = item.encounter
                assert encounter.submitter is not None
                assert stored_json(encounter) == (
                    encounter.model_dump_json(),
                    claim_fingerprint(encounter),
                )


@pytest.fixture
def collector_on() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_runs_again_after_an_import(
    workspace: Workspace, corpus: Path
) -> None:
    report = workspace.import_path(corpus / "837p" / VALID_837P[0])
    assert report.imported > 0
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_runs_again_after_a_build_fails(
    workspace: Workspace, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_build(*_: object) -> None:
        assert not gc.isenabled()
        raise RuntimeError("build failed")

    monkeypatch.setattr(workspace_module, "build_new", failing_build)
    with pytest.raises(RuntimeError, match="build failed"):
        workspace.import_path(corpus / "837p" / VALID_837P[0])
    assert gc.isenabled()
    assert workspace.count("all") == 0


def test_an_import_leaves_a_paused_collector_paused(
    workspace: Workspace, corpus: Path
) -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        workspace.import_path(corpus / "837p" / VALID_837P[0])
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()


class _Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.itself = self


@pytest.mark.usefixtures("collector_on")
def test_cycles_made_while_importing_are_freed_chunk_by_chunk(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "generated.837"
    subprocess.run(
        [sys.executable, str(GEN837), "12", "--seed", "2", "-o", str(path)],
        check=True,
    )
    monkeypatch.setattr(workspace_module._ClaimStore, "CHUNK", 5)
    monkeypatch.setattr(workspace_module, "COLLECT_EVERY", 1)
    monkeypatch.setattr(workspace, "config", Config(import_workers=0))
    made: list[weakref.ref[_Cycle]] = []
    alive_at_later_chunks: list[int] = []
    build = workspace_module.build_new

    def build_making_a_cycle(*args: Any) -> BuiltClaim:
        if len(made) % 5 == 0:
            alive_at_later_chunks.append(sum(ref() is not None for ref in made))
        made.append(weakref.ref(_Cycle()))
        return build(*args)

    monkeypatch.setattr(workspace_module, "build_new", build_making_a_cycle)
    report = workspace.import_path(path)
    assert report.imported == 12
    assert alive_at_later_chunks == [0, 0, 0]


def test_an_import_gives_its_connection_the_default_page_cache_back(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import's larger page cache is its own; the pooled connection the
    console reuses next has the default one again."""
    sizes: list[int] = []
    store_items = Workspace._store_items

    def watched(self: Workspace, *args: Any, **kwargs: Any) -> int:
        connection = args[1].session.connection()
        sizes.append(connection.exec_driver_sql("PRAGMA cache_size").scalar())
        return store_items(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "_store_items", watched)
    report = workspace.import_path(CORPUS / "837p" / VALID_837P[0])
    assert not report.refused
    assert sizes == [-32768]
    with workspace.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -2000
