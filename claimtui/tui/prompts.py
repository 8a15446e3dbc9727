"""Prompts that keep the biller's place: the one-line prompt at the bottom, the
commit summary, the progress of long work, and the idle lock.

The one-line prompt serves ``l`` (limit), ``/`` (search), ``T`` (tag by
pattern), ``:`` (command line, with history) and the notes and reasons of staged
actions; it covers only the last lines of the screen, so the queue stays in view.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Static

from claimtui.review.staging import StagingSummary

TYPE_COUNT_FROM = 1000
"""From this many staged actions, confirming a commit means typing the count."""


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, the noun with an s unless the count is one."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


class LinePrompt(ModalScreen[str | None]):
    """One question on the bottom line; enter answers, esc cancels.

    With ``history``, up and down walk through earlier answers (newest first).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="line.cancel"),
        Binding("up", "history(1)", "Earlier", show=False, id="line.earlier"),
        Binding("down", "history(-1)", "Later", show=False, id="line.later"),
    ]

    def __init__(
        self,
        label: str,
        value: str = "",
        *,
        placeholder: str = "",
        history: list[str] | None = None,
        allow_empty: bool = True,
        hint: str = "enter confirm · esc cancel",
    ) -> None:
        super().__init__(classes="line-prompt-screen")
        self.label = label
        self.value = value
        self.placeholder = placeholder
        self.history = history if history is not None else []
        self.allow_empty = allow_empty
        self.hint = hint
        self._history_index = -1

    def compose(self) -> ComposeResult:
        with Vertical(classes="line-prompt"):
            yield Label(self.label, classes="line-label")
            yield Input(self.value, placeholder=self.placeholder, id="line")
            yield Static(self.hint, classes="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value.strip()
        if not answer and not self.allow_empty:
            self.notify("An answer is required.", severity="warning")
            return
        self.dismiss(answer)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        index = max(-1, min(len(self.history) - 1, self._history_index + step))
        self._history_index = index
        line = self.query_one(Input)
        line.value = "" if index < 0 else self.history[-1 - index]
        line.cursor_position = len(line.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def summary_text(summary: StagingSummary) -> Text:
    """The commit dialog's body: counts by kind, then reasons."""
    text = Text()
    text.append(
        f"{plural(summary.actions, 'staged change')} on "
        f"{plural(summary.claims, 'claim')}\n\n"
    )
    for kind, count in summary.kinds:
        text.append(f"  {count:>6,}  {kind}\n")
    if summary.reasons:
        text.append("\nReasons and notes\n", style="bold")
        for reason, count in summary.reasons[:8]:
            text.append(f"  {count:>6,}  {reason}\n")
        hidden = len(summary.reasons) - 8
        if hidden > 0:
            text.append(f"  and {hidden} more\n", style="dim")
    return text


class CommitDialog(ModalScreen[bool]):
    """The summary of what a commit will do; ``y`` or ``enter`` confirms.

    For large batches the count must be typed, so a stray enter cannot commit
    thousands of changes.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "cancel", "Cancel", id="commit.cancel"),
        Binding("y,enter", "confirm", "Commit", id="commit.confirm"),
    ]

    def __init__(self, summary: StagingSummary, title: str = "Commit") -> None:
        super().__init__(classes="dialog-screen")
        self.summary = summary
        self.title_text = title

    @property
    def must_type_count(self) -> bool:
        """True when the count has to be typed to confirm."""
        return self.summary.actions >= TYPE_COUNT_FROM

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(summary_text(self.summary))
            if self.must_type_count:
                yield Label(f"Type {self.summary.actions} to commit")
                yield Input(id="count")
                yield Static("enter confirm · esc cancel", classes="dialog-hint")
            else:
                yield Static("y confirm · n or esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        if self.must_type_count:
            # The count is what the user types next; the summary still scrolls.
            self.query_one("#count", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.replace(",", "").strip()
        if typed == str(self.summary.actions):
            self.dismiss(True)
        else:
            self.notify(f"Type {self.summary.actions} to commit.", severity="warning")

    def action_confirm(self) -> None:
        if not self.must_type_count:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ConfirmDialog(ModalScreen[bool]):
    """A yes or no question with a short body."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
    ]

    def __init__(
        self, title: str, body: str, hint: str = "y yes · n or esc no"
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.body = body
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.body, markup=False)
            yield Static(self.hint, classes="dialog-hint", markup=False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class WorkDialog(ModalScreen[None]):
    """Progress of work running in a background thread, then its outcome.

    The work goes on if the dialog is closed; its outcome then arrives as a
    notification.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close", id="work.close"),
    ]

    def __init__(self, title: str, unit: str = "done") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.unit = unit
        """What the count counts, e.g. "claims read"."""
        self.finished = False
        self.outcome = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield ProgressBar(total=None, show_eta=False, id="progress")
            yield Static("", id="progress-text", markup=False)
            yield Static("", id="outcome", markup=False)
            yield Static(
                "esc close (the work goes on in the background)",
                classes="dialog-hint",
                id="work-hint",
            )

    def advance(self, done: int, total: int | None) -> None:
        """Show ``done`` of ``total`` steps; a total of None (not known yet)
        keeps the bar indeterminate and shows only the count."""
        self.query_one(ProgressBar).update(total=total, progress=done)
        text = f"{done:,} {self.unit}"
        if total is not None:
            text = f"{done:,} of {total:,} {self.unit}"
        self.query_one("#progress-text", Static).update(text)

    def finish(self, outcome: str) -> None:
        """Show the outcome; the bar fills."""
        self.finished = True
        self.outcome = outcome
        bar = self.query_one(ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        self.query_one("#outcome", Static).update(outcome)
        self.query_one("#work-hint", Static).update("enter or esc close")

    def action_close(self) -> None:
        self.dismiss(None)


class LockScreen(ModalScreen[None]):
    """Covers the console while nobody is at the keyboard; any key unlocks.

    It draws nothing of the screens below, so no patient data stays visible.
    """

    def compose(self) -> ComposeResult:
        yield Static(
            "claimtui is locked after a while without a key.\n\n"
            "Press any key to go back to work.",
            id="lock-message",
        )

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.dismiss(None)
