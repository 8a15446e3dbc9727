"""Where each finding of a claim lands in its final segments.

The console marks the elements a finding is about, the way it marks the
elements a rule changed: by the model path each element came from (see
``OutSegment.sources``). A finding is placed, in this order:

1. on every element (or composite component) whose source lies on or under the
   finding's path, or above it (``claim.diagnoses`` marks each HI element);
2. else on the segment its X12 location names (``2300 CLM11-4``, ``2300
   REF*F8``, ``NM109``), when exactly one segment fits: the loop, the segment
   id, the qualifier in element 01, and where several fit, the one whose
   sources share the longest part of the finding's path (``service_lines[1]``
   picks the second line's SV1); a segment of another line, other payer or
   other list item than the one the path names never fits;
3. else nowhere: a required value left blank writes no element, and a
   location such as ``2400 DTP*472`` on a claim of three lines is not enough
   to choose. Those, and findings about the claim as a whole, are listed as
   not in the segments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from claimtui.model import Finding, Severity
from claimtui.x12.writer import OutSegment

_LOCATION = re.compile(
    r"(?:(?P<loop>\d{4}[A-Z]{0,2})\s+)?"
    r"(?P<segment>[A-Z][A-Z0-9]{1,2})"
    r"(?:(?P<element>\d{2})(?:-(?P<component>\d{1,2})(?P<through>\.\.\d{1,2})?)?"
    r"|\*(?P<qualifier>[A-Z0-9]+))?"
)


def fails(finding: Finding) -> bool:
    """True for a finding that holds (error) or asks for review (warning) and
    is not exempted; info findings only annotate."""
    failing = (Severity.ERROR, Severity.WARNING)
    return finding.severity in failing and not finding.exempted


def path_related(source: str, path: str) -> bool:
    """True when the model paths ``source`` and ``path`` are the same, or one
    lies inside the other (``a.b`` and ``a.b.c`` or ``a.b[0]``)."""
    if not source or not path:
        return False
    if source == path:
        return True
    longer, shorter = (source, path) if len(source) > len(path) else (path, source)
    return longer.startswith(shorter) and longer[len(shorter)] in ".["


@dataclass(frozen=True)
class Location:
    """An X12 location a finding names, e.g. ``2300 CLM11-4`` or ``REF*F8``."""

    segment: str
    """Segment id, e.g. CLM."""
    loop: str = ""
    """TR3 loop, e.g. 2300; '' when not named."""
    element: int = 0
    """1-based element position; 0 when not named."""
    component: int = 0
    """1-based component of a composite; 0 when not named."""
    qualifier: str = ""
    """The code element 01 must hold (REF*F8, DTP*439); '' when not named."""


def locations(text: str) -> list[Location]:
    """The X12 locations in a finding's ``segment`` text; several are separated
    by ``/``. A range of components (``SV101-3..6``, the modifiers) names the
    whole element. Text naming only a loop, or nothing X12, gives none."""
    found = []
    for part in text.split("/"):
        match = _LOCATION.fullmatch(part.strip())
        if match is None:
            continue
        found.append(
            Location(
                segment=match["segment"],
                loop=match["loop"] or "",
                element=int(match["element"] or 0),
                component=0 if match["through"] else int(match["component"] or 0),
                qualifier=match["qualifier"] or "",
            )
        )
    return found


@dataclass(frozen=True)
class Place:
    """One element (or component) of a segment a finding is about."""

    element: int
    """1-based element position; 0 when only the segment is known."""
    component: int = 0
    """1-based component of a composite; 0 for the whole element."""
    source: str = ""
    """The model path the element or component came from; '' when none."""
    sent: bool = True
    """False when the segment has no such element (or it is empty)."""

    def covers(self, other: Place) -> bool:
        """True when this place covers ``other``: the same element, and the
        same component or the whole element."""
        if self.element != other.element:
            return False
        return self.component in (0, other.component)

    def label(self, segment_id: str) -> str:
        """The X12 name of the place, e.g. CLM05-3; the segment id alone when
        only the segment is known."""
        if not self.element:
            return segment_id
        name = f"{segment_id}{self.element:02d}"
        return f"{name}-{self.component}" if self.component else name


@dataclass(frozen=True)
class PlacedFinding:
    """A finding and the places it marks in one segment."""

    finding: Finding
    places: tuple[Place, ...]


@dataclass
class FindingPlaces:
    """Where the findings of one claim land in its segments."""

    by_segment: dict[int, list[PlacedFinding]] = field(default_factory=dict)
    """Segment index to the findings placed in it, in finding order."""
    unplaced: list[Finding] = field(default_factory=list)
    """Findings no segment shows: a value that wrote no element, a location
    that fits several segments or none, or the claim as a whole."""

    def in_segment(self, index: int) -> list[PlacedFinding]:
        """The findings placed in segment ``index``."""
        return self.by_segment.get(index, [])

    def segment_fails(self, index: int) -> bool:
        """True when a failing finding (see ``fails``) is placed in the segment."""
        return any(fails(placed.finding) for placed in self.in_segment(index))

    def failing_elements(self, index: int, count: int) -> list[bool]:
        """Per element of segment ``index`` (``count`` of them): True where a
        failing finding is placed on it."""
        marks = [False] * count
        for placed in self.in_segment(index):
            if not fails(placed.finding):
                continue
            for place in placed.places:
                if 0 < place.element <= count:
                    marks[place.element - 1] = True
        return marks

    @property
    def failing_unplaced(self) -> list[Finding]:
        """Failing findings no segment shows."""
        return [finding for finding in self.unplaced if fails(finding)]


def place_findings(
    segments: Sequence[OutSegment], findings: Sequence[Finding]
) -> FindingPlaces:
    """Where each of ``findings`` lands in ``segments`` (see the module text)."""
    places = FindingPlaces()
    for finding in findings:
        found = _by_path(segments, finding.path) or _by_location(segments, finding)
        if not found:
            places.unplaced.append(finding)
            continue
        for index, marked in found.items():
            placed = PlacedFinding(finding, tuple(marked))
            places.by_segment.setdefault(index, []).append(placed)
    return places


def element_sources(segment: OutSegment) -> Iterator[Place]:
    """Each element of the segment, or each component of a composite, with the
    model path it came from ('' for constants and derived values)."""
    for position, source in enumerate(segment.sources, start=1):
        components = _nth(segment.component_sources, position)
        sent = bool(segment.elements[position - 1])
        if not components:
            yield Place(position, 0, source, sent)
            continue
        values = _nth(segment.components, position)
        for number, part in enumerate(components, start=1):
            present = number <= len(values) and bool(values[number - 1])
            yield Place(position, number, part, present)


def _nth(column: list[Any], position: int) -> Any:
    """Item ``position`` (1-based) of a per-element column; [] past its end
    (segments built outside ``claim_segments`` carry no components)."""
    return column[position - 1] if position <= len(column) else []


def changed_elements(segment: OutSegment, changed_paths: set[str]) -> list[bool]:
    """Per element of ``segment``: True when it, or a component of it, comes
    from one of ``changed_paths`` (see ``path_related``)."""
    changed = [False] * len(segment.elements)
    for place in element_sources(segment):
        if any(path_related(place.source, path) for path in changed_paths):
            changed[place.element - 1] = True
    return changed


def _by_path(segments: Sequence[OutSegment], path: str) -> dict[int, list[Place]]:
    """Segment index to the places whose source is related to ``path``."""
    found: dict[int, list[Place]] = {}
    if not path:
        return found
    for index, segment in enumerate(segments):
        for place in element_sources(segment):
            if path_related(place.source, path):
                found.setdefault(index, []).append(place)
    return found


def _by_location(
    segments: Sequence[OutSegment], finding: Finding
) -> dict[int, list[Place]]:
    """The one segment the finding's X12 location names, with the element."""
    found: dict[int, list[Place]] = {}
    for location in locations(finding.segment):
        candidates = [
            index for index, segment in enumerate(segments) if fits(segment, location)
        ]
        chosen = _narrowed(segments, candidates, finding.path)
        if chosen is not None:
            place = _place_at(segments[chosen], location, finding.path)
            found.setdefault(chosen, []).append(place)
    return found


