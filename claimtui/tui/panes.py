"""The three views of one claim: the encounter as received, the rules applied, and
the final segments.

Each pane draws a ``ClaimDetail`` from the review layer and nothing else. The same
panes serve the claim screen and the detail area beside the queue.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from claimtui.model import Change, Finding, RuleTrace
from claimtui.review import ClaimDetail
from claimtui.review.explain import condition_values
from claimtui.review.placement import (
    FindingPlaces,
    PlacedFinding,
    changed_elements,
    element_sources,
    fails,
    place_findings,
)
from claimtui.review.staging import StagedAction
from claimtui.tui.prompts import plural

SEVERITY_LETTER = {"error": "E", "warning": "W", "info": "I"}
"""Findings carry their severity as a letter, never as colour alone."""

OUTCOME_STYLE = {
    "holds": "bold red",
    "warns": "bold yellow",
    "notes": "bold",
    "changes": "bold",
    "fired": "bold",
    "passed": "dim",
    "skipped": "dim",
    "exempted": "italic",
    "error": "bold red",
}
"""Emphasis only: the outcome is always written out as a word."""

QUIET = frozenset({"passed", "skipped"})
"""Outcomes of rules that did nothing; listed only on request (``h``)."""


def outcome_word(trace: RuleTrace) -> str:
    """What a rule did to the claim, by effect: holds (an error not exempted),
    warns, notes, changes (a value, nothing found), or the trace's outcome."""
    if trace.outcome != "fired":
        return trace.outcome
    severities = {str(f.severity) for f in trace.findings if not f.exempted}
    if "error" in severities:
        return "holds"
    if "warning" in severities:
        return "warns"
    if "info" in severities:
        return "notes"
    if trace.findings:
        return "exempted"
    return "changes" if trace.changes else "fired"


CHANGED_MARK = "Δ"
"""Gutter mark of a segment with at least one changed element."""

FAILING_MARK = "!"
"""Gutter mark of a segment a finding that holds or warns is placed in."""

CHANGED_STYLE = "reverse underline"
"""How a changed element is drawn."""

FAILING_STYLE = "bold underline red"
"""How a failing element is drawn; the colour only repeats the bold and the
gutter's ``!``."""

GUTTER = 3
"""Columns before a segment's text: the ``!`` and ``Δ`` marks and a space."""


def show_value(value: Any) -> str:
    """A value as the rules pane shows it: empty and missing values stay visible."""
    if value is None:
        return "(none)"
    if value == "":
        return '""'
    if isinstance(value, list):
        return "[" + ", ".join(show_value(item) for item in value) + "]"
    return str(value)


def path_changed(source: str, changed_paths: set[str]) -> bool:
    """True when the model path ``source`` lies on or under a changed path."""
    if not source:
        return False
    for changed in changed_paths:
        if source == changed:
            return True
        for longer, shorter in ((source, changed), (changed, source)):
            if longer.startswith(shorter) and longer[len(shorter)] in ".[":
                return True
    return False


class Pane(Vertical):
    """A bordered, numbered pane that ``z`` can maximise."""

    ALLOW_MAXIMIZE = True

    def __init__(self, number: int, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.number = number
        self.border_title = f"{number} {title}"

    @property
    def focus_target(self) -> Widget:
        """The widget that takes the keyboard when the pane is chosen."""
        return self

    def show(self, detail: ClaimDetail | None) -> None:
        """Draw ``detail``; None empties the pane."""
        raise NotImplementedError


class EncounterPane(Pane):
    """1 Encounter: the claim exactly as it was received, one segment a line."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(1, "Encounter", id=id)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="pane-body"):
            yield Static(classes="raw")

    @property
    def focus_target(self) -> Widget:
        return self.query_one(VerticalScroll)

    def show(self, detail: ClaimDetail | None) -> None:
        raw = self.query_one(".raw", Static)
        if detail is None:
            raw.update("")
            self.border_subtitle = ""
            return
        raw.update(Text(detail.raw, no_wrap=True, overflow="ellipsis"))
        # The text shows the claim with its HL parents; the reader's range counts
        # only the claim's own segments, CLM to the last line.
        self.border_subtitle = detail.source.replace(
            "segments ", "CLM to end at file segments "
        )


class PaneList(OptionList):
    """A pane's list of lines, moved with the queue's keys too (j, k, g, G)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="pane.down"),
        Binding("k", "cursor_up", "Up", show=False, id="pane.up"),
        Binding("g", "first", "First line", show=False, id="pane.first"),
        Binding("G", "last", "Last line", show=False, id="pane.last"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="pane-body")


