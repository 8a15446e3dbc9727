"""The queue screen: the claims of one queue and, when there is room, the claim
under the cursor.

Below 100 columns the queue fills the screen; from 100 columns one tabbed detail
area sits beside it; from 160 columns the three panes stack beside it. The detail
follows the cursor, at most about ten times a second so holding ``j`` stays smooth.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from claimtui.review import ClaimRow, ReviewError, Workspace
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.detail import DetailArea
from claimtui.tui.dialogs import QueuePicker
from claimtui.tui.queue_view import QueueHeader, QueueView
from claimtui.tui.status import StatusLine, StatusState

MEDIUM = 100
"""From this width a tabbed detail area shows beside the queue."""

WIDE = 160
"""From this width the three panes stack beside the queue."""

DETAIL_INTERVAL = 0.1
"""Seconds between two detail loads while the cursor moves."""


def layout_for(width: int) -> str:
    """narrow, medium or wide for a terminal ``width`` columns wide."""
    if width >= WIDE:
        return "wide"
    if width >= MEDIUM:
        return "medium"
    return "narrow"


class QueueScreen(Screen[None]):
    """The root screen: one queue, its status line and, if wide enough, detail."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "change_queue", "Queues", id="queue.change"),
        Binding("1", "show_pane(1)", "Encounter", show=False, id="queue.pane-1"),
        Binding("2", "show_pane(2)", "Rules", show=False, id="queue.pane-2"),
        Binding("3", "show_pane(3)", "Segments", show=False, id="queue.pane-3"),
        Binding("q", "quit", "Quit", id="queue.quit"),
    ]

    def __init__(
        self, workspace: Workspace, queue: str, *, read_only: bool = False
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.read_only = read_only
        self.queue_view = QueueView(workspace, queue, id="queue")
        self.layout_name = "narrow"
        self._detail_timer: Timer | None = None
        self._detail_shown: int | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="queue-side"):
                yield QueueHeader(self.queue_view, id="queue-header")
                yield self.queue_view
            yield DetailArea(id="queue-detail")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def detail_area(self) -> DetailArea:
        """The panes beside the queue (hidden on a narrow terminal)."""
        return self.query_one("#queue-detail", DetailArea)

    def on_mount(self) -> None:
        self._arrange(self.size.width)
        self.queue_view.focus()

    def on_resize(self, event: events.Resize) -> None:
        self._arrange(event.size.width)

    def on_screen_resume(self) -> None:
        self.queue_view.reload()
        self._detail_shown = None
        self._show_status()
        self._follow_cursor()

    def on_queue_view_highlighted(self, event: QueueView.Highlighted) -> None:
        self._show_status()
        self._follow_cursor()

    def on_queue_view_opened(self, event: QueueView.Opened) -> None:
        self.open_claim(event.row)

    def open_claim(self, row: ClaimRow) -> None:
        """Open ``row``'s claim on its own screen."""
        self.app.push_screen(
            ClaimScreen(self.workspace, self.queue_view, row, read_only=self.read_only)
        )

    def action_change_queue(self) -> None:
        try:
            queues = self.workspace.queues()
        except ReviewError as error:
            self.notify(str(error), severity="error")
            return
        self.app.push_screen(
            QueuePicker(queues, self.queue_view.queue), self._change_queue
        )

    def action_show_pane(self, number: int) -> None:
        self.detail_area.active = number

    async def action_quit(self) -> None:
        self.app.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_pane":
            return self.layout_name != "narrow"
        return True

    def _change_queue(self, queue: str | None) -> None:
        if queue is None:
            return
        self.queue_view.show_queue(queue)
        self._detail_shown = None
        self._show_status()

    def _arrange(self, width: int) -> None:
        self.layout_name = layout_for(width)
        for name in ("narrow", "medium", "wide"):
            self.set_class(name == self.layout_name, f"-{name}")
        self.detail_area.arrangement = (
            "stacked" if self.layout_name == "wide" else "tabbed"
        )
        self.refresh_bindings()
        self._follow_cursor()

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

    def _follow_cursor(self) -> None:
        """Load the highlighted claim's detail now, or when the interval ends."""
        if self.layout_name == "narrow" or self._detail_timer is not None:
            return
        self._load_detail()
        self._detail_timer = self.set_timer(DETAIL_INTERVAL, self._interval_over)

    def _interval_over(self) -> None:
        self._detail_timer = None
        row = self.queue_view.current_row
        if row is not None and row.id != self._detail_shown:
            self._follow_cursor()

    def _load_detail(self) -> None:
        row = self.queue_view.current_row
        if row is None:
            self._detail_shown = None
            self.detail_area.show(None)
            return
        if row.id == self._detail_shown:
            return
        try:
            detail = self.workspace.claim_detail(row.id)
        except ReviewError as error:
            self.notify(str(error), severity="error")
            return
        self._detail_shown = row.id
        self.detail_area.show(detail)
