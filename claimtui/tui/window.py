"""A bounded window of queue rows, fetched page by page with keyset paging.

The queue can hold a hundred thousand claims, so the console never asks for all of
them. ``RowWindow`` keeps at most ``cap`` consecutive rows together with the index
of the first one, and fetches more on demand with ``claim_rows(after=...)`` or
``claim_rows(before=...)``. A jump to the end starts again from the last page
(``Workspace.END``), so ``G`` costs one query however long the queue is, and a
jump to a claim (a search match, the cursor's claim after a sort) starts again
from the claim's own key.

Indexes are positions in the queue's stable order: by the sort column, then by
claim id, so a row's key ``(sort value, id)`` is unique. They are exact while the queue
does not change underneath; after a change (an exemption moves a claim out of the
queue, another biller releases one) ``reload`` fetches the rows again around the
same place and recounts.
"""

from __future__ import annotations

from typing import Any

from claimtui.review import ClaimRow, Workspace

DEFAULT_PAGE = 100
"""Rows fetched per query when moving through the queue."""

PAGES_KEPT = 3
"""How many pages of rows the window keeps at most."""

MAX_FETCH = 2000
"""The most rows one query asks for while walking to a distant row."""


class RowWindow:
    """At most ``cap`` consecutive rows of one queue, and where they start."""

    def __init__(
        self,
        workspace: Workspace,
        queue: str,
        *,
        page: int = DEFAULT_PAGE,
        pattern: str = "",
        sort: str = "id",
        descending: bool = False,
    ) -> None:
        self.workspace = workspace
        self.queue = queue
        self.pattern = pattern
        """The limit: only claims of the queue matching it are held and counted."""
        self.sort = sort
        """The column the queue is ordered by (ties by claim id)."""
        self.descending = descending
        """True when the order is reversed."""
        self.page = page
        self.cap = page * PAGES_KEPT
        """The most rows the window ever holds."""
        self.rows: list[ClaimRow] = []
        self.start = 0
        """Queue index of ``rows[0]``."""
        self.total = workspace.count(queue, pattern)
        """Claims in the queue (under the limit) when last counted."""

    @property
    def end(self) -> int:
        """Queue index just past the last row held."""
        return self.start + len(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, index: int) -> ClaimRow | None:
        """The row at ``index`` if the window holds it, without fetching."""
        if self.start <= index < self.end:
            return self.rows[index - self.start]
        return None

    def row(self, index: int) -> ClaimRow | None:
        """The row at ``index``, fetching it if needed; None past the end."""
        if not 0 <= index < self.total:
            return None
        self.ensure(index, index + 1)
        return self.get(index)

    def ensure(self, first: int, stop: int) -> None:
        """Make the window hold rows ``first`` up to ``stop`` (clamped to the queue).

        ``stop - first`` must stay well under ``cap``; the caller asks for what is
        on screen.
        """
        first = max(0, first)
        stop = min(stop, self.total)
        if first >= stop:
            return
        if not self.rows or self._distance(first, stop) > min(first, self.total - stop):
            self._jump(first, stop)
        if first < self.start:
            self._walk_back(first)
        if stop > self.end:
            self._walk_forward(stop)

    def place(self, index: int, key: tuple[Any, ...]) -> None:
        """Hold the rows around queue index ``index``, whose row has ``key``.

        Two queries by key, however far away the row is: walking there from
        the window or from an end of the queue would take one query for every
        ``MAX_FETCH`` rows on the way.
        """
        if self.get(index) is not None or not 0 <= index < self.total:
            return
        half = min(self.page // 2, index)
        before = self._fetch(before=key, limit=half) if half else []
        after = before[-1].key if before else None
        self.rows = before + self._fetch(after=after, limit=self.page)
        self.start = index - len(before)

    def reload(self) -> None:
        """Recount and fetch the held rows again, starting at the same place."""
        self.total = self.workspace.count(self.queue, self.pattern)
        if not self.rows:
            return
        before = self._fetch(before=self.rows[0].key, limit=1)
        after_key = before[-1].key if before else None
        if after_key is None:
            self.start = 0
        limit = max(len(self.rows), self.page)
        self.rows = self._fetch(after=after_key, limit=limit)
        if not self.rows and self.total:
            self.start = 0
            self.rows = self._fetch(limit=self.page)
        self.total = max(self.total, self.end)

    def _distance(self, first: int, stop: int) -> int:
        """How many rows lie between the window and the range ``first:stop``."""
        if stop <= self.start:
            return self.start - stop
        return max(0, first - self.end)

    def _jump(self, first: int, stop: int) -> None:
        """Start the window afresh from whichever end of the queue is nearer."""
        if first <= self.total - stop:
            self.start = 0
            self.rows = self._fetch(limit=self.page)
        else:
            self.rows = self._fetch(before=Workspace.END, limit=self.page)
            self.start = max(0, self.total - len(self.rows))

    def _walk_forward(self, stop: int) -> None:
        while stop > self.end:
            want = stop - self.end + self.page // 2
            limit = min(max(want, self.page), MAX_FETCH)
            after = self.rows[-1].key if self.rows else None
            rows = self._fetch(after=after, limit=limit)
            self.rows.extend(rows)
            if len(rows) < limit:
                self.total = self.end
            excess = len(self.rows) - self.cap
            if excess > 0:
                del self.rows[:excess]
                self.start += excess
            if not rows:
                return

    def _walk_back(self, first: int) -> None:
        while first < self.start and self.rows:
            want = self.start - first + self.page // 2
            limit = min(max(want, self.page), MAX_FETCH, self.start)
            rows = self._fetch(before=self.rows[0].key, limit=limit)
            if not rows:
                # The rows before ours went away; what we hold is now the top.
                self.start = 0
                return
            self.rows[:0] = rows
            self.start = max(0, self.start - len(rows))
            if len(self.rows) > self.cap:
                del self.rows[self.cap :]

    def _fetch(
        self,
        *,
        after: tuple[Any, ...] | None = None,
        before: tuple[Any, ...] | None = None,
        limit: int,
    ) -> list[ClaimRow]:
        return self.workspace.claim_rows(
            self.queue,
            after=after,
            before=before,
            limit=limit,
            pattern=self.pattern,
            sort=self.sort,
            descending=self.descending,
        )