@dataclass(frozen=True)
class RuleLine:
    """What one line of the rules pane stands for."""

    rule_id: str
    """The rule the line belongs to (a finding's rule for loose findings)."""
    change: Change | None = None
    """The change the line shows, if it shows one."""
    head: str = ""
    """On a rule's first line, what the rule did (``outcome_word``); else ''."""


class RulesList(PaneList):
    """The lines of the rules pane; the highlighted line selects a rule.

    Rules that did something come in run order; those that passed or were
    skipped are counted on the last line until ``h`` lists them in place.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right_square_bracket",
            "step_acted(1)",
            "Next rule that acted",
            show=False,
            id="rules.next-acted",
        ),
        Binding(
            "left_square_bracket",
            "step_acted(-1)",
            "Previous rule that acted",
            show=False,
            id="rules.previous-acted",
        ),
        Binding(
            "h", "toggle_quiet", "Show/hide passed rules", show=False, id="rules.quiet"
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[RuleLine] = []
        self.acted: list[int] = []
        """Line numbers of the rules that held, warned, noted, changed, were
        exempted or failed."""
        self.claim_id: int | None = None
        self.show_quiet = False
        """List passed and skipped rules too (``h``)."""
        self.detail: ClaimDetail | None = None

    @property
    def selected(self) -> RuleLine | None:
        """The line under the cursor."""
        if self.highlighted is None or self.highlighted >= len(self.lines):
            return None
        return self.lines[self.highlighted]

    def show(self, detail: ClaimDetail | None) -> None:
        """Draw ``detail``; a new claim starts on the first rule that holds it
        (or, if none does, the first that acted)."""
        same_claim = detail is not None and detail.id == self.claim_id
        previous = self.highlighted if same_claim else None
        self.detail = detail
        self.claim_id = detail.id if detail is not None else None
        self._fill(detail)
        if not self.lines:
            return
        if previous is None:
            previous = self._first_holding()
        self.highlighted = min(previous, len(self.lines) - 1)
        self.call_after_refresh(self.scroll_to_highlight, top=not same_claim)

    def _fill(self, detail: ClaimDetail | None) -> None:
        self.lines = []
        self.acted = []
        options: list[Option] = []
        for prompt, line in rule_lines(detail, self.show_quiet) if detail else []:
            if line.head and line.head not in QUIET:
                self.acted.append(len(self.lines))
            self.lines.append(line)
            options.append(Option(prompt))
        self.set_options(options)

    def _first_holding(self) -> int:
        for index in self.acted:
            if self.lines[index].head == "holds":
                return index
        return self.acted[0] if self.acted else 0

    def select_rule(self, rule_id: str) -> bool:
        """Put the cursor on the first line of ``rule_id``; False if it is absent."""
        for index, line in enumerate(self.lines):
            if line.rule_id == rule_id:
                self.highlighted = index
                return True
        return False

    def action_step_acted(self, direction: int) -> None:
        """Move to the next (1) or previous (-1) rule that acted, wrapping round."""
        if not self.acted:
            return
        current = self.highlighted if self.highlighted is not None else -1
        if direction > 0:
            later = [index for index in self.acted if index > current]
            target = later[0] if later else self.acted[0]
        else:
            earlier = [index for index in self.acted if index < current]
            target = earlier[-1] if earlier else self.acted[-1]
        self.highlighted = target
        self.scroll_to_highlight(top=True)

    def action_toggle_quiet(self) -> None:
        """List passed and skipped rules in run order, or count them at the end."""
        line = self.selected
        self.show_quiet = not self.show_quiet
        self._fill(self.detail)
        if not self.lines:
            return
        if line is None or not self.select_rule(line.rule_id):
            self.highlighted = self._first_holding()
        self.scroll_to_highlight()


def _exemption_text(detail: ClaimDetail, trace: RuleTrace) -> str:
    for decision in reversed(detail.decisions):
        if decision.kind == "exempt" and decision.rule_id == trace.rule_id:
            return f"by {decision.user}: {decision.reason}"
    return trace.detail


def _finding_text(finding: Finding) -> Text:
    letter = SEVERITY_LETTER.get(str(finding.severity), "?")
    text = Text("    ")
    text.append(letter, style=f"bold {'red' if letter == 'E' else 'yellow'}")
    text.append(f" {finding.message}")
    if finding.segment and finding.segment not in finding.message:
        text.append(f" ({finding.segment})", style="dim")
    if finding.exempted:
        text.append(" [exempted]")
    return text


def _change_text(change: Change) -> Text:
    text = Text("    ")
    text.append(f"{change.path}: ", style="bold")
    text.append(f"{show_value(change.before)} → {show_value(change.after)}")
    return text


NOT_EVALUATED = "(not evaluated)"
"""The value of a condition part the engine did not need to evaluate."""


def _condition_lines(detail: ClaimDetail, trace: RuleTrace) -> list[Text]:
    """Each evaluated part of the condition, true or false, and the values of
    the fields it reads on the built claim."""
    lines = []
    for part in trace.condition:
        if part.value == NOT_EVALUATED:
            continue
        text = Text("    if ", style="dim")
        text.append(part.expression)
        text.append(" → ", style="dim")
        text.append(show_value(part.value), style="bold")
        lines.append(text)
        values = condition_values(detail.encounter, part.expression)
        if values:
            shown = " · ".join(f"{path} = {show_value(v)}" for path, v in values)
            lines.append(Text(f"       {shown}", style="italic"))
    return lines


def _quiet_summary(quiet: list[str]) -> Text:
    counts = {word: quiet.count(word) for word in ("passed", "skipped")}
    words = " · ".join(f"{n} {word}" for word, n in counts.items() if n)
    return Text(f"{words} not listed; h lists every rule in run order", style="dim")


def rule_lines(
    detail: ClaimDetail, show_quiet: bool = True
) -> list[tuple[Text, RuleLine]]:
    """The rules pane's lines: each rule in run order with what it did, its
    condition, findings, changes and exemption; findings of no traced rule
    (e.g. the TR3 check) come last.

    Without ``show_quiet`` rules that passed or were skipped are only counted,
    on the last line.
    """
    lines: list[tuple[Text, RuleLine]] = []
    traced: set[str] = set()
    quiet: list[str] = []
    for trace in detail.build.traces:
        traced.add(trace.rule_id)
        word = outcome_word(trace)
        if word in QUIET and not show_quiet:
            quiet.append(word)
            continue
        head = Text()
        head.append(f"{word:<8}", style=OUTCOME_STYLE.get(word, ""))
        head.append(f" {trace.rule_id}", style="bold")
        if trace.title:
            head.append(f"  {trace.title}")
        rule = RuleLine(trace.rule_id)
        lines.append((head, RuleLine(trace.rule_id, head=word)))
        if trace.outcome in ("fired", "error"):
            lines.extend((text, rule) for text in _condition_lines(detail, trace))
        for finding in trace.findings:
            lines.append((_finding_text(finding), rule))
        for change in trace.changes:
            lines.append((_change_text(change), RuleLine(trace.rule_id, change)))
        if trace.outcome == "exempted":
            note = Text("    " + _exemption_text(detail, trace), style="italic")
            lines.append((note, rule))
        elif trace.outcome in ("error", "skipped") and trace.detail:
            lines.append((Text("    " + trace.detail, style="dim"), rule))
    loose = [f for f in detail.build.findings if f.rule_id not in traced]
    for finding in loose:
        word = LOOSE_WORD.get(str(finding.severity), "notes")
        if finding.exempted:
            word = "exempted"
        text = Text(f"{word:<8}", style=OUTCOME_STYLE.get(word, ""))
        text.append(f" {finding.rule_id}", style="bold")
        lines.append((text, RuleLine(finding.rule_id, head=word)))
        lines.append((_finding_text(finding), RuleLine(finding.rule_id)))
    if quiet:
        lines.append((_quiet_summary(quiet), RuleLine("")))
    return lines


LOOSE_WORD = {"error": "holds", "warning": "warns", "info": "notes"}
"""What a finding of no traced rule (a TR3 check) does, by severity."""


class RulesPane(Pane):
    """2 Rules applied: what each rule did, in the order rules ran."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(2, "Rules applied", id=id)

    def compose(self) -> ComposeResult:
        yield RulesList()

    @property
    def rules_list(self) -> RulesList:
        """The selectable list of lines."""
        return self.query_one(RulesList)

    @property
    def focus_target(self) -> Widget:
        return self.rules_list

    def show(self, detail: ClaimDetail | None) -> None:
        self.rules_list.show(detail)
        if detail is None:
            self.border_subtitle = ""
            return
        held = len(detail.build.holding_findings)
        self.border_subtitle = (
            f"{detail.status} · {held} holding · ] [ next/previous that acted"
        )


