"""The review console application.

``ClaimApp`` opens on the held queue (or the first queue the workspace offers) and
works only through the ``Workspace`` it is given. Run it with ``run_console``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import rich
from rich.segment import Segments
from rich.traceback import Traceback
from textual.app import App
from textual.binding import ActiveBinding, Binding, BindingType
from textual.screen import Screen

from claimtui.review import ReviewError, Workspace
from claimtui.tui.dialogs import HelpScreen, describe_bindings
from claimtui.tui.queue_screen import QueueScreen

DEFAULT_QUEUE = "held"
"""The queue the console opens on: the claims that need a person."""


class ClaimApp(App[None]):
    """Review, correct and release 837P claims."""

    TITLE = "claimtui"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys", id="app.help"),
    ]

    def __init__(self, workspace: Workspace, *, read_only: bool = False) -> None:
        super().__init__()
        self.workspace = workspace
        self.read_only = read_only

    def get_default_screen(self) -> Screen[None]:
        return QueueScreen(
            self.workspace, self._first_queue(), read_only=self.read_only
        )

    def _first_queue(self) -> str:
        try:
            names = [queue.name for queue in self.workspace.queues()]
        except ReviewError:
            return DEFAULT_QUEUE
        if DEFAULT_QUEUE in names or not names:
            return DEFAULT_QUEUE
        return names[0]

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        bindings = self.screen.active_bindings
        display = {
            key: self.get_key_display(active.binding)
            for key, active in bindings.items()
        }
        context = type(self.screen).__name__.removesuffix("Screen").lower()
        entries = describe_bindings(bindings, display)
        self.push_screen(HelpScreen(entries, context), self._run_from_help)

    async def _run_from_help(self, chosen: ActiveBinding | None) -> None:
        if chosen is not None:
            await self.run_action(chosen.binding.action, chosen.node)

    def _fatal_error(self) -> None:
        # Textual's own crash report shows every local variable of every frame,
        # which here would print patient names and member ids to the terminal
        # (and into any log of it). Same report, without the locals.
        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()


def run_console(workspace: Workspace, *, read_only: bool = False) -> int:
    """Run the console in the terminal until the user quits.

    Returns the exit status: 0 after a normal quit, 1 after a crash.
    """
    app = ClaimApp(workspace, read_only=read_only)
    app.run()
    return app.return_code or 0
