"""A clearinghouse's version of our claims, compared field by field (CH-06).

Some clearinghouses repair claims on their way to the payer, or let their
users edit them in a portal, so the payer adjudicates the partner's version,
not necessarily the one claimtui exported. When the partner gives its version
back as an 837P file, ``compare_versions`` reads it beside the file claimtui
exported and pairs the claims by patient control number (CLM01), in file
order when a number repeats. Each pair is compared on the claim model, so a
partner that writes ``100.00`` for our ``100`` or orders segments its own way
shows no difference; the envelope, the submitter and the receiver (1000A/B)
are the partner's own and are left out.

Every difference names the model path, the X12 location it is sent in, and
both values. Nothing is stored: the comparison is made again from the two
files whenever it is asked for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from claimtui.model import Encounter
from claimtui.review.views import ReviewError
from claimtui.x12.reader import read_837p
from claimtui.x12.tokenizer import X12InputError
from claimtui.x12.writer import X12WriteError, claim_segments

_LEFT_OUT = frozenset({"submitter", "receiver"})
"""Encounter fields that belong to the envelope of each file, not the claim."""

Status = Literal["same", "changed", "not at partner", "only at partner"]


@dataclass(frozen=True)
class FieldDifference:
    """One value the partner's version holds differently from ours."""

    path: str
    """Model path, e.g. ``service_lines[0].modifiers``."""
    segment: str
    """Where it is sent, e.g. ``2400 SV101-3``; empty when not found."""
    ours: Any
    """Our value (dates and amounts as text, an absent part as None)."""
    partner: Any
    """The partner's value, in the same form."""


@dataclass(frozen=True)
class ClaimComparison:
    """One claim of either file and how the two versions differ."""

    patient_control_number: str
    """CLM01, which pairs the claims."""
    status: Status
    """same, changed, not at partner (ours only) or only at partner."""
    differences: list[FieldDifference] = field(default_factory=list)
    """The values that differ, in model order; empty unless changed."""


def _read(path: Path, whose: str) -> list[Encounter]:
    try:
        result = read_837p(path)
    except X12InputError as error:
        raise ReviewError(f"{whose} file: {error}") from None
    if not result.claims and result.issues:
        raise ReviewError(f"{whose} file {path}: {result.issues[0].message}")
    return [claim.encounter for claim in result.claims]


def _plain(value: Any) -> Any:
    """A value as JSON shows it: amounts without needless zeros, ISO dates."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _differences(ours: Any, partner: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Paths whose values differ, descending into maps and lists of maps."""
    if ours == partner:
        return []
    if isinstance(ours, dict) and isinstance(partner, dict):
        found = []
        for key in [*ours, *(k for k in partner if k not in ours)]:
            step = f"{path}.{key}" if path else key
            found.extend(_differences(ours.get(key), partner.get(key), step))
        return found
    both_lists = isinstance(ours, list) and isinstance(partner, list)
    if both_lists and any(isinstance(item, dict) for item in [*ours, *partner]):
        found = []
        for index in range(max(len(ours), len(partner))):
            mine = ours[index] if index < len(ours) else None
            theirs = partner[index] if index < len(partner) else None
            found.extend(_differences(mine, theirs, f"{path}[{index}]"))
        return found
    return [(path, ours, partner)]


def _locations(encounter: Encounter) -> dict[str, str]:
    """Each model path the claim's segments send, with its X12 location."""
    try:
        segments = claim_segments(encounter)
    except X12WriteError:
        return {}
    where: dict[str, str] = {}
    for segment in segments:
        for number, source in enumerate(segment.sources, start=1):
            label = f"{segment.loop} {segment.id}{number:02d}"
            components = (
                segment.component_sources[number - 1]
                if number <= len(segment.component_sources)
                else []
            )
            for part, component in enumerate(components, start=1):
                if component:
                    where.setdefault(component, f"{label}-{part}")
            if source:
                where.setdefault(source, label)
    return where


def _segment_of(path: str, *maps: dict[str, str]) -> str:
    for where in maps:
        if path in where:
            return where[path]
    for where in maps:
        for source, label in where.items():
            if source.startswith((path + ".", path + "[")):
                return label
    return ""


def _compare(ours: Encounter, partner: Encounter) -> ClaimComparison:
    number = ours.claim.patient_control_number
    mine = _plain(ours.model_dump(exclude=set(_LEFT_OUT)))
    theirs = _plain(partner.model_dump(exclude=set(_LEFT_OUT)))
    found = _differences(mine, theirs, "")
    if not found:
        return ClaimComparison(number, "same")
    maps = (_locations(ours), _locations(partner))
    differences = [
        FieldDifference(path, _segment_of(path, *maps), value, other)
        for path, value, other in found
    ]
    return ClaimComparison(number, "changed", differences)


def compare_versions(ours: Path, partner: Path) -> list[ClaimComparison]:
    """Compare the claims of our exported file with the partner's version.

    Returns one comparison per claim of either file: our claims in file
    order, then the partner's claims that have no match in ours.

    Raises:
        ReviewError: a file cannot be read as 837P (the message names it).
    """
    our_claims = _read(ours, "our")
    waiting: dict[str, list[Encounter]] = defaultdict(list)
    for encounter in _read(partner, "the partner's"):
        waiting[encounter.claim.patient_control_number].append(encounter)
    comparisons = []
    for encounter in our_claims:
        number = encounter.claim.patient_control_number
        if waiting[number]:
            comparisons.append(_compare(encounter, waiting[number].pop(0)))
        else:
            comparisons.append(ClaimComparison(number, "not at partner"))
    for number, left in waiting.items():
        comparisons.extend(ClaimComparison(number, "only at partner") for _ in left)
    return comparisons


def comparison_json(comparison: ClaimComparison) -> dict[str, Any]:
    """A comparison as the stable JSON of ``claimtui compare --json``."""
    return {
        "patient_control_number": comparison.patient_control_number,
        "status": comparison.status,
        "differences": [
            {
                "path": difference.path,
                "segment": difference.segment,
                "ours": difference.ours,
                "partner": difference.partner,
            }
            for difference in comparison.differences
        ],
    }


def shown(value: Any, width: int = 40) -> str:
    """A value for one line of text: JSON, cut to ``width`` characters."""
    text = json.dumps(value)
    return text if len(text) <= width else text[: width - 3] + "..."
