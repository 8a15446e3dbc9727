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
from claimtui.review.staging import StagedAction

SEVERITY_LETTER = {"error": "E", "warning": "W", "info": "I"}
"""Findings carry their severity as a letter, never as colour alone."""

OUTCOME_STYLE = {
    "fired": "bold",
    "passed": "dim",
    "skipped": "dim",
    "exempted": "italic",
    "error": "bold red",
}
"""Emphasis only: the outcome is always written out as a word."""

CHANGED_MARK = "Δ"
"""Gutter mark of a segment with at least one changed element."""


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
        self.border_subtitle = detail.source


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


class RulesList(PaneList):
    """The lines of the rules pane; the highlighted line selects a rule."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[RuleLine] = []
        self.acted: list[int] = []
        """Line numbers of the rules that fired, failed or were exempted."""
        self.claim_id: int | None = None

    @property
    def selected(self) -> RuleLine | None:
        """The line under the cursor."""
        if self.highlighted is None or self.highlighted >= len(self.lines):
            return None
        return self.lines[self.highlighted]

    def show(self, detail: ClaimDetail | None) -> None:
        """Draw ``detail``; a new claim starts on the first rule that acted."""
        same_claim = detail is not None and detail.id == self.claim_id
        previous = self.highlighted if same_claim else None
        self.claim_id = detail.id if detail is not None else None
        self.lines = []
        self.acted = []
        options: list[Option] = []
        for prompt, line, acted in rule_lines(detail) if detail else []:
            if acted:
                self.acted.append(len(self.lines))
            self.lines.append(line)
            options.append(Option(prompt))
        self.set_options(options)
        if not options:
            return
        if previous is None:
            previous = self.acted[0] if self.acted else 0
        self.highlighted = min(previous, len(options) - 1)
        self.call_after_refresh(self.scroll_to_highlight, top=not same_claim)

    def select_rule(self, rule_id: str) -> bool:
        """Put the cursor on the first line of ``rule_id``; False if it is absent."""
        for index, line in enumerate(self.lines):
            if line.rule_id == rule_id:
                self.highlighted = index
                return True
        return False


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


ACTED = frozenset({"fired", "exempted", "error"})
"""Outcomes of rules that did something to the claim."""


def rule_lines(detail: ClaimDetail) -> list[tuple[Text, RuleLine, bool]]:
    """The rules pane's lines: each rule in run order, then its findings, changes
    and exemption; findings of no traced rule (e.g. the TR3 check) come last.

    The flag is True on the first line of a rule that acted on the claim.
    """
    lines: list[tuple[Text, RuleLine, bool]] = []
    traced: set[str] = set()
    for trace in detail.build.traces:
        traced.add(trace.rule_id)
        head = Text()
        head.append(f"{trace.outcome:<8}", style=OUTCOME_STYLE.get(trace.outcome, ""))
        head.append(f" {trace.rule_id}", style="bold")
        if trace.title:
            head.append(f"  {trace.title}")
        rule = RuleLine(trace.rule_id)
        lines.append((head, rule, trace.outcome in ACTED))
        for finding in trace.findings:
            lines.append((_finding_text(finding), rule, False))
        for change in trace.changes:
            lines.append((_change_text(change), RuleLine(trace.rule_id, change), False))
        if trace.outcome == "exempted":
            note = Text("    " + _exemption_text(detail, trace), style="italic")
            lines.append((note, rule, False))
        elif trace.outcome in ("error", "skipped") and trace.detail:
            lines.append((Text("    " + trace.detail, style="dim"), rule, False))
    loose = [f for f in detail.build.findings if f.rule_id not in traced]
    for finding in loose:
        rule = RuleLine(finding.rule_id)
        text = Text(f"check    {finding.rule_id}", style="bold")
        lines.append((text, rule, True))
        lines.append((_finding_text(finding), rule, False))
    return lines


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
        self.border_subtitle = f"{detail.status} · {held} holding"


def segment_text(line: str, segment_id: str, changed: list[bool]) -> Text:
    """A segment's X12 text with its changed elements reversed and underlined.

    ``changed[i]`` says whether element ``i + 1`` changed. The element separator is
    the character after the segment id, as in the text itself.
    """
    text = Text()
    any_changed = any(changed)
    text.append(f"{CHANGED_MARK if any_changed else ' '} ", style="bold")
    if len(line) <= len(segment_id):
        text.append(line)
        return text
    separator = line[len(segment_id)]
    for position, part in enumerate(line.split(separator)):
        if position:
            text.append(separator)
        element = position - 1
        marked = 0 <= element < len(changed) and changed[element]
        text.append(part, style="reverse underline" if marked else "")
    return text


class SegmentsList(PaneList):
    """The final segments, one per line."""


class SegmentsPane(Pane):
    """3 Segments: the X12 that will be sent; changed elements are marked."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(3, "Segments", id=id)
        self.detail: ClaimDetail | None = None
        self.border_subtitle = f"{CHANGED_MARK} changed segment · reversed: changed"

    def compose(self) -> ComposeResult:
        yield SegmentsList()
        yield Static(classes="provenance")

    @property
    def focus_target(self) -> Widget:
        return self.query_one(SegmentsList)

    def show(self, detail: ClaimDetail | None) -> None:
        self.detail = detail
        segments_list = self.query_one(SegmentsList)
        if detail is None:
            segments_list.clear_options()
            self._show_provenance(None)
            return
        options = []
        for segment, line in zip(detail.segments, detail.segment_lines, strict=False):
            changed = [path_changed(s, detail.changed_paths) for s in segment.sources]
            options.append(Option(segment_text(line, segment.id, changed)))
        previous = segments_list.highlighted
        segments_list.set_options(options)
        if options:
            segments_list.highlighted = min(previous or 0, len(options) - 1)

    def on_option_list_option_highlighted(
        self, event: OptionList.OptionHighlighted
    ) -> None:
        event.stop()
        self._show_provenance(event.option_index)

    def _show_provenance(self, index: int | None) -> None:
        provenance = self.query_one(".provenance", Static)
        if self.detail is None or index is None or index >= len(self.detail.segments):
            provenance.update("")
            return
        segment = self.detail.segments[index]
        text = Text(f"{segment.loop} {segment.id}: ", style="bold")
        for position, source in enumerate(segment.sources, start=1):
            if not source:
                continue
            changed = path_changed(source, self.detail.changed_paths)
            mark = f" {CHANGED_MARK}" if changed else ""
            text.append(f"{segment.id}{position:02d} {source}{mark}  ")
        provenance.update(text)


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
        self.border_subtitle = f"{decisions} decisions · {len(staged)} staged"