def segment_text(
    line: str,
    segment_id: str,
    changed: Sequence[bool],
    failing: Sequence[bool] = (),
    *,
    fails: bool = False,
) -> Text:
    """A segment's X12 text with its changed and failing elements marked.

    ``changed[i]`` and ``failing[i]`` say whether element ``i + 1`` changed or
    fails a check: changed elements are reversed and underlined, failing ones
    bold and underlined. The gutter shows ``!`` when the segment fails (any
    element, or ``fails`` for a finding on the segment as a whole) and ``Δ``
    when an element changed. The element separator is the character after the
    segment id, as in the text itself.
    """
    text = Text()
    failed = fails or any(failing)
    text.append(FAILING_MARK if failed else " ", style="bold red")
    text.append(f"{CHANGED_MARK if any(changed) else ' '} ", style="bold")
    if len(line) <= len(segment_id):
        text.append(line)
        return text
    separator = line[len(segment_id)]
    for position, part in enumerate(line.split(separator)):
        if position:
            text.append(separator)
        element = position - 1
        styles = [
            style
            for marks, style in ((changed, CHANGED_STYLE), (failing, FAILING_STYLE))
            if 0 <= element < len(marks) and marks[element]
        ]
        text.append(part, style=" ".join(styles))
    return text


def not_in_segments_text(findings: Sequence[Finding]) -> Text:
    """The line above the segments naming the rules of failing findings no
    segment shows; selecting it shows each finding."""
    text = Text()
    text.append(FAILING_MARK, style="bold red")
    text.append("  not in segments: ", style="bold")
    text.append(", ".join(dict.fromkeys(finding.rule_id for finding in findings)))
    return text


