"""The status line: which queue, which limit, how many claims, and the mode.

An active filter nobody can see is the commonest way to get lost in a queue, so
the status line names the limit even when there is none.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static


@dataclass(frozen=True)
class StatusState:
    """Everything the status line shows."""

    queue: str
    """Title of the queue shown."""
    position: int
    """1-based position of the cursor; 0 in an empty queue."""
    shown: int
    """Claims shown under the limit."""
    total: int
    """Claims in the queue."""
    limit: str = ""
    """The active limit pattern; empty when none."""
    search: str = ""
    """The search pattern highlighted; empty when none."""
    tagged: int = 0
    """Claims tagged for a bulk action."""
    staged: int = 0
    """Changes staged and not yet committed."""
    read_only: bool = False
    """Started read-only: no action changes a claim."""
    mode: str = ""
    """A pending key sequence, e.g. ``;`` waiting for the action for tagged."""
    sort: str = ""
    """The label of the sort column; empty when sorted by claim id."""
    descending: bool = False
    """The sort is reversed."""


def status_text(state: StatusState) -> Text:
    """The status line for ``state``."""
    text = Text(" ")
    if state.mode:
        text.append(state.mode, style="bold reverse")
        text.append(" │ ")
    text.append(state.queue, style="bold")
    if state.limit:
        text.append(" │ limit ")
        text.append(state.limit, style="bold reverse")
    else:
        text.append(" │ no limit")
    if state.sort or state.descending:
        arrow = "↓" if state.descending else "↑"
        text.append(f" │ sort {state.sort or 'Claim'} {arrow}")
    if state.search:
        text.append(f" │ /{state.search}")
    text.append(f" │ {state.position:,}/{state.shown:,}")
    if state.shown != state.total:
        text.append(f" of {state.total:,}")
    text.append(f" │ tagged {state.tagged:,} │ staged {state.staged:,}")
    if state.read_only:
        text.append(" │ ")
        text.append("READ-ONLY", style="bold reverse")
    return text


class StatusLine(Static):
    """One line at the bottom of every main screen."""

    def show_state(self, state: StatusState) -> None:
        """Redraw for ``state``."""
        self.update(status_text(state))