def fits(segment: OutSegment, location: Location) -> bool:
    """True when ``segment`` is one ``location`` can name: the segment id, and
    the loop and the qualifier in element 01 when the location gives them."""
    if segment.id != location.segment:
        return False
    if location.loop and segment.loop != location.loop:
        return False
    if location.qualifier:
        return bool(segment.elements) and segment.elements[0] == location.qualifier
    return True


def _narrowed(
    segments: Sequence[OutSegment], candidates: list[int], path: str
) -> int | None:
    """The one candidate segment, choosing among several by the longest leading
    part of ``path`` that only some of them come from; None when unsure.

    A segment of another item of a list the path names an item of is never
    chosen: a paid amount missing on the second other payer is not marked on
    the first one's AMT*D, even when that is the only AMT*D.
    """
    if path:
        candidates = [i for i in candidates if not _other_item(segments[i], path)]
    if len(candidates) <= 1 or not path:
        return candidates[0] if len(candidates) == 1 else None
    for prefix in _prefixes(path):
        sharing = [
            index
            for index in candidates
            if any(path_related(s, prefix) for s in _all_sources(segments[index]))
        ]
        if sharing:
            return sharing[0] if len(sharing) == 1 else None
    return None


def _other_item(segment: OutSegment, path: str) -> bool:
    """True when ``segment`` comes from another item of a list that ``path``
    names one item of (``other_coverages[0]`` for ``other_coverages[1].x``)."""
    sources = _all_sources(segment)
    for prefix in _prefixes(path):
        if any(path_related(source, prefix) for source in sources):
            return path[len(prefix) :].startswith("[")
    return False


def _prefixes(path: str) -> list[str]:
    """``a.b[1].c`` gives ``a.b[1].c``, ``a.b[1]``, ``a.b``, ``a``."""
    cuts = [match.start() for match in re.finditer(r"[.\[]", path)]
    return [path, *(path[:cut] for cut in reversed(cuts))]


def _all_sources(segment: OutSegment) -> list[str]:
    return [place.source for place in element_sources(segment) if place.source]


def _place_at(segment: OutSegment, location: Location, path: str) -> Place:
    """The place ``location`` names in ``segment`` (the segment alone when it
    names no element); its source is the element's, else the finding's path."""
    if not location.element:
        return Place(0, 0, path, True)
    position = location.element
    if position > len(segment.elements):
        return Place(position, location.component, path, False)
    sources = _nth(segment.component_sources, position)
    values = _nth(segment.components, position)
    # A composite's own source is only its first component's: without a
    # component named, the finding's path says more.
    source = "" if sources else segment.sources[position - 1]
    sent = bool(segment.elements[position - 1])
    if location.component and sources:
        number = location.component
        source = sources[number - 1] if number <= len(sources) else ""
        sent = number <= len(values) and bool(values[number - 1])
    return Place(position, location.component, source or path, sent)
