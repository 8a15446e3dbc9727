"""5 Case: the Workers' Comp or accident case of a claim, and editing its fields.

Each line is one ``CaseField`` from the review layer: its flags, label, value as
built (after rules, decisions and staged edits), the 837P place it is sent in,
the value as received when it differs, and the findings on it. ``enter`` on a
line asks for the new value (with the field's help) and a reason; the claim
screen stages the edit and draws the preview, so the pane shows at once whether
a hold is released.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from claimtui.review import (
    CaseField,
    CaseView,
    ClaimDetail,
    ReviewError,
    case_edit,
    case_view,
)
from claimtui.review.staging import StagedAction
from claimtui.tui.panes import CHANGED_MARK, SEVERITY_LETTER, Pane, PaneList

NOT_A_CASE = "Not a Workers' Comp or accident claim: there is no case to work."

MISSING = "(not present — press enter to add)"
"""What a field of an absent group shows instead of a value."""

KIND_TITLES = {
    "WC": "Workers' Comp",
    "AA": "auto accident",
    "OA": "other accident",
}

LABEL_WIDTH = 29
SEGMENT_WIDTH = 15
WIDE_LINE = 64
"""From this width a field's segment has a column of its own."""


def _severity_letter(case_field: CaseField) -> str:
    """The letter of the worst unexempted finding on the field; ' ' if none."""
    letters = {
        SEVERITY_LETTER.get(str(finding.severity), "?")
        for finding in case_field.findings
        if not finding.exempted
    }
    for letter in ("E", "W", "I", "?"):
        if letter in letters:
            return letter
    return " "


def _finding_line(
    rule_id: str, severity: str, message: str, exempted: bool
) -> RenderableType:
    """A finding under its field, indented so a long message wraps in line."""
    letter = SEVERITY_LETTER.get(severity, "?")
    line = Text()
    line.append(letter, style=f"bold {'red' if letter == 'E' else 'yellow'}")
    line.append(f" {rule_id} ", style="bold")
    line.append(message)
    if exempted:
        line.append(" [exempted]")
    return Padding(line, (0, 0, 0, 3))


def _segment_text(segment: str) -> str:
    # Case data the 837P has no element for reads as "not sent (case data)";
    # the column is narrow and the help says the rest.
    return "not sent" if segment.startswith("not sent") else segment


