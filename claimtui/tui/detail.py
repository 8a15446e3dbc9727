"""The detail area: the claim panes, stacked, side by side or tabbed.

Beside the queue on a wide terminal the panes stack and follow the cursor; on a
medium terminal one pane shows at a time under a tab bar; the claim screen puts
them side by side when there is room.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Tab, Tabs

from claimtui.review import ClaimDetail
from claimtui.review.staging import StagedAction
from claimtui.tui.case_pane import CasePane
from claimtui.tui.panes import (
    EncounterPane,
    HistoryPane,
    Pane,
    RulesPane,
    SegmentsPane,
)

Arrangement = Literal["stacked", "columns", "tabbed"]

CASE_PANE = 5
"""The case pane's number; stacked, it shares the height with the rules only."""


class DetailArea(Vertical):
    """The panes of one claim and how they are arranged."""

    arrangement: reactive[Arrangement] = reactive("stacked")
    """stacked: one above the other; columns: side by side; tabbed: one at a time."""

    active: reactive[int] = reactive(1)
    """Number of the pane shown when tabbed (1 Encounter, 2 Rules, 3 Segments,
    4 History, 5 Case)."""

    def compose(self) -> ComposeResult:
        yield Tabs(
            Tab("1 Encounter", id="tab-1"),
            Tab("2 Rules", id="tab-2"),
            Tab("3 Segments", id="tab-3"),
            Tab("4 History", id="tab-4"),
            Tab("5 Case", id="tab-5"),
        )
        with Vertical(classes="panes"):
            yield EncounterPane(id="pane-1")
            yield RulesPane(id="pane-2")
            yield SegmentsPane(id="pane-3")
            yield HistoryPane(id="pane-4")
            yield CasePane(id="pane-5")

    @property
    def panes(self) -> list[Pane]:
        """The panes in number order."""
        return list(self.query(Pane))

    @property
    def rules_pane(self) -> RulesPane:
        """Pane 2."""
        return self.query_one(RulesPane)

    @property
    def case_pane(self) -> CasePane:
        """Pane 5."""
        return self.query_one(CasePane)

    def pane(self, number: int) -> Pane:
        """Pane ``number`` (1 to 5)."""
        return self.query_one(f"#pane-{number}", Pane)

    def show(
        self, detail: ClaimDetail | None, staged: Sequence[StagedAction] = ()
    ) -> None:
        """Draw ``detail`` in every pane; history lists ``staged`` actions too,
        and the case counts staged edits as made."""
        for pane in self.panes:
            if isinstance(pane, HistoryPane | CasePane):
                pane.show(detail, staged)
            else:
                pane.show(detail)

    def focus_pane(self, number: int) -> None:
        """Show pane ``number`` and give it the keyboard."""
        self.active = number
        self.pane(number).focus_target.focus()

    def watch_arrangement(self, arrangement: Arrangement) -> None:
        for name in ("stacked", "columns", "tabbed"):
            self.set_class(name == arrangement, f"-{name}")

    def watch_active(self, number: int) -> None:
        self.set_class(number == CASE_PANE, "-case")
        for pane in self.panes:
            pane.set_class(pane.number == number, "-active")
        self.query_one(Tabs).active = f"tab-{number}"

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab.id is not None:
            self.active = int(event.tab.id.removeprefix("tab-"))

    def on_descendant_focus(self) -> None:
        focused = self.screen.focused
        for pane in self.panes:
            if focused is not None and pane in focused.ancestors_with_self:
                self.active = pane.number
