"""The claim screen: one claim's encounter, rules and segments, and the actions a
biller takes on it (exempt a rule, override a value).

Every action goes through the review layer, which stores the decision with its
reason, writes the audit event and rebuilds the claim; this screen then draws the
rebuilt claim it gets back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from claimtui.review import ClaimDetail, ClaimRow, ReviewError, Workspace
from claimtui.tui.detail import DetailArea
from claimtui.tui.dialogs import OverridePrompt, OverrideRequest, ReasonPrompt
from claimtui.tui.panes import show_value
from claimtui.tui.queue_view import QueueView
from claimtui.tui.status import StatusLine, StatusState

WIDE = 160
"""From this width the panes stand side by side."""


class ClaimScreen(Screen[None]):
    """One claim, full screen, opened from the queue."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "focus_pane(1)", "Encounter", id="claim.pane-encounter"),
        Binding("2", "focus_pane(2)", "Rules", id="claim.pane-rules"),
        Binding("3", "focus_pane(3)", "Segments", id="claim.pane-segments"),
        Binding("z", "toggle_maximize", "Maximise pane", id="claim.maximize"),
        Binding("J", "step(1)", "Next claim", id="claim.next"),
        Binding("K", "step(-1)", "Previous claim", id="claim.previous"),
        Binding("e", "exempt", "Exempt rule", id="claim.exempt"),
        Binding("x", "override", "Override value", id="claim.override"),
        Binding("q,escape", "back", "Back to queue", id="claim.back"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        queue_view: QueueView,
        row: ClaimRow,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.queue_view = queue_view
        self.row = row
        """The queue row the claim was opened from."""
        self.read_only = read_only
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
        self.detail_area.focus_pane(2)

    def on_resize(self, event: events.Resize) -> None:
        self._arrange(event.size.width)

    def load(self, row: ClaimRow) -> None:
        """Show the claim of ``row``."""
        self.row = row
        self.left_queue = False
        try:
            detail = self.workspace.claim_detail(row.id)
        except ReviewError as error:
            self.notify(str(error), severity="error")
            return
        self._show(detail)

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
        if self._refuse_when_read_only():
            return
        line = self.detail_area.rules_pane.rules_list.selected
        if line is None:
            self.notify("Choose a rule in pane 2 first.", severity="warning")
            return
        rule_id = line.rule_id
        question = (
            f"Exempt rule {rule_id} on claim {self.row.patient_control_number}: why?"
        )
        self.app.push_screen(ReasonPrompt(question), self._exempt_with(rule_id))

    def action_override(self) -> None:
        if self._refuse_when_read_only():
            return
        line = self.detail_area.rules_pane.rules_list.selected
        path, value, rule_id = "", "", ""
        if line is not None and line.change is not None:
            path = line.change.path
            value = show_value(line.change.after).strip('"')
            rule_id = line.rule_id
        title = f"Override a value on claim {self.row.patient_control_number}"
        self.app.push_screen(
            OverridePrompt(title, path, value), self._override_with(rule_id)
        )

    def _exempt_with(self, rule_id: str) -> Callable[[str | None], None]:
        def exempt(reason: str | None) -> None:
            if reason is None or self.detail is None:
                return
            claim_id = self.detail.id
            self._apply(
                lambda: self.workspace.exempt(claim_id, rule_id, reason),
                f"Rule {rule_id} exempted.",
            )
            self.detail_area.rules_pane.rules_list.select_rule(rule_id)

        return exempt

    def _override_with(self, rule_id: str) -> Callable[[OverrideRequest | None], None]:
        def override(request: OverrideRequest | None) -> None:
            if request is None or self.detail is None:
                return
            claim_id = self.detail.id
            self._apply(
                lambda: self.workspace.override(
                    claim_id, request.path, request.value, request.reason, rule_id
                ),
                f"{request.path} set to {request.value!r}.",
            )

        return override

    def _apply(self, action: Callable[[], ClaimDetail], done: str) -> None:
        """Run a review action, draw the rebuilt claim, and say what happened."""
        try:
            detail = action()
        except ReviewError as error:
            self.notify(str(error), title="Not changed", severity="error")
            return
        message = f"{done} Claim is now {detail.status}."
        if not self.left_queue and not self.queue_view.contains(self.row):
            self.left_queue = True
            self.queue_view.reload()
            message += f" It has left the {self.queue_view.queue} queue."
        self._show(detail)
        self.notify(message)

    def _show(self, detail: ClaimDetail) -> None:
        self.detail = detail
        self.detail_area.show(detail)
        title = Text(" Claim ", style="bold")
        title.append(f"{self.row.patient_control_number}", style="bold")
        title.append(f"  {self.row.patient_name}  ·  {self.row.payer_name}")
        title.append(f"  ·  {detail.status}")
        if self.left_queue:
            title.append(f"  ·  not in {self.queue_view.queue}")
        self.query_one("#claim-title", Static).update(title)
        self._show_status()

    def _show_status(self) -> None:
        view = self.queue_view
        self.query_one(StatusLine).show_state(
            StatusState(
                queue=view.queue,
                position=view.cursor + 1 if view.total else 0,
                shown=view.total,
                total=view.total,
                read_only=self.read_only,
            )
        )

    def _arrange(self, width: int) -> None:
        self.detail_area.arrangement = "columns" if width >= WIDE else "stacked"

    def _refuse_when_read_only(self) -> bool:
        if self.read_only:
            self.notify("Read-only: claims cannot be changed.", severity="warning")
        return self.read_only
