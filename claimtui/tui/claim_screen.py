"""The claim screen: one claim's encounter, rules, segments, history and case, and
the actions a biller takes on it (exempt, override, edit, approve, park, note).

Actions are staged, not stored: the app keeps them until ``$`` commits them. The
screen draws ``Workspace.preview``, the claim rebuilt with its stored decisions
plus the staged ones, so every keypress shows the claim as it would be. ``u``
drops the last staged action on the claim and ``U`` all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from claimtui.model import Change
from claimtui.review import CaseField, ClaimDetail, ClaimRow, ReviewError, Workspace
from claimtui.review.explain import field_help, field_text
from claimtui.review.placement import fails
from claimtui.review.staging import ActionKind, StagedAction
from claimtui.tui.case_pane import CaseEditRequest, CaseFieldPrompt, CasePane
from claimtui.tui.detail import DetailArea
from claimtui.tui.dialogs import OverridePrompt, OverrideRequest, ReasonPrompt
from claimtui.tui.panes import (
    SegmentsList,
    SegmentsPane,
    path_changed,
    show_value,
)
from claimtui.tui.prompts import ConfirmDialog, LinePrompt, plural
from claimtui.tui.queue_view import QueueView
from claimtui.tui.status import StatusLine

if TYPE_CHECKING:
    from claimtui.tui.app import ClaimApp

WIDE = 160
"""From this width the panes stand side by side."""


class ClaimScreen(Screen[None]):
    """One claim, full screen, opened from the queue."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "1", "focus_pane(1)", "Encounter", show=False, id="claim.pane-encounter"
        ),
        Binding("2", "focus_pane(2)", "Rules", show=False, id="claim.pane-rules"),
        Binding("3", "focus_pane(3)", "Segments", show=False, id="claim.pane-segments"),
        Binding("4", "focus_pane(4)", "History", show=False, id="claim.pane-history"),
        Binding("5", "focus_pane(5)", "Case", show=False, id="claim.pane-case"),
        Binding(
            "z", "toggle_maximize", "Maximise pane", show=False, id="claim.maximize"
        ),
        Binding("J", "step(1)", "Next claim", show=False, id="claim.next"),
        Binding("K", "step(-1)", "Previous claim", show=False, id="claim.previous"),
        Binding("e", "exempt", "Exempt", id="claim.exempt"),
        Binding("x", "override", "Override", id="claim.override"),
        Binding("E", "edit", "Edit field", show=False, id="claim.edit"),
        Binding("a", "approve", "Approve", id="claim.approve"),
        Binding("p", "park", "Park", id="claim.park"),
        Binding("i", "note", "Note", show=False, id="claim.note"),
        Binding("u", "undo", "Undo", id="claim.undo"),
        Binding("U", "undo_claim", "Undo all", show=False, id="claim.undo-all"),
        Binding("dollar_sign", "commit", "Commit", id="claim.commit"),
        Binding("y", "copy", "Copy claim / segment", show=False, id="claim.copy"),
        Binding("q,escape", "back", "Back", id="claim.back"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        queue_view: QueueView,
        row: ClaimRow,
        pane: int = 2,
    ) -> None:
        super().__init__()
        self.first_pane = pane
        """The pane that has the keyboard when the screen opens."""
        self.workspace = workspace
        self.queue_view = queue_view
        self.row = row
        """The queue row the claim was opened from."""
        self.detail: ClaimDetail | None = None
        self.left_queue = False
        """The claim left the queue after an action; the cursor already stands on
        the claim that followed it."""

    def compose(self) -> ComposeResult:
        yield Static(id="claim-title")
        yield DetailArea(id="claim-detail")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def detail_area(self) -> DetailArea:
        """The three panes."""
        return self.query_one(DetailArea)

    def on_mount(self) -> None:
        self._arrange(self.size.width)
        self.load(self.row)
        self.detail_area.focus_pane(self.first_pane)

    def on_resize(self, event: events.Resize) -> None:
        self._arrange(event.size.width)

    @property
    def console(self) -> ClaimApp:
        """The app, with its staged actions."""
        from claimtui.tui.app import ClaimApp

        assert isinstance(self.app, ClaimApp)
        return self.app

    @property
    def staged(self) -> list[StagedAction]:
        """The actions staged on this claim."""
        return self.console.staging.for_claim(self.row.id)

    def load(self, row: ClaimRow) -> None:
        """Show the claim of ``row``, with its staged actions applied."""
        self.row = row
        self.left_queue = False
        self.reload()

    def reload(self) -> None:
        """Build the claim again (stored decisions plus staged) and draw it."""
        staged = self.staged
        try:
            if staged:
                detail = self.workspace.preview(self.row.id, staged)
            else:
                detail = self.workspace.claim_detail(self.row.id)
        except ReviewError as error:
            self.notify(str(error), severity="error")
            return
        if not staged and not self.left_queue:
            self._note_left_queue()
        self._show(detail)

    def refresh_state(self) -> None:
        """Redraw after staging changed elsewhere (undo, commit)."""
        self._show_status()

    def action_focus_pane(self, number: int) -> None:
        self.detail_area.focus_pane(number)

    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        for pane in self.detail_area.panes:
            if self.focused is not None and pane in self.focused.ancestors_with_self:
                self.maximize(pane, container=False)

    def action_back(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        self.dismiss(None)

    def action_step(self, delta: int) -> None:
        if self.left_queue and delta > 0:
            delta = 0
        before = self.queue_view.cursor
        row = self.queue_view.move_cursor(delta)
        if row is None or (self.queue_view.cursor == before and not self.left_queue):
            self.notify("No more claims in this queue.")
            return
        self.load(row)

    def action_exempt(self) -> None:
        if self.console.refuse_when_read_only():
            return
        line = self.detail_area.rules_pane.rules_list.selected
        if line is None or not line.rule_id:
            self.notify("Choose a rule in pane 2 first.", severity="warning")
            return
        rule_id = line.rule_id
        question = (
            f"Exempt rule {rule_id} on claim {self.row.patient_control_number}: why?"
        )
        self.app.push_screen(ReasonPrompt(question), self._exempt_with(rule_id))

    def action_override(self) -> None:
        if self.console.refuse_when_read_only():
            return
        change = self._selected_change()
        path, value, rule_id, note = "", "", "", ""
        if change is not None:
            path = change.path
            value = show_value(change.after).strip('"')
            rule_id = change.rule_id
            note = (
                f"{rule_id} changed {path}: {show_value(change.before)} → "
                f"{show_value(change.after)}"
            )
        title = f"Override a value on claim {self.row.patient_control_number}"
        prompt = OverridePrompt(
            title,
            path,
            value,
            note=note,
            field_help=field_help,
            check=self._value_check("override", rule_id),
        )
        self.app.push_screen(prompt, self._set_with("override", rule_id))

    def _selected_change(self) -> Change | None:
        """The change under the cursor in pane 2, or the first change of the
        rule under it."""
        line = self.detail_area.rules_pane.rules_list.selected
        if line is None or self.detail is None:
            return None
        if line.change is not None:
            return line.change
        for trace in self.detail.build.traces:
            if trace.rule_id == line.rule_id and trace.changes:
                return trace.changes[0]
        return None

    def action_edit(self) -> None:
        if self.console.refuse_when_read_only():
            return
        case_pane = self.detail_area.case_pane
        selected = case_pane.case_list.selected
        if selected is not None and case_pane.has_focus_within:
            self.edit_case_field(selected)
            return
        title = (
            f"Edit a field of claim {self.row.patient_control_number} "
            "(before rules run)"
        )
        path = self._segment_source() if self._segments_focused() else ""
        value = ""
        if path and self.detail is not None:
            value = field_text(self.detail.received, path)
        prompt = OverridePrompt(
            title,
            path,
            value,
            field_help=field_help,
            check=self._value_check("edit", ""),
        )
        self.app.push_screen(prompt, self._set_with("edit", ""))

    def _segments_focused(self) -> bool:
        pane = self.detail_area.pane(3)
        return self.focused is not None and pane in self.focused.ancestors_with_self

    def _segment_source(self) -> str:
        """The field the selected segment takes its first failing element from,
        else its first changed one, else its first element that comes from a
        field; on the "not in segments" line, the field of the first finding
        listed there that names one; '' when none does."""
        pane = self.detail_area.query_one(SegmentsPane)
        segments_list = pane.segments_list
        index = segments_list.segment_index
        if self.detail is None or segments_list.highlighted is None:
            return ""
        if index is None:
            paths = [f.path for f in pane.places.failing_unplaced if f.path]
            return (paths or [""])[0]
        if index >= len(self.detail.segments):
            return ""
        failed = [
            place.source
            for placed in pane.places.in_segment(index)
            if fails(placed.finding)
            for place in placed.places
            if place.source
        ]
        sources = [s for s in self.detail.segments[index].sources if s]
        changed = [s for s in sources if path_changed(s, self.detail.changed_paths)]
        return (failed or changed or sources or [""])[0]

    def on_case_pane_edit_requested(self, event: CasePane.EditRequested) -> None:
        event.stop()
        self.edit_case_field(event.case_field)

    def edit_case_field(self, case_field: CaseField) -> None:
        """Ask for a new value of ``case_field`` and a reason, then stage it."""
        if self.console.refuse_when_read_only():
            return
        prompt = CaseFieldPrompt(case_field, self.row.patient_control_number)
        self.app.push_screen(prompt, self._stage_case_edit(case_field))

    def _stage_case_edit(
        self, case_field: CaseField
    ) -> Callable[[CaseEditRequest | None], None]:
        def stage(request: CaseEditRequest | None) -> None:
            if request is not None:
                self._stage_case_request(case_field, request)

        return stage

    def _stage_case_request(
        self, case_field: CaseField, request: CaseEditRequest
    ) -> None:
        before = self._holding_rules()
        action = StagedAction(
            self.row.id,
            "edit",
            request.reason,
            path=request.path,
            value=request.value,
        )
        detail = self._stage(action, announce=False)
        if detail is None:
            return
        after = self._holding_rules()
        released = sorted(before - after)
        message = (
            f"Staged {case_field.label} = {request.typed or '(blank)'}: "
            f"claim would go to {detail.status}."
        )
        if released:
            message += f" {', '.join(released)} no longer holds."
        if after:
            message += f" Still held by {', '.join(sorted(after))}."
        self.notify(f"{message} $ commits · u undoes.", title="Staged")

    def _holding_rules(self) -> set[str]:
        if self.detail is None:
            return set()
        return {finding.rule_id for finding in self.detail.build.holding_findings}

    def action_approve(self) -> None:
        if self.console.refuse_when_read_only() or self.detail is None:
            return
        if self.detail.status != "review":
            self.notify(
                f"This claim is {self.detail.status}: only a claim in review "
                "(warnings only) can be approved.",
                severity="warning",
            )
            return
        prompt = LinePrompt(
            "Approve (release to ready); note:",
            placeholder="approved",
        )
        self.app.push_screen(prompt, self._stage_text("approve", "approved"))

    def action_park(self) -> None:
        if self.console.refuse_when_read_only():
            return
        prompt = LinePrompt("Park this claim; note:", allow_empty=False)
        self.app.push_screen(prompt, self._stage_text("park"))

    def action_note(self) -> None:
        if self.console.refuse_when_read_only():
            return
        prompt = LinePrompt("Note on this claim:", allow_empty=False)
        self.app.push_screen(prompt, self._stage_text("note"))

    def stage_assign(self, user: str) -> None:
        """Stage assigning this claim to ``user`` (yourself when empty)."""
        if self.console.refuse_when_read_only():
            return
        user = user or self.workspace.user
        self._stage(
            StagedAction(self.row.id, "assign", f"assigned to {user}", value=user)
        )

    def action_undo(self) -> None:
        undone = self.console.staging.undo_last(self.row.id)
        if undone is None:
            self.notify("Nothing is staged on this claim.")
            return
        self.notify(f"Unstaged {undone.describe()}.")
        self.reload()
        self.console.refresh_screens()

    def action_undo_claim(self) -> None:
        staged = self.staged
        if not staged:
            self.notify("Nothing is staged on this claim.")
            return
        if len(staged) == 1:
            self._undo_claim(True)
            return
        listed = "\n".join(f"  {action.describe()}" for action in staged[:8])
        body = f"Unstage all {len(staged)} changes on this claim?\n{listed}"
        self.app.push_screen(ConfirmDialog("Undo all", body), self._undo_claim)

    def _undo_claim(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        dropped = self.console.staging.undo_claim(self.row.id)
        self.notify(f"Unstaged {plural(dropped, 'change')} on this claim.")
        self.reload()
        self.console.refresh_screens()

    def action_commit(self) -> None:
        self.console.commit_staged()

    def action_copy(self) -> None:
        """Copy the selected segment when the Segments pane has the keyboard,
        else the claim number (CLM01); OSC 52 reaches the clipboard over SSH."""
        index = self.detail_area.query_one(SegmentsList).segment_index
        lines = self.detail.segments if self.detail is not None else []
        if self._segments_focused() and index is not None and index < len(lines):
            assert self.detail is not None
            self.app.copy_to_clipboard(self.detail.segment_lines[index])
            self.notify(f"Copied segment {lines[index].id}.")
            return
        self.app.copy_to_clipboard(self.row.patient_control_number)
        self.notify(f"Copied claim number {self.row.patient_control_number}.")

    def _stage_text(
        self, kind: ActionKind, default: str = ""
    ) -> Callable[[str | None], None]:
        def stage(text: str | None) -> None:
            if text is None:
                return
            self._stage(StagedAction(self.row.id, kind, text or default))

        return stage

    def _exempt_with(self, rule_id: str) -> Callable[[str | None], None]:
        def exempt(reason: str | None) -> None:
            if reason is None:
                return
            self._stage(StagedAction(self.row.id, "exempt", reason, rule_id=rule_id))
            self.detail_area.rules_pane.rules_list.select_rule(rule_id)

        return exempt

    def _set_with(
        self, kind: ActionKind, rule_id: str
    ) -> Callable[[OverrideRequest | None], None]:
        def set_value(request: OverrideRequest | None) -> None:
            if request is None:
                return
            action = StagedAction(
                self.row.id,
                kind,
                request.reason,
                rule_id=rule_id,
                path=request.path,
                value=request.value,
            )
            self._stage(action)

        return set_value

    def _value_check(
        self, kind: ActionKind, rule_id: str
    ) -> Callable[[str, str], str | None]:
        """Why setting a path to a value could not be staged; None when it can."""

        def check(path: str, value: str) -> str | None:
            trial = StagedAction(
                self.row.id, kind, "checking", rule_id=rule_id, path=path, value=value
            )
            try:
                self.workspace.preview(self.row.id, [*self.staged, trial])
            except ReviewError as error:
                return str(error)
            return None

        return check

    def _stage(
        self, action: StagedAction, *, announce: bool = True
    ) -> ClaimDetail | None:
        """Stage ``action`` and draw the claim as it would be; a value that does
        not fit is refused here, not at commit. Returns the preview, or None
        when refused."""
        staged = [*self.staged, action]
        try:
            detail = self.workspace.preview(self.row.id, staged)
        except ReviewError as error:
            self.notify(str(error), title="Not staged", severity="error")
            return None
        self.console.staging.stage(action)
        self._show(detail)
        self.console.refresh_screens()
        if announce:
            self.notify(
                f"Staged {action.describe()}: claim would go to {detail.status}. "
                "$ commits · u undoes.",
                title="Staged",
            )
        return detail

    def _note_left_queue(self) -> None:
        if not self.queue_view.contains(self.row):
            self.left_queue = True
            self.queue_view.reload()
            self.notify(f"The claim has left the {self.queue_view.queue} queue.")

    def _show(self, detail: ClaimDetail) -> None:
        self.detail = detail
        staged = self.staged
        self.detail_area.show(detail, staged)
        title = Text(" Claim ", style="bold")
        title.append(f"{self.row.patient_control_number}", style="bold")
        title.append(f"  {self.row.patient_name}  ·  {self.row.payer_name}")
        title.append(f"  ·  {detail.status}")
        if staged:
            title.append(f"  ·  {len(staged)} staged", style="bold reverse")
        if detail.assigned_to:
            title.append(f"  ·  {detail.assigned_to}")
        if self.left_queue:
            title.append(f"  ·  not in {self.queue_view.queue}")
        self.query_one("#claim-title", Static).update(title)
        self._show_status()

    def _show_status(self) -> None:
        console = self.console
        state = self.queue_view.status_state(
            len(console.tags), len(console.staging), console.read_only
        )
        for status in self.query(StatusLine):  # none while the console closes
            status.show_state(state)

    def _arrange(self, width: int) -> None:
        self.detail_area.arrangement = "columns" if width >= WIDE else "stacked"