class FieldLine:
    """One case field as the pane draws it: flags, label, value and segment;
    then the received value when it differs, and the findings on the field.

    Where the pane is narrow (a tab beside the queue) the segment moves under
    the value, so the value never loses its column.
    """

    def __init__(self, case_field: CaseField, staged: bool) -> None:
        self.case_field = case_field
        self.staged = staged

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        case_field = self.case_field
        wide = options.max_width >= WIDE_LINE
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=2, no_wrap=True)
        label_width = LABEL_WIDTH if wide else min(LABEL_WIDTH, options.max_width // 2)
        grid.add_column(width=label_width, no_wrap=True, overflow="ellipsis")
        grid.add_column(ratio=1)
        if wide:
            grid.add_column(width=SEGMENT_WIDTH, style="dim")
        changed = case_field.value != case_field.received
        segment = _segment_text(case_field.segment)
        first = [
            _flags(case_field, changed),
            Text(case_field.label),
            _value(case_field),
        ]
        grid.add_row(*first, *([segment] if wide else []))
        notes = [] if wide else [segment]
        if changed:
            notes.append(f"received: {case_field.received or '(empty)'}")
        if self.staged:
            notes.append("staged edit, $ commits · u undoes")
        if notes:
            note = Text(" · ".join(notes), style="dim italic")
            grid.add_row("", "", note, *([""] if wide else []))
        yield grid
        for finding in case_field.findings:
            yield _finding_line(
                finding.rule_id,
                str(finding.severity),
                finding.message,
                finding.exempted,
            )


def _flags(case_field: CaseField, changed: bool) -> Text:
    letter = _severity_letter(case_field)
    flags = Text(letter, style="bold red" if letter == "E" else "bold yellow")
    flags.append(CHANGED_MARK if changed else " ", style="bold")
    return flags


def _value(case_field: CaseField) -> Text:
    if case_field.missing_group:
        return Text(MISSING, style="italic")
    if case_field.value:
        return Text(case_field.value, style="bold")
    return Text("(empty)", style="dim")


def case_subtitle(case: CaseView) -> str:
    """The pane's subtitle: kind, SBR09 and, for Workers' Comp, the jurisdiction
    with where it comes from."""
    parts = [KIND_TITLES.get(case.kind, case.kind), f"SBR09 {case.claim_filing_code}"]
    if case.kind == "WC" and case.jurisdiction:
        source = f" from {case.jurisdiction_source}" if case.jurisdiction_source else ""
        parts.append(f"jurisdiction {case.jurisdiction}{source}")
    return " · ".join(parts)


@dataclass(frozen=True)
class CaseLine:
    """What one line of the case pane stands for."""

    case_field: CaseField | None
    """The field on the line; None for a finding about the case as a whole."""


class CaseList(PaneList):
    """The lines of the case pane; ``enter`` edits the highlighted field.

    A new claim starts on the first field with an error, as the rules pane
    starts on the first rule that acted."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Edit case field", id="case.edit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[CaseLine] = []
        self.claim_id: int | None = None

    @property
    def selected(self) -> CaseField | None:
        """The field under the cursor; None on a line that is not a field."""
        if self.highlighted is None or self.highlighted >= len(self.lines):
            return None
        return self.lines[self.highlighted].case_field

    def show_case(self, case: CaseView | None, staged_paths: set[str]) -> None:
        """Draw ``case``; the same claim keeps its cursor line."""
        same_claim = case is not None and case.claim_id == self.claim_id
        previous = self.highlighted if same_claim else None
        self.claim_id = case.claim_id if case is not None else None
        self.lines = []
        options: list[Option] = []
        if case is not None and case.kind:
            self._add_fields(case, staged_paths, options)
        elif case is not None:
            options.append(Option(Text(NOT_A_CASE, style="italic"), disabled=True))
        self.set_options(options)
        self.refresh_bindings()
        if not self.lines:
            return
        if previous is None:
            previous = self._first_to_fix()
        self.highlighted = min(previous, len(options) - 1)
        self.call_after_refresh(self.scroll_to_highlight, top=not same_claim)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Enter edits a field; on a finding line or a claim with no case it is
        # shown greyed, so the footer and help do not promise an edit.
        if action == "select" and self.selected is None:
            return None
        return True

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self.refresh_bindings()

    def on_show(self) -> None:
        # A claim loaded while the pane was hidden could not scroll then; do it
        # now, so the field to fix stands at the top when the pane appears.
        if self.highlighted is not None:
            self.call_after_refresh(self.scroll_to_highlight, top=True)

    def _first_to_fix(self) -> int:
        """The line a new claim starts on: the first field with an error, else
        the first with any finding, else the first line."""
        letters = [
            _severity_letter(line.case_field) if line.case_field else " "
            for line in self.lines
        ]
        for wanted in ("E", "W", "I"):
            if wanted in letters:
                return letters.index(wanted)
        return 0

    def _add_fields(
        self, case: CaseView, staged_paths: set[str], options: list[Option]
    ) -> None:
        on_fields = []
        for case_field in case.fields:
            on_fields.extend(case_field.findings)
            staged = case_field.path in staged_paths or (
                bool(case_field.missing_group)
                and case_field.missing_group in staged_paths
            )
            options.append(Option(FieldLine(case_field, staged)))
            self.lines.append(CaseLine(case_field))
        # Findings on the case as a whole (no attachment yet, say) point at no
        # field line, so they come last, where the biller reads on.
        for finding in case.findings:
            if finding in on_fields:
                continue
            line = _finding_line(
                finding.rule_id,
                str(finding.severity),
                finding.message,
                finding.exempted,
            )
            options.append(Option(line))
            self.lines.append(CaseLine(None))


class CasePane(Pane):
    """5 Case: the Workers' Comp or accident case; enter edits a field."""

    class EditRequested(Message):
        """The biller asked to edit a case field."""

        def __init__(self, case_field: CaseField) -> None:
            super().__init__()
            self.case_field = case_field

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(5, "Case", id=id)
        self.case: CaseView | None = None

    def compose(self) -> ComposeResult:
        yield CaseList()

    @property
    def case_list(self) -> CaseList:
        """The selectable list of fields."""
        return self.query_one(CaseList)

    @property
    def focus_target(self) -> Widget:
        return self.case_list

    def show(
        self, detail: ClaimDetail | None, staged: Sequence[StagedAction] = ()
    ) -> None:
        edits = [(a.path, a.value) for a in staged if a.kind == "edit"]
        self.case = case_view(detail, edits) if detail is not None else None
        self.case_list.show_case(self.case, {path for path, _ in edits})
        if self.case is None or not self.case.kind:
            self.border_subtitle = ""
            return
        self.border_subtitle = case_subtitle(self.case)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        selected = self.case_list.selected
        if selected is not None:
            self.post_message(self.EditRequested(selected))


@dataclass(frozen=True)
class CaseEditRequest:
    """What the case field prompt collected."""

    path: str
    """The path to edit: the field's, or its absent group's when adding it."""
    value: object
    """The value as ``case_edit`` reads what was typed."""
    typed: str
    """What was typed, for messages."""
    reason: str
    """Why, in the biller's words."""


def _prompt_intro(case_field: CaseField) -> Text:
    text = Text()
    text.append(f"Sent in {case_field.segment}", style="bold")
    text.append(f" · now: {case_field.value or '(empty)'}")
    if case_field.received != case_field.value:
        text.append(f" · received: {case_field.received or '(empty)'}")
    if case_field.help:
        text.append(f"\n{case_field.help}", style="italic")
    if case_field.value_type == "date":
        text.append("\nType the date as YYYY-MM-DD; leave it blank to clear it.")
    elif case_field.value_type == "codes":
        text.append("\nType the codes separated by spaces, e.g. EM or AA OA.")
    if case_field.missing_group:
        text.append(
            f"\n{case_field.missing_group} is not on this claim: this adds it "
            "with this value; fill in its other fields next.",
            style="bold",
        )
    return text


class CaseFieldPrompt(ModalScreen[CaseEditRequest | None]):
    """Ask for a case field's new value, with its help, then a required reason."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(self, case_field: CaseField, claim: str) -> None:
        super().__init__(classes="dialog-screen")
        self.case_field = case_field
        self.claim = claim

    def compose(self) -> ComposeResult:
        case_field = self.case_field
        verb = "Add" if case_field.missing_group else "Edit"
        placeholder = "YYYY-MM-DD" if case_field.value_type == "date" else ""
        with Vertical(classes="dialog case-prompt"):
            yield Label(
                f"{verb} {case_field.label} · claim {self.claim}",
                classes="dialog-title",
            )
            yield Static(_prompt_intro(case_field), classes="case-help")
            yield Label("New value")
            yield Input(case_field.value, placeholder=placeholder, id="value")
            yield Label("Reason")
            yield Input(placeholder="Reason (required)", id="reason")
            yield Static("enter next / confirm · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value_input = self.query_one("#value", Input)
        try:
            path, value = case_edit(self.case_field, value_input.value)
        except ReviewError as error:
            self.notify(str(error), title="Not a value", severity="warning")
            value_input.focus()
            return
        if event.input.id != "reason":
            self.query_one("#reason", Input).focus()
            return
        reason = event.value.strip()
        if not reason:
            self.notify("A reason is required.", severity="warning")
            return
        typed = value_input.value.strip()
        self.dismiss(CaseEditRequest(path, value, typed, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)
