"""The queue list: a line-rendered scroll view over a bounded window of rows.

Only the lines on screen are drawn, and only a few pages of rows are held (see
``RowWindow``); the scroll bar still spans the whole queue, because the virtual
height is the queue's count. A stock data table would hold every row and freezes
on large queues.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from claimtui.review import ClaimRow, ReviewError, Workspace
from claimtui.review.queues import queue_title
from claimtui.tui.columns import Column, format_header, format_row, layout_columns
from claimtui.tui.status import StatusState
from claimtui.tui.window import DEFAULT_PAGE, RowWindow

SIDEWAYS = frozenset({"scroll_left", "scroll_right", "page_left", "page_right"})
"""Scroll actions the queue does without."""


class QueueView(ScrollView, can_focus=True):
    """The claims of one queue, one per line, with a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="queue.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="queue.up"),
        Binding("g,home", "first", "First claim", show=False, id="queue.first"),
        Binding("G,end", "last", "Last claim", show=False, id="queue.last"),
        Binding(
            "ctrl+d", "half_page(1)", "Half page down", show=False, id="queue.half-down"
        ),
        Binding(
            "ctrl+u", "half_page(-1)", "Half page up", show=False, id="queue.half-up"
        ),
        Binding("pagedown", "page(1)", "Page down", show=False, id="queue.page-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="queue.page-up"),
        Binding("enter", "open", "Open claim", id="queue.open"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-view--cursor",
        "queue-view--held",
        "queue-view--match",
        "queue-view--placeholder",
    }

    DEFAULT_CSS = """
    QueueView {
        overflow-x: hidden;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)
    """Queue index of the highlighted claim."""

    class Highlighted(Message):
        """The cursor moved to another claim (or the queue became empty)."""

        def __init__(self, view: QueueView, row: ClaimRow | None) -> None:
            super().__init__()
            self.view = view
            self.row = row
            """The claim under the cursor, None in an empty queue."""

    class Opened(Message):
        """The user asked to open the claim under the cursor."""

        def __init__(self, view: QueueView, row: ClaimRow) -> None:
            super().__init__()
            self.view = view
            self.row = row

    def __init__(
        self,
        workspace: Workspace,
        queue: str,
        *,
        page: int = DEFAULT_PAGE,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.workspace = workspace
        self.page = page
        self.window = RowWindow(workspace, queue, page=page)
        self.columns: list[Column] = layout_columns(80)
        self.header: Widget | None = None
        """A widget to redraw when the columns change (the header line)."""
        self.queue_total = self.window.total
        """Claims in the queue, whatever the limit."""
        self.search = ""
        """The search pattern whose matches are highlighted; empty for none."""
        self._matches: set[int] = set()
        self._checked: set[int] = set()
        self.marks: Callable[[int], str] | None = None
        """Extra flag letters for a claim id (``*`` tagged, ``+`` staged)."""

    @property
    def queue(self) -> str:
        """The queue shown."""
        return self.window.queue

    @property
    def total(self) -> int:
        """Claims shown: in the queue and under the limit."""
        return self.window.total

    @property
    def limit(self) -> str:
        """The limit pattern; empty when the whole queue shows."""
        return self.window.pattern

    @property
    def sort(self) -> str:
        """The column the queue is sorted by."""
        return self.window.sort

    @property
    def descending(self) -> bool:
        """True when the sort is reversed."""
        return self.window.descending

    @property
    def window_size(self) -> int:
        """Rows this widget holds right now (never more than ``window_cap``)."""
        return len(self.window)

    @property
    def window_cap(self) -> int:
        """The most rows this widget ever holds."""
        return self.window.cap

    @property
    def current_row(self) -> ClaimRow | None:
        """The claim under the cursor."""
        return self.window.row(self.cursor)

    @property
    def empty_text(self) -> str:
        """What an empty list says: a limit that hides claims is named, with how
        many it hides and how to clear it."""
        if not self.limit:
            return f"No claims in the {self.queue} queue."
        if self.queue_total:
            return (
                f"No claims match limit {self.limit} in {self.queue} "
                f"({self.queue_total:,} hidden by the limit; L clears it)"
            )
        return f"No claims in the {self.queue} queue (limit {self.limit}; L clears it)"

    def status_state(self, tagged: int, staged: int, read_only: bool) -> StatusState:
        """What the status line says of this queue, the claims tagged and the
        changes staged, the same under the queue and over an open claim."""
        return StatusState(
            queue=queue_title(self.queue),
            position=self.cursor + 1 if self.total else 0,
            shown=self.total,
            total=self.queue_total,
            limit=self.limit,
            search=self.search,
            tagged=tagged,
            staged=staged,
            read_only=read_only,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Rows are cut to the width, so sideways scrolling has nothing to show
        # and stays out of the help list.
        return action not in SIDEWAYS

    def on_mount(self) -> None:
        self._update_virtual_size()
        self.cursor = 0

    def on_resize(self) -> None:
        self.columns = layout_columns(self.scrollable_content_region.width)
        self._update_virtual_size()
        if self.header is not None:
            self.header.refresh()

    def show_queue(
        self,
        queue: str,
        pattern: str = "",
        *,
        sort: str | None = None,
        descending: bool | None = None,
    ) -> None:
        """Show a queue (under a limit ``pattern``) from its first claim, in the
        current sort unless ``sort`` or ``descending`` is given.

        Raises:
            ReviewError: no such queue, or the pattern cannot be read.
        """
        window = RowWindow(
            self.workspace,
            queue,
            page=self.page,
            pattern=pattern,
            sort=self.sort if sort is None else sort,
            descending=self.descending if descending is None else descending,
        )
        self.window = window
        self.queue_total = self.workspace.count(queue) if pattern else window.total
        self._update_virtual_size()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = 0
        self.refresh()

    def set_limit(self, pattern: str) -> None:
        """Show only claims matching ``pattern``, keeping the cursor's claim in
        view when it still shows.

        Raises:
            ReviewError: the pattern cannot be read.
        """
        current = self.current_row
        self.show_queue(self.queue, pattern)
        if current is not None:
            self.go_to(current.id)

    def set_sort(self, sort: str, descending: bool) -> None:
        """Order the queue by ``sort``, keeping the cursor's claim under the
        cursor.

        Raises:
            ReviewError: the queue cannot be sorted by ``sort``.
        """
        current = self.current_row
        self.show_queue(self.queue, self.limit, sort=sort, descending=descending)
        if current is not None:
            self.go_to(current.id)

    def set_search(self, pattern: str) -> None:
        """Highlight claims matching ``pattern`` (nothing is hidden)."""
        self.search = pattern
        self._matches = set()
        self._checked = set()
        self.refresh()

    def go_to(self, claim_id: int) -> bool:
        """Put the cursor on the claim; False when it does not show here."""
        if not self.workspace.count_among([claim_id], self.queue, self.limit):
            return False
        index = self.workspace.position(
            self.queue,
            claim_id,
            self.limit,
            sort=self.sort,
            descending=self.descending,
        )
        key = self.workspace.row_key(claim_id, self.sort)
        if key is not None:
            self.window.place(index, key)
        row = self.window.row(index)
        if row is None or row.id != claim_id:
            return False
        self.cursor = index
        return True

    def reload(self) -> None:
        """Fetch the rows again (claims may have left the queue) and recount."""
        self.window.reload()
        self.queue_total = (
            self.workspace.count(self.queue) if self.limit else self.window.total
        )
        self._checked = set()
        self._matches = set()
        self._update_virtual_size()
        self.cursor = min(self.cursor, max(0, self.total - 1))
        self.refresh()

    def contains(self, row: ClaimRow) -> bool:
        """Whether the claim of ``row`` is still in this queue."""
        return self.workspace.in_queue(self.queue, row.id)

    def move_cursor(self, delta: int) -> ClaimRow | None:
        """Move the cursor ``delta`` claims; return the claim now under it."""
        self.cursor = self._clamp(self.cursor + delta)
        return self.current_row

    def watch_cursor(self, old: int, new: int) -> None:
        clamped = self._clamp(new)
        if clamped != new:
            self.cursor = clamped
            return
        self._scroll_cursor_into_view()
        self.refresh_line(old)
        self.refresh_line(new)
        self.post_message(self.Highlighted(self, self.current_row))

    def action_cursor_down(self) -> None:
        self.move_cursor(1)

    def action_cursor_up(self) -> None:
        self.move_cursor(-1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(0, self.total - 1)

    def action_half_page(self, direction: int) -> None:
        self.move_cursor(direction * max(1, self.scrollable_content_region.height // 2))

    def action_page(self, direction: int) -> None:
        self.move_cursor(direction * max(1, self.scrollable_content_region.height - 1))

    def action_open(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.Opened(self, row))

    def render_lines(self, crop: Region) -> list[Strip]:
        top = int(self.scroll_y) + crop.y
        self.window.ensure(top, top + crop.height)
        if self.search:
            self._check_matches()
        return super().render_lines(crop)

    def _check_matches(self) -> None:
        """Ask once per held row whether it matches the search."""
        unchecked = [row.id for row in self.window.rows if row.id not in self._checked]
        if not unchecked:
            return
        try:
            self._matches |= self.workspace.matching(unchecked, self.search)
        except ReviewError:
            self.search = ""
            return
        self._checked.update(unchecked)

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if self.total == 0:
            # Wrapped, so the way out (L clears it) shows on a narrow screen too.
            style = self.get_component_rich_style("queue-view--placeholder")
            lines = textwrap.wrap(self.empty_text, max(20, width - 2))
            text = " " + lines[index] if index < len(lines) else ""
            return Strip([Segment(text, style)]).adjust_cell_length(width, style)
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        row = self.window.get(index)
        if row is None:
            style = self.get_component_rich_style("queue-view--placeholder")
            return Strip([Segment(" " * width, style)], width)
        marks = self.marks(row.id) if self.marks is not None else ""
        if marks:
            row = replace(row, flags=marks + row.flags)
        text = format_row(self.columns, row)
        return Strip([Segment(text, self._row_style(index, row))]).adjust_cell_length(
            width, self.rich_style
        )

    def _row_style(self, index: int, row: ClaimRow) -> Style:
        style = self.rich_style
        if row.errors:
            style += self.get_component_rich_style("queue-view--held")
        if row.id in self._matches:
            style += self.get_component_rich_style("queue-view--match")
        if index == self.cursor:
            style += self.get_component_rich_style("queue-view--cursor")
        return style

    def _clamp(self, index: int) -> int:
        return max(0, min(index, self.total - 1))

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total)

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif height and self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)


class QueueHeader(Static):
    """The column titles above a ``QueueView``."""

    def __init__(self, view: QueueView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view
        view.header = self

    def render(self) -> Text:
        padding = " " * self.view.styles.gutter.left
        return Text(padding + format_header(self.view.columns), no_wrap=True)
