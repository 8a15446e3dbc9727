"""The review console application.

``ClaimApp`` opens on the held queue (or the first queue the workspace offers) and
works only through the ``Workspace`` it is given. Run it with ``run_console``.

What the biller has decided but not committed lives here, in the app: the staged
actions (``staging``) and the tagged claim ids (``tags``). Both screens read and
change them, and ``$`` commits the staged actions through the review layer in a
background worker. Long work (commit, export, import) always runs in a worker
thread behind a progress dialog, so the screen keeps drawing.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import rich
from rich.segment import Segments
from rich.traceback import Traceback
from textual import events
from textual.app import App
from textual.binding import ActiveBinding, Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from claimtui.review import ReviewError, Workspace
from claimtui.review.export import check_destination, default_export_path
from claimtui.review.staging import StagedAction, Staging, commit
from claimtui.tui.commands import CommandError, ConsoleCommands, help_text, split
from claimtui.tui.dialogs import HelpScreen, describe_bindings
from claimtui.tui.prompts import (
    CommitDialog,
    ConfirmDialog,
    LinePrompt,
    LockScreen,
    WorkDialog,
    plural,
)
from claimtui.tui.queue_screen import QueueScreen

DEFAULT_QUEUE = "held"
"""The queue the console opens on: the claims that need a person."""

IDLE_CHECK_SECONDS = 5.0
"""How often the idle lock looks at the clock."""

Progress = Callable[[int, int | None], None]


class ClaimApp(App[None]):
    """Review, correct and release 837P claims."""

    TITLE = "claimtui"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    COMMANDS: ClassVar = {ConsoleCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("colon", "command_line", "Command", id="app.command"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        *,
        read_only: bool = False,
        lock_minutes: float | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.started_read_only = read_only
        self.read_only = read_only
        """No action changes a claim (``--read-only`` or ``:readonly``)."""
        self.staging = Staging()
        """Actions decided and not yet committed, across claims."""
        self.tags: set[int] = set()
        """Ids of the claims tagged for a bulk action."""
        self.command_history: list[str] = []
        self.lock_minutes = (
            workspace.config.lock_minutes if lock_minutes is None else lock_minutes
        )
        self.last_key_at = time.monotonic()

    def get_default_screen(self) -> Screen[None]:
        return QueueScreen(self.workspace, self._first_queue())

    @property
    def root(self) -> QueueScreen:
        """The queue screen at the bottom of the stack."""
        screen = self.screen_stack[0]
        assert isinstance(screen, QueueScreen)
        return screen

    def on_mount(self) -> None:
        if self.workspace.config.keys:
            self.set_keymap(self.workspace.config.keys)
        self.set_interval(IDLE_CHECK_SECONDS, self.lock_when_idle)

    def _first_queue(self) -> str:
        try:
            names = [queue.name for queue in self.workspace.queues()]
        except ReviewError:
            return DEFAULT_QUEUE
        if DEFAULT_QUEUE in names or not names:
            return DEFAULT_QUEUE
        return names[0]

    # Keys everywhere ----------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self.last_key_at = time.monotonic()
        await super().on_event(event)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        bindings = self.screen.active_bindings
        display = {
            key: self.get_key_display(active.binding)
            for key, active in bindings.items()
        }
        context = type(self.screen).__name__.removesuffix("Screen").lower()
        # The screen's own keys first (what a biller came for), then the app's,
        # then the focused widget's movement keys.
        screen = self.screen
        entries = sorted(
            describe_bindings(bindings, display),
            key=lambda entry: (
                0 if entry[1].node is screen else 1 if entry[1].node is self else 2
            ),
        )
        self.push_screen(HelpScreen(entries, context), self._run_from_help)

    async def _run_from_help(self, chosen: ActiveBinding | None) -> None:
        if chosen is not None:
            await self.run_action(chosen.binding.action, chosen.node)

    def action_command_line(self) -> None:
        prompt = LinePrompt(
            ":",
            placeholder="queue NAME · claim ID · export · import PATH · help",
            history=self.command_history,
            hint="enter run · ↑ ↓ history · esc cancel · :help lists commands",
        )
        self.push_screen(prompt, self._command_entered)

    def _command_entered(self, line: str | None) -> None:
        if not line:
            return
        if not self.command_history or self.command_history[-1] != line:
            self.command_history.append(line)
        self.run_command(line)

    # Commands -----------------------------------------------------------------

    def run_command(self, line: str) -> None:
        """Run one command-line command; problems are shown, never raised."""
        try:
            name, arguments = split(line)
            self._run(name, arguments)
        except ReviewError as error:
            self.notify(str(error), title="Command", severity="error")

    def _run(self, name: str, arguments: list[str]) -> None:
        text = " ".join(arguments)
        if name == "queue":
            if not text:
                raise CommandError("name a queue, e.g. :queue held (c lists them)")
            self.open_queue(text)
        elif name == "claim":
            if not text:
                raise CommandError("give a claim id or number, e.g. :claim 42")
            self.go_to_claim(text)
        elif name == "limit":
            self._to_root().apply_limit(text)
        elif name == "search":
            self._to_root().apply_search(text)
        elif name == "tag":
            self._to_root().tag_pattern(text)
        elif name == "untag":
            self.tags.clear()
            self.refresh_screens()
        elif name == "assign":
            self.screen_assign(text)
        elif name == "commit":
            self.commit_staged()
        elif name == "export":
            self.export(text)
        elif name == "import":
            self.import_file(arguments)
        elif name == "readonly":
            self.set_read_only(text.lower() != "off")
        elif name == "lock":
            self.lock()
        elif name == "help":
            self.push_screen(ConfirmDialog("Commands", help_text(), "esc close"))

    def _to_root(self) -> QueueScreen:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        return self.root

    def open_queue(self, name: str) -> None:
        """Show queue ``name`` on the root screen."""
        self._to_root().change_queue(name)

    def go_to_claim(self, wanted: str) -> None:
        """Open a claim by its id or claim number (CLM01), from any screen."""
        claim_id = self._resolve_claim(wanted.strip())
        if claim_id is None:
            self.notify(f"No claim {wanted}.", severity="warning")
            return
        root = self._to_root()
        view = root.queue_view
        if not view.go_to(claim_id):
            root.change_queue("all")
            view.go_to(claim_id)
        row = view.current_row
        if row is not None and row.id == claim_id:
            root.open_claim(row)

    def _resolve_claim(self, wanted: str) -> int | None:
        if wanted.isdigit() and self.workspace.in_queue("all", int(wanted)):
            return int(wanted)
        quoted = '"' + wanted.replace('"', "") + '"'
        return self.workspace.find("all", quoted)

    def set_read_only(self, read_only: bool) -> None:
        """Switch read-only on, or off unless the console was started read-only."""
        if not read_only and self.started_read_only:
            self.notify(
                "Started with --read-only; restart without it to change claims.",
                severity="warning",
            )
            return
        self.read_only = read_only
        self.notify("Read-only: no change can be made." if read_only else "Edits on.")
        self.refresh_screens()

    def refuse_when_read_only(self) -> bool:
        """True (and says so) when the console is read-only."""
        if self.read_only:
            self.notify("Read-only: claims cannot be changed.", severity="warning")
        return self.read_only

    def screen_assign(self, user: str) -> None:
        """Stage assigning the claim(s) the screen acts on to ``user``."""
        act = getattr(self.screen, "stage_assign", None)
        if act is None:
            self.notify("Assign from the queue or a claim.", severity="warning")
            return
        act(user)

    # Staged changes -----------------------------------------------------------

    def stage(self, actions: list[StagedAction]) -> None:
        """Stage actions (several at once as one batch) and redraw what shows
        them."""
        if len(actions) == 1:
            self.staging.stage(actions[0])
        else:
            self.staging.stage_many(actions)
        self.refresh_screens()

    def refresh_screens(self) -> None:
        """Redraw the status line and marks of every screen in the stack."""
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_state", None)
            if refresh is not None:
                refresh()

    def commit_staged(self) -> None:
        """Show what the staged changes do; on confirmation, apply them."""
        if self.refuse_when_read_only():
            return
        if not self.staging.actions:
            self.notify("Nothing is staged.")
            return
        summary = self.staging.summary()
        self.push_screen(CommitDialog(summary), self._commit_confirmed)

    def _commit_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        actions = list(self.staging.actions)
        self.staging.clear()

        def job(progress: Progress) -> str:
            report = commit(self.workspace, actions, progress)
            lines = [f"Committed {report.applied} of {plural(len(actions), 'change')}."]
            if report.failures:
                lines.append(f"{len(report.failures)} could not be applied:")
                lines.extend(report.failures[:8])
            return "\n".join(lines)

        self.run_in_background(
            "Committing staged changes", job, self.after_change, unit="changes applied"
        )

    def after_change(self) -> None:
        """Fetch queues and the open claim again after claims changed."""
        self.root.queue_view.reload()
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)
            if reload is not None:
                reload()
        self.refresh_screens()

    # Long work ----------------------------------------------------------------

    def run_in_background(
        self,
        title: str,
        job: Callable[[Progress], str],
        done: Callable[[], None] | None = None,
        *,
        unit: str = "done",
    ) -> WorkDialog:
        """Run ``job`` in a worker thread behind a progress dialog.

        ``job`` gets a ``progress(done, total)`` callback and returns the outcome
        to show; a total of None keeps the bar indeterminate. ``unit`` names what
        is counted, e.g. "claims read". ``done`` runs on the app's thread
        afterwards.
        """
        dialog = WorkDialog(title, unit)
        self.push_screen(dialog)

        def progress(steps: int, total: int | None) -> None:
            self.call_from_thread(dialog.advance, steps, total)

        def work() -> None:
            try:
                outcome = job(progress)
            except ReviewError as error:
                outcome = f"Stopped: {error}"
            except Exception as error:  # a worker must not take the console down
                outcome = f"Stopped by an unexpected {type(error).__name__}."
            self.call_from_thread(self._work_finished, dialog, outcome, done)

        self.run_worker(work, thread=True, group="long-work", name=title)
        return dialog

    def _work_finished(
        self, dialog: WorkDialog, outcome: str, done: Callable[[], None] | None
    ) -> None:
        if dialog.is_attached:
            dialog.finish(outcome)
        else:
            self.notify(outcome, title=dialog.title_text)
        if done is not None:
            done()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification as plain text.

        Messages quote files, config sections and patterns such as
        ``[interchange]``, which Rich markup would swallow.
        """
        super().notify(
            message, title=title, severity=severity, timeout=timeout, markup=False
        )

    def export(self, path: str = "") -> None:
        """Ask where, confirm the count, then export ready claims in a worker."""
        if self.refuse_when_read_only():
            return
        if not path:
            default = str(default_export_path(dt.date.today()))
            prompt = LinePrompt("Export ready claims to file:", default)
            self.push_screen(prompt, self._export_to)
            return
        self._export_to(path)

    def _export_to(self, path: str | None) -> None:
        if not path:
            return
        ready = self.workspace.count("ready")
        if not ready:
            self.notify("No claim is ready to export.", severity="warning")
            return
        target = Path(path).expanduser().absolute()
        try:
            check_destination(target)
        except ReviewError as error:
            self.notify(str(error), title="Not exported", severity="error")
            return
        body = f"Write {ready:,} ready claims to {target} as one 837P interchange?"

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._run_export(target)

        self.push_screen(ConfirmDialog("Export", body), confirmed)

    def _run_export(self, target: Path) -> None:
        def job(progress: Progress) -> str:
            report = self.workspace.export(target, progress)
            lines = [
                f"Wrote {report.claim_count:,} claims to {report.path} "
                f"(interchange {report.interchange_control_number})."
            ]
            lines.extend(report.notes[:8])
            return "\n".join(lines)

        self.run_in_background(
            f"Exporting to {target.name}", job, self.after_change, unit="claims written"
        )

    def import_file(self, arguments: list[str]) -> None:
        """Import a file in a worker; ``--lenient`` keeps what can be trusted."""
        if self.refuse_when_read_only():
            return
        lenient = "--lenient" in arguments
        paths = [argument for argument in arguments if argument != "--lenient"]
        if len(paths) != 1:
            raise CommandError("name one file, e.g. :import batch.837 [--lenient]")
        path = Path(paths[0]).expanduser()

        def job(progress: Progress) -> str:
            report = self.workspace.import_path(
                path, lenient=lenient, progress=progress
            )
            lines = [
                f"{report.source}: {report.imported:,} claims imported, "
                f"{report.held:,} held."
            ]
            lines.extend(report.problems[:8])
            if len(report.problems) > 8:
                lines.append(f"and {len(report.problems) - 8} more problems")
            return "\n".join(lines)

        self.run_in_background(
            f"Importing {path.name}", job, self.after_change, unit="claims read"
        )

    # Idle lock ----------------------------------------------------------------

    def lock_when_idle(self, now: float | None = None) -> None:
        """Lock the console once nobody has pressed a key for ``lock_minutes``."""
        if self.lock_minutes <= 0 or self.is_locked:
            return
        now = time.monotonic() if now is None else now
        if now - self.last_key_at >= self.lock_minutes * 60:
            self.lock()

    @property
    def is_locked(self) -> bool:
        """True while the lock screen covers the console."""
        return any(isinstance(screen, LockScreen) for screen in self.screen_stack)

    def lock(self) -> None:
        """Cover every screen until a key is pressed."""
        if not self.is_locked:
            self.push_screen(LockScreen())

    # Crashes ------------------------------------------------------------------

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