class SegmentsList(PaneList):
    """The final segments, one per line, after a line naming the failing
    findings no segment shows, when there are any."""

    def __init__(self) -> None:
        super().__init__()
        self.heading = 0
        """Lines before the first segment: 1 with a "not in segments" line."""

    @property
    def segment_index(self) -> int | None:
        """The index (in ``ClaimDetail.segments``) of the highlighted segment;
        None on the "not in segments" line or with nothing highlighted."""
        if self.highlighted is None or self.highlighted < self.heading:
            return None
        return self.highlighted - self.heading

    def highlight_segment(self, index: int) -> None:
        """Put the cursor on segment ``index``."""
        self.highlighted = index + self.heading


class SegmentsPane(Pane):
    """3 Segments: the X12 that will be sent; changed and failing elements are
    marked, and failing findings no segment shows are named above them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(3, "Segments", id=id)
        self.detail: ClaimDetail | None = None
        self.places = FindingPlaces()
        self.border_subtitle = (
            f"{FAILING_MARK} failing (bold) · {CHANGED_MARK} changed (reversed)"
        )

    def compose(self) -> ComposeResult:
        yield SegmentsList()
        yield Static(classes="provenance")

    @property
    def segments_list(self) -> SegmentsList:
        """The selectable list of segments."""
        return self.query_one(SegmentsList)

    @property
    def focus_target(self) -> Widget:
        return self.segments_list

    def show(self, detail: ClaimDetail | None) -> None:
        self.detail = detail
        segments_list = self.segments_list
        if detail is None:
            self.places = FindingPlaces()
            segments_list.heading = 0
            segments_list.clear_options()
            self._show_provenance(None)
            return
        self.places = place_findings(detail.segments, detail.build.findings)
        options = []
        unplaced = self.places.failing_unplaced
        if unplaced:
            options.append(Option(not_in_segments_text(unplaced)))
        segments_list.heading = len(options)
        for index, (segment, line) in enumerate(
            zip(detail.segments, detail.segment_lines, strict=False)
        ):
            changed = changed_elements(segment, detail.changed_paths)
            failing = self.places.failing_elements(index, len(segment.elements))
            fails = self.places.segment_fails(index)
            text = segment_text(line, segment.id, changed, failing, fails=fails)
            options.append(Option(text))
        previous = segments_list.highlighted
        segments_list.set_options(options)
        if options:
            segments_list.highlighted = min(previous or 0, len(options) - 1)

    def on_option_list_option_highlighted(
        self, event: OptionList.OptionHighlighted
    ) -> None:
        event.stop()
        self._show_provenance(event.option_index)
        # The provenance takes room from the list: keep the cursor line in view.
        self.segments_list.call_after_refresh(self.segments_list.scroll_to_highlight)

    def _show_provenance(self, option: int | None) -> None:
        provenance = self.query_one(".provenance", Static)
        if self.detail is None or option is None:
            provenance.update("")
            return
        index = option - self.segments_list.heading
        if index < 0:
            provenance.update(_findings_text(self.places.failing_unplaced))
            return
        if index >= len(self.detail.segments):
            provenance.update("")
            return
        segment = self.detail.segments[index]
        text = _placed_text(segment.id, self.places.in_segment(index))
        if any(segment.sources):
            # Envelope and counter segments (HL, LX) come from no claim field.
            if text:
                text.append("\n")
            text.append_text(self._sources_text(index))
        provenance.update(text)

    def _sources_text(self, index: int) -> Text:
        """Each element (each component of a composite) of segment ``index``
        that comes from a field, with its path and marks."""
        assert self.detail is not None
        segment = self.detail.segments[index]
        failing = [
            place
            for placed in self.places.in_segment(index)
            if fails(placed.finding)
            for place in placed.places
        ]
        text = Text(f"{segment.loop} {segment.id}: ", style="bold")
        for place in element_sources(segment):
            if not place.source:
                continue
            marks = ""
            if path_changed(place.source, self.detail.changed_paths):
                marks += f" {CHANGED_MARK}"
            if any(other.covers(place) for other in failing):
                marks += f" {FAILING_MARK}"
            text.append(f"{place.label(segment.id)} {place.source}{marks}  ")
        return text


def _severity_text(finding: Finding) -> Text:
    """A finding's severity letter, rule and message, and [exempted] if it is."""
    letter = SEVERITY_LETTER.get(str(finding.severity), "?")
    text = Text()
    text.append(letter, style=f"bold {'red' if letter == 'E' else 'yellow'}")
    text.append(f" {finding.rule_id}", style="bold")
    text.append(f" {finding.message}")
    if finding.exempted:
        text.append(" [exempted]")
    return text


