"""The queue screen: the claims of one queue and, when there is room, the claim
under the cursor.

Here the biller limits (``l``), searches (``/``, ``n``, ``N``), tags (``space``,
``v``, ``T``) and stages actions on the claim under the cursor, or, after ``;``,
on every tagged claim, hidden by the limit or not.

Below 100 columns the queue fills the screen; from 100 columns one tabbed detail
area sits beside it; from 160 columns the three panes stack beside it. The detail
follows the cursor, at most about ten times a second so holding ``j`` stays smooth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer
from textual.worker import WorkerState

from claimtui.review import ClaimRow, ReviewError, Workspace
from claimtui.review.queues import SORT_COLUMNS
from claimtui.review.staging import ActionKind, StagedAction
from claimtui.tui.case_pane import CasePane
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.detail import DetailArea
from claimtui.tui.dialogs import QueuePicker, SortPicker
from claimtui.tui.prompts import ConfirmDialog, LinePrompt, plural
from claimtui.tui.queue_view import QueueHeader, QueueView
from claimtui.tui.status import StatusLine

if TYPE_CHECKING:
    from claimtui.tui.app import ClaimApp

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
        Binding("l", "limit", "Limit", id="queue.limit"),
        Binding("L", "clear_limit", "Clear limit", show=False, id="queue.unlimit"),
        Binding("o", "sort", "Sort", show=False, id="queue.sort"),
        Binding("O", "reverse_sort", "Reverse sort", show=False, id="queue.reverse"),
        Binding("slash", "search", "Search", id="queue.search"),
        Binding("n", "next_match(1)", "Next match", show=False, id="queue.next"),
        Binding("N", "next_match(-1)", "Previous match", show=False, id="queue.prev"),
        Binding("space", "tag", "Tag", show=False, id="queue.tag"),
        Binding("v", "range_tag", "Range tag", show=False, id="queue.range-tag"),
        Binding("T", "tag_pattern", "Tag pattern", show=False, id="queue.tag-pattern"),
        Binding("semicolon", "bulk", "On tagged", show=False, id="queue.bulk"),
        Binding("a", "approve", "Approve", show=False, id="queue.approve"),
        Binding("p", "park", "Park", show=False, id="queue.park"),
        Binding("i", "note", "Note", show=False, id="queue.note"),
        Binding("e", "exempt", "Exempt rule", show=False, id="queue.exempt"),
        Binding("u", "undo", "Undo staged", show=False, id="queue.undo"),
        Binding("dollar_sign", "commit", "Commit", id="queue.commit"),
        Binding("1", "show_pane(1)", "Encounter", show=False, id="queue.pane-1"),
        Binding("2", "show_pane(2)", "Rules", show=False, id="queue.pane-2"),
        Binding("3", "show_pane(3)", "Segments", show=False, id="queue.pane-3"),
        Binding("4", "show_pane(4)", "History", show=False, id="queue.pane-4"),
        Binding("5", "show_pane(5)", "Case", show=False, id="queue.pane-5"),
        Binding("y", "copy", "Copy claim number", show=False, id="queue.copy"),
        Binding("q", "quit", "Quit", id="queue.quit"),
    ]

    def __init__(self, workspace: Workspace, queue: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.queue_view = QueueView(workspace, queue, id="queue")
        self.queue_view.marks = self._marks
        self.layout_name = "narrow"
        self.bulk = False
        """``;`` was pressed: the next action applies to every tagged claim."""
        self.range_anchor: int | None = None
        """Claim id where ``v`` started a range; None when no range is open."""
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

    @property
    def detail_shown(self) -> int | None:
        """Id of the claim the detail beside the queue shows; None if none."""
        return self._detail_shown

    @property
    def console(self) -> ClaimApp:
        """The app, with its staged actions and tags."""
        from claimtui.tui.app import ClaimApp

        assert isinstance(self.app, ClaimApp)
        return self.app

    def on_mount(self) -> None:
        self._arrange(self.size.width)
        self.queue_view.focus()
        self._load_detail()

    def on_resize(self, event: events.Resize) -> None:
        self._arrange(event.size.width)

    def on_screen_resume(self) -> None:
        self.queue_view.reload()
        self._detail_shown = None
        self._show_status()
        self._follow_cursor()

    def refresh_state(self) -> None:
        """Redraw marks and the status line after tags or staging changed."""
        self.queue_view.refresh()
        self._show_status()
        if self._detail_shown is not None:
            self._detail_shown = None
            self._follow_cursor()

    def on_queue_view_highlighted(self, event: QueueView.Highlighted) -> None:
        self._show_status()
        self._follow_cursor()

    def on_queue_view_opened(self, event: QueueView.Opened) -> None:
        self.open_claim(event.row)

    def open_claim(self, row: ClaimRow, pane: int = 2) -> None:
        """Open ``row``'s claim on its own screen, with ``pane`` focused."""
        self.app.push_screen(ClaimScreen(self.workspace, self.queue_view, row, pane))

    def on_case_pane_edit_requested(self, event: CasePane.EditRequested) -> None:
        # Edits are staged and previewed on the claim screen; enter on the case
        # beside the queue opens the claim there, on its case.
        event.stop()
        row = self.queue_view.current_row
        if row is not None:
            self.open_claim(row, pane=5)

    # Queues and limits --------------------------------------------------------

    def action_change_queue(self) -> None:
        try:
            queues = self.workspace.queues()
        except ReviewError as error:
            self.notify(str(error), severity="error")
            return
        self.app.push_screen(
            QueuePicker(queues, self.queue_view.queue), self._picked_queue
        )

    def _picked_queue(self, queue: str | None) -> None:
        if queue is not None:
            self.change_queue(queue)

    def change_queue(self, queue: str) -> None:
        """Show ``queue`` from its first claim; the limit is kept if it reads."""
        try:
            self.queue_view.show_queue(queue, self.queue_view.limit)
        except ReviewError as error:
            self.notify(str(error), severity="error")
            return
        self._detail_shown = None
        self._show_status()
        self._follow_cursor()
        view = self.queue_view
        if view.limit and not view.total and view.queue_total:
            self.notify(view.empty_text, severity="warning")

    def action_limit(self) -> None:
        prompt = LinePrompt(
            "Limit to claims matching:",
            self.queue_view.limit,
            placeholder="~p payer ~r rule ~s status ~a >1000 ~d from..to ~w ~x, ! | ()",
            history=self.console.command_history,
        )
        self.app.push_screen(prompt, self._limit_entered)

    def _limit_entered(self, pattern: str | None) -> None:
        if pattern is not None:
            self.apply_limit(pattern)

    def apply_limit(self, pattern: str) -> None:
        """Show only the claims matching ``pattern``; blank clears the limit."""
        try:
            self.queue_view.set_limit(pattern)
        except ReviewError as error:
            self.notify(str(error), title="Limit not changed", severity="error")
            return
        self._detail_shown = None
        self._show_status()
        self._follow_cursor()
        if pattern and not self.queue_view.total:
            self.notify("No claim in this queue matches; L clears the limit.")

    def action_clear_limit(self) -> None:
        self.apply_limit("")

    # Sort ---------------------------------------------------------------------

    def action_sort(self) -> None:
        view = self.queue_view
        self.app.push_screen(SortPicker(SORT_COLUMNS, view.sort), self._sort_chosen)

    def _sort_chosen(self, sort: str | None) -> None:
        if sort is not None:
            self.apply_sort(sort, self.queue_view.descending)

    def action_reverse_sort(self) -> None:
        view = self.queue_view
        self.apply_sort(view.sort, not view.descending)

    def apply_sort(self, sort: str, descending: bool) -> None:
        """Order the queue by ``sort`` (reversed if ``descending``); the claim
        under the cursor stays under it."""
        try:
            self.queue_view.set_sort(sort, descending)
        except ReviewError as error:
            self.notify(str(error), title="Sort not changed", severity="error")
            return
        self._detail_shown = None
        self._show_status()
        self._follow_cursor()

    # Search -------------------------------------------------------------------

    def action_search(self) -> None:
        prompt = LinePrompt(
            "Search (jumps and highlights, hides nothing):",
            self.queue_view.search,
            placeholder="smith · ~p payer · ~r rule · ~a >1000 …",
        )
        self.app.push_screen(prompt, self._search_entered)

    def _search_entered(self, pattern: str | None) -> None:
        if pattern is not None:
            self.apply_search(pattern)

    def apply_search(self, pattern: str) -> None:
        """Highlight claims matching ``pattern`` and jump to the next one."""
        self.queue_view.set_search(pattern)
        if pattern:
            self._jump(1, from_current=True)

    def action_next_match(self, direction: int) -> None:
        if not self.queue_view.search:
            self.notify("Search with / first.")
            return
        self._jump(direction, from_current=False)

    def _jump(self, direction: int, *, from_current: bool) -> None:
        view = self.queue_view
        row = view.current_row
        after = None
        if row is not None:
            after = row.id
            if from_current and direction > 0:
                # Start at the current claim itself: search after the one above.
                above = view.window.row(view.cursor - 1) if view.cursor else None
                after = above.id if above is not None else None
        try:
            found = self.workspace.find(
                view.queue,
                view.search,
                after=after,
                backward=direction < 0,
                limit=view.limit,
                sort=view.sort,
                descending=view.descending,
            )
        except ReviewError as error:
            view.set_search("")
            self.notify(str(error), title="Search", severity="error")
            return
        if found is None:
            self.notify(f"No claim here matches {view.search}.", severity="warning")
            return
        view.go_to(found)

    # Tags ---------------------------------------------------------------------

    def _marks(self, claim_id: int) -> str:
        marks = "*" if claim_id in self.console.tags else ""
        if self.console.staging.for_claim(claim_id):
            marks += "+"
        return marks

    def action_tag(self) -> None:
        row = self.queue_view.current_row
        if row is None:
            return
        tags = self.console.tags
        if row.id in tags:
            tags.discard(row.id)
        else:
            tags.add(row.id)
        self.queue_view.move_cursor(1)
        self.refresh_state()

    def action_range_tag(self) -> None:
        row = self.queue_view.current_row
        if row is None:
            return
        if self.range_anchor is None:
            self.range_anchor = row.id
            self.notify("Range started: move, then v again to tag the range.")
            self._show_status()
            return
        anchor = self.range_anchor
        self.range_anchor = None
        view = self.queue_view
        ids = self.workspace.claim_ids(
            view.queue, view.limit, sort=view.sort, descending=view.descending
        )
        # The range is what lies between the two claims on screen, in the
        # queue's current order, not between their ids.
        where = {claim_id: index for index, claim_id in enumerate(ids)}
        ends = [where.get(anchor, 0), where.get(row.id, len(ids) - 1)]
        chosen = ids[min(ends) : max(ends) + 1]
        self.console.tags.update(chosen)
        self.notify(f"Tagged {len(chosen):,} claims.")
        self.refresh_state()

    def action_tag_pattern(self) -> None:
        prompt = LinePrompt(
            "Tag every claim in this queue matching:",
            placeholder="~r MI-04 · ~p payer · ~a >1000 …",
        )
        self.app.push_screen(prompt, self._tag_entered)

    def _tag_entered(self, pattern: str | None) -> None:
        if pattern:
            self.tag_pattern(pattern)

    def tag_pattern(self, pattern: str) -> None:
        """Tag every claim of the queue (under the limit) matching ``pattern``."""
        view = self.queue_view
        combined = f"({view.limit}) ({pattern})" if view.limit else pattern
        try:
            ids = self.workspace.claim_ids(view.queue, combined)
        except ReviewError as error:
            self.notify(str(error), title="Tag", severity="error")
            return
        self.console.tags.update(ids)
        self.notify(f"Tagged {len(ids):,} claims; {len(self.console.tags):,} in all.")
        self.refresh_state()

    # Actions on the claim, or on every tagged claim after ; -------------------

    def action_bulk(self) -> None:
        if not self.console.tags:
            self.notify("Tag claims first: space, v or T.", severity="warning")
            return
        self.bulk = not self.bulk
        if self.bulk:
            count = len(self.console.tags)
            self.notify(
                f"The next action applies to all {count:,} tagged claims "
                "(a approve · p park · i note · e exempt · :assign USER)."
            )
        self._show_status()

    def _targets(self, rule_id: str = "") -> tuple[list[int], str] | None:
        """The claims the next action acts on, and how to say so; with
        ``rule_id``, how many of the tagged claims that rule holds."""
        if self.bulk:
            self.bulk = False
            self._show_status()
            ids = sorted(self.console.tags)
            view = self.queue_view
            shown = self.workspace.count_among(ids, view.queue, view.limit)
            hidden = len(ids) - shown
            words = f"{len(ids):,} tagged claims"
            if rule_id:
                held = dict(self.workspace.holding_rule_counts(ids)).get(rule_id, 0)
                words += f" — it holds {held:,} of them"
                if hidden:
                    words += f"; {hidden:,} not shown here"
            elif hidden:
                words += f" ({hidden:,} not shown here)"
            return ids, words
        row = self.queue_view.current_row
        if row is None:
            return None
        return [row.id], f"claim {row.patient_control_number}"

    def _stage_with_text(
        self,
        kind: ActionKind,
        question: str,
        *,
        required: bool = True,
        default: str = "",
        make: Callable[[int, str], StagedAction] | None = None,
        rule_id: str = "",
    ) -> None:
        if self.console.refuse_when_read_only():
            return
        targets = self._targets(rule_id)
        if targets is None:
            return
        ids, words = targets

        def entered(text: str | None) -> None:
            if text is None:
                return
            text = text or default
            if make is not None:
                actions = [make(claim_id, text) for claim_id in ids]
            else:
                actions = [StagedAction(claim_id, kind, text) for claim_id in ids]
            self.console.stage(actions)
            self.notify(
                f"Staged {kind} on {words}; $ commits, u undoes.", title="Staged"
            )

        prompt = LinePrompt(
            question.format(words=words),
            allow_empty=not required,
            placeholder="required" if required else default,
        )
        self.app.push_screen(prompt, entered)

    def action_approve(self) -> None:
        self._stage_with_text(
            "approve",
            "Approve {words} (release to ready); note:",
            required=False,
            default="approved",
        )

    def action_park(self) -> None:
        self._stage_with_text("park", "Park {words}; note:")

    def action_note(self) -> None:
        self._stage_with_text("note", "Note on {words}:")

    def action_exempt(self) -> None:
        if self.console.refuse_when_read_only():
            return
        row = self.queue_view.current_row
        default = row.rules[0] if row is not None and row.rules else ""
        if self.bulk:
            # The rule most of the tagged claims are held by, not the cursor's.
            counts = self.workspace.holding_rule_counts(self.console.tags)
            default = counts[0][0] if counts else ""
        prompt = LinePrompt("Exempt which rule?", default, allow_empty=False)
        self.app.push_screen(prompt, self._exempt_rule_chosen)

    def _exempt_rule_chosen(self, rule_id: str | None) -> None:
        if not rule_id:
            self.bulk = False
            self._show_status()
            return

        def make(claim_id: int, reason: str) -> StagedAction:
            return StagedAction(claim_id, "exempt", reason, rule_id=rule_id)

        self._stage_with_text(
            "exempt", f"Exempt {rule_id} on {{words}}. Why?", make=make, rule_id=rule_id
        )

    def stage_assign(self, user: str) -> None:
        """Stage assigning the claim (or, after ``;``, the tagged) to ``user``."""
        if self.console.refuse_when_read_only():
            return
        targets = self._targets()
        if targets is None:
            return
        ids, words = targets
        user = user or self.workspace.user
        reason = f"assigned to {user}"
        self.console.stage(
            [StagedAction(claim_id, "assign", reason, value=user) for claim_id in ids]
        )
        self.notify(f"Staged assigning {words} to {user}.", title="Staged")

    def action_undo(self) -> None:
        undone = self.console.staging.undo_last()
        if undone is None:
            self.notify("Nothing is staged.")
            return
        where = "the tagged claims" if undone.batch else f"claim {undone.claim_id}"
        self.notify(f"Unstaged {undone.describe()} on {where}.")
        self.console.refresh_screens()

    def action_commit(self) -> None:
        self.console.commit_staged()

    # Panes and leaving --------------------------------------------------------

    def action_copy(self) -> None:
        """Copy the claim number (CLM01) under the cursor (OSC 52, so over SSH
        too)."""
        row = self.queue_view.current_row
        if row is None:
            return
        self.app.copy_to_clipboard(row.patient_control_number)
        self.notify(f"Copied claim number {row.patient_control_number}.")

    def action_show_pane(self, number: int) -> None:
        self.detail_area.active = number

    async def action_quit(self) -> None:
        running = [
            worker.name
            for worker in self.app.workers
            if worker.group == "long-work" and worker.state == WorkerState.RUNNING
        ]
        if running:
            body = (
                f"{running[0]} is still running in the background. Quitting now "
                "stops it part way: wait for it to finish (a commit keeps only "
                "what it has written so far). Quit anyway?"
            )
            self.app.push_screen(ConfirmDialog("Quit", body), self._quit_answered)
            return
        staged = len(self.console.staging)
        if not staged:
            self.app.exit()
            return
        body = (
            f"{plural(staged, 'staged change')} not committed. Quit and drop "
            f"{'it' if staged == 1 else 'them'}? ($ commits instead)"
        )
        self.app.push_screen(ConfirmDialog("Quit", body), self._quit_answered)

    def _quit_answered(self, answer: bool | None) -> None:
        if answer:
            self.app.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_pane":
            return self.layout_name != "narrow"
        return True

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
        console = self.console
        mode = ""
        if self.bulk:
            mode = f"; → {len(console.tags):,} tagged"
        elif self.range_anchor is not None:
            mode = "v range open"
        state = replace(
            view.status_state(
                len(console.tags), len(console.staging), console.read_only
            ),
            mode=mode,
            sort="" if view.sort == "id" else SORT_COLUMNS[view.sort],
            descending=view.descending,
        )
        for status in self.query(StatusLine):  # none while the console closes
            status.show_state(state)

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
        if self.layout_name == "narrow":
            return
        row = self.queue_view.current_row
        if row is None:
            self._detail_shown = None
            self.detail_area.show(None)
            return
        if row.id == self._detail_shown:
            return
        staged = self.console.staging.for_claim(row.id)
        try:
            if staged:
                detail = self.workspace.preview(row.id, staged)
            else:
                detail = self.workspace.claim_detail(row.id)
        except ReviewError as error:
            self.notify(str(error), severity="error")
            return
        self._detail_shown = row.id
        self.detail_area.show(detail, staged)
