"""Every finding a shipped rule makes lands on the segment its X12 location
names, also on claims with several such segments (lines, addresses,
providers): the rule says which field, so the console marks the failing
element instead of listing the finding as "not in segments"."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import pytest

from claimtui.engine import RuleSet, load_rule_set, shipped_rules_dir
from claimtui.engine.build import build_claim
from claimtui.engine.samples import EXAMPLE_BASE, EXAMPLE_TODAY, merge_fragment
from claimtui.engine.tables import Tables
from claimtui.model import BuildResult, Encounter, Finding
from claimtui.review import Workspace
from claimtui.review.placement import fits, locations, place_findings
from claimtui.x12.writer import OutSegment, X12WriteError, claim_segments
from tests.conftest import CORPUS, VALID_837P
from tests.tui_support import demo_workspace

SHIPPED = load_rule_set([shipped_rules_dir()])

ADDRESS = {"line1": "9 ELM ST", "city": "SPRINGFIELD", "state": "IL"}

CROWD: dict[str, Any] = {
    "rendering_provider": {
        "entity_type": "1",
        "last_name": "RIVERA",
        "first_name": "ANA",
        "npi": "1987654328",
        "taxonomy": "207Q00000X",
    },
    "referring_provider": {
        "entity_type": "1",
        "last_name": "CHEN",
        "first_name": "LI",
        "npi": "1555555550",
    },
    "service_facility": {
        "entity_type": "2",
        "last_name": "RIVERSIDE CLINIC",
        "npi": "1666666668",
        "address": {**ADDRESS, "postal_code": "627021234"},
    },
    "pay_to_address": {**ADDRESS, "line1": "PO BOX 7", "postal_code": "627051234"},
}
"""Parties a crowded claim gets when its example names none of its own."""


def twice(items: list[Any]) -> list[Any]:
    return items + copy.deepcopy(items)


def crowded(data: dict[str, Any]) -> dict[str, Any]:
    """The example claim with each service line, other payer and claim
    attachment twice, and every party of ``CROWD`` it lacks: several SV1,
    DTP*472, 2320, PWK, NM1, PRV and N3/N4 segments."""
    crowd = copy.deepcopy(data)
    crowd["service_lines"] = twice(data["service_lines"])
    crowd["other_coverages"] = twice(data.get("other_coverages", []))
    claim = crowd["claim"]
    claim["attachments"] = twice(claim.get("attachments", []))
    for name, party in CROWD.items():
        if crowd.get(name) is None:
            crowd[name] = copy.deepcopy(party)
    return crowd


def example_builds(rule_set: RuleSet) -> Iterator[tuple[str, BuildResult]]:
    """Each firing example of each rule, built with that rule alone, as
    written and crowded."""
    for rule in rule_set.rules:
        single = replace(rule, enabled=True)
        for index, example in enumerate(rule.spec.examples):
            if not example.fires:
                continue
            written = merge_fragment(EXAMPLE_BASE, example.input)
            one_rule = RuleSet(
                [single],
                [],
                rule_set.version,
                rule_set.identifiers,
                tables=Tables.of(example.tables),
            )
            today = example.today or dt.date.fromisoformat(EXAMPLE_TODAY)
            for form, data in (("written", written), ("crowded", crowded(written))):
                encounter = Encounter.model_validate(data)
                build = build_claim(
                    encounter, one_rule, today=today, facts=example.facts or None
                )
                yield f"{rule.id} example {index + 1} {form}", build


def misplaced(segments: Sequence[OutSegment], findings: Sequence[Finding]) -> list[str]:
    """Findings whose X12 location fits a segment of the claim but that are
    not placed there: placed nowhere, or in a segment the location does not
    name. A location no segment fits (a value still to be added) is fine."""
    places = place_findings(segments, findings)
    placed_in: dict[int, set[int]] = {}
    for index in places.by_segment:
        for placed in places.in_segment(index):
            placed_in.setdefault(id(placed.finding), set()).add(index)
    problems = []
    for finding in findings:
        named = locations(finding.segment)
        fitting = {
            index
            for index, segment in enumerate(segments)
            if any(fits(segment, location) for location in named)
        }
        if not fitting:
            continue
        placed = placed_in.get(id(finding), set())
        outside = sorted(
            f"{segments[i].loop} {segments[i].id}" for i in placed - fitting
        )
        if not placed or outside:
            where = f"also in {', '.join(outside)}" if placed else "not in segments"
            problems.append(
                f"{finding.rule_id} {finding.segment!r} path {finding.path!r}: {where}"
            )
    return problems


def test_every_example_finding_marks_the_segment_it_names() -> None:
    problems = []
    for label, build in example_builds(SHIPPED):
        try:
            segments = claim_segments(build.encounter)
        except X12WriteError:
            continue  # the example's value cannot be sent (FMT-09, MOD-06, ...)
        problems += [f"{label}: {p}" for p in misplaced(segments, build.findings)]
    assert problems == []


@pytest.fixture(scope="module")
def stored_claims(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo claims and the corpus files pyx12 accepts, with every rule."""
    workspace = demo_workspace(tmp_path_factory.mktemp("placed"))
    for name in VALID_837P:
        workspace.import_path(CORPUS / "837p" / name)
    return workspace


def test_every_stored_claim_finding_marks_the_segment_it_names(
    stored_claims: Workspace,
) -> None:
    rule_ids = {rule.id for rule in SHIPPED.rules}
    problems = []
    for row in stored_claims.claim_rows("all", limit=1000):
        detail = stored_claims.claim_detail(row.id)
        findings = [f for f in detail.build.findings if f.rule_id in rule_ids]
        problems += [
            f"claim {row.id}: {p}" for p in misplaced(detail.segments, findings)
        ]
    assert problems == []


def test_a_crowded_claim_has_several_of_each_repeated_segment() -> None:
    segments = claim_segments(Encounter.model_validate(crowded(EXAMPLE_BASE)))
    counts = {
        name: sum(1 for s in segments if s.id == name) for name in ("SV1", "N4", "PRV")
    }
    assert counts == {"SV1": 2, "N4": 4, "PRV": 2}
    with_npi = [s.loop for s in segments if s.id == "NM1" and s.elements[7:8] == ["XX"]]
    assert with_npi == ["2010AA", "2310A", "2310B", "2310C"]