def _placed_text(segment_id: str, placed: Sequence[PlacedFinding]) -> Text:
    """One line per finding placed in a segment: ``!`` if it fails, the
    elements it is about with the fields they come from, and the finding."""
    text = Text()
    for number, item in enumerate(placed):
        if number:
            text.append("\n")
        mark = FAILING_MARK if fails(item.finding) else " "
        text.append(f"{mark} ", style="bold red")
        where = []
        for place in item.places:
            label = place.label(segment_id)
            if not place.sent:
                label += " (not sent)"
            where.append(f"{label} {place.source}".rstrip())
        text.append(" · ".join(where) + ": ", style="bold")
        text.append_text(_severity_text(item.finding))
    return text


def _findings_text(findings: Sequence[Finding]) -> Text:
    """The failing findings no segment shows, one a line, with the field and
    X12 place each is about."""
    text = Text()
    for number, finding in enumerate(findings):
        if number:
            text.append("\n")
        text.append(f"{FAILING_MARK} ", style="bold red")
        where = " ".join(part for part in (finding.path, finding.segment) if part)
        text.append(f"{where or 'the claim as a whole'}: ", style="bold")
        text.append_text(_severity_text(finding))
    return text


def _event_detail(detail_json: str) -> str:
    """The words of an audit event worth reading: rule, field, reason, note."""
    try:
        detail = json.loads(detail_json)
    except ValueError:
        return ""
    if not isinstance(detail, dict):
        return ""
    parts = []
    for key in ("rule_id", "path", "to", "kind"):
        if detail.get(key):
            parts.append(f"{key.replace('_id', '')} {detail[key]}")
    words = detail.get("reason") or detail.get("note")
    if words:
        parts.append(f"“{words}”")
    return "  ".join(parts)


def history_lines(
    detail: ClaimDetail, staged: Sequence[StagedAction] = ()
) -> list[Text]:
    """The history pane's lines: staged actions first, then audit events, newest
    first."""
    lines = []
    for action in reversed(staged):
        line = Text("staged           ", style="bold")
        line.append(action.describe())
        if action.reason:
            line.append(f"  “{action.reason}”")
        lines.append(line)
    for event in detail.audit:
        line = Text(f"{event.at:%Y-%m-%d %H:%M} ", style="dim")
        line.append(f"{event.action:<8}", style="bold")
        line.append(f" {event.user}  {_event_detail(event.detail)}")
        lines.append(line)
    if not lines:
        lines.append(Text("No decisions, notes or events yet.", style="dim"))
    return lines


class HistoryPane(Pane):
    """4 History: staged actions, then the claim's audit events, newest first."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(4, "History", id=id)

    def compose(self) -> ComposeResult:
        yield PaneList()

    @property
    def focus_target(self) -> Widget:
        return self.query_one(PaneList)

    def show(
        self, detail: ClaimDetail | None, staged: Sequence[StagedAction] = ()
    ) -> None:
        history = self.query_one(PaneList)
        if detail is None:
            history.clear_options()
            self.border_subtitle = ""
            return
        history.set_options([Option(line) for line in history_lines(detail, staged)])
        decisions = len(detail.decisions)
        self.border_subtitle = f"{plural(decisions, 'decision')} · {len(staged)} staged"
