"""Small modal screens: the reason prompt, the override prompt, the queue list and
the key help.

Each returns its answer through ``dismiss``; cancelling returns None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from claimtui.review import QueueInfo


class ReasonPrompt(ModalScreen[str | None]):
    """Ask why; the answer must not be blank."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog-screen")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            yield Input(placeholder="Reason (required)", id="reason")
            yield Static("enter confirm · esc cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.notify("A reason is required.", severity="warning")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class OverrideRequest:
    """What the override prompt collected."""

    path: str
    """Model path of the value to set, e.g. ``claim.frequency_code``."""
    value: str
    """The value to set, as typed."""
    reason: str
    """Why, in the user's words."""


class OverridePrompt(ModalScreen[OverrideRequest | None]):
    """Ask for the path, the value and the reason of an override or edit.

    ``note`` says what the rule did (before → after); ``field_help`` gives the
    help text of a path, shown under the path as it is typed; ``check`` says
    why a path and value cannot be staged (None when they can), asked when the
    value is entered, so a refusal comes before the reason is typed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(
        self,
        title: str,
        path: str = "",
        value: str = "",
        *,
        note: str = "",
        field_help: Callable[[str], str] | None = None,
        check: Callable[[str, str], str | None] | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.default_path = path
        self.default_value = value
        self.note = note
        self.field_help = field_help
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.note:
                yield Static(self.note, id="override-note", markup=False)
            yield Label("Field path")
            yield Input(self.default_path, id="path")
            yield Static("", id="field-help", classes="dialog-hint", markup=False)
            yield Label("New value")
            yield Input(self.default_value, id="value")
            yield Label("Reason")
            yield Input(placeholder="Reason (required)", id="reason")
            yield Static("enter next / confirm · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self._show_help(self.default_path)
        target = "#value" if self.default_path else "#path"
        self.query_one(target, Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "path":
            self._show_help(event.value.strip())

    def _show_help(self, path: str) -> None:
        words = self.field_help(path) if self.field_help and path else ""
        self.query_one("#field-help", Static).update(words)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = self.query_one("#path", Input).value.strip()
        value = self.query_one("#value", Input).value
        reason = self.query_one("#reason", Input).value.strip()
        if event.input.id == "value" and path and self.check is not None:
            problem = self.check(path, value)
            if problem is not None:
                self.notify(problem, title="Not accepted", severity="error")
                return
        if event.input.id != "reason":
            self.focus_next(Input)
            return
        if not path:
            self.notify("Name the field to override.", severity="warning")
            self.query_one("#path", Input).focus()
        elif not reason:
            self.notify("A reason is required.", severity="warning")
        else:
            self.dismiss(OverrideRequest(path, value, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)


class QueuePicker(ModalScreen[str | None]):
    """The queues with their counts; enter shows the chosen one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="queues.cancel"),
    ]

    def __init__(self, queues: list[QueueInfo], current: str) -> None:
        super().__init__(classes="dialog-screen")
        self.queues = queues
        self.current = current

    def compose(self) -> ComposeResult:
        width = max((len(queue.title) for queue in self.queues), default=10)
        width = min(width, 48)
        options: list[Option] = []
        group = None
        for queue in self.queues:
            if queue.group != group:
                group = queue.group
                options.append(
                    Option(Text(group or "Other", style="bold"), disabled=True)
                )
            title = (
                queue.title
                if len(queue.title) <= width
                else queue.title[: width - 1] + "…"
            )
            options.append(
                Option(f"  {title:<{width}}  {queue.count:>7,}", id=queue.name)
            )
        with Vertical(classes="dialog"):
            yield Label("Change queue", classes="dialog-title")
            yield OptionList(*options, id="queues")
            yield Static("enter show · ↑ ↓ move · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        queue_list = self.query_one(OptionList)
        for index in range(queue_list.option_count):
            if queue_list.get_option_at_index(index).id == self.current:
                queue_list.highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SortPicker(ModalScreen[str | None]):
    """The columns a queue can be sorted by; enter sorts by the chosen one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="sort.cancel"),
    ]

    def __init__(self, columns: dict[str, str], current: str) -> None:
        super().__init__(classes="dialog-screen")
        self.columns = columns
        self.current = current

    def compose(self) -> ComposeResult:
        options = [
            Option(f"  {label}", id=name) for name, label in self.columns.items()
        ]
        with Vertical(classes="dialog"):
            yield Label("Sort queue by", classes="dialog-title")
            yield OptionList(*options, id="sort-columns")
            yield Static("enter sort · O reverses · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        columns = self.query_one(OptionList)
        for index in range(columns.option_count):
            if columns.get_option_at_index(index).id == self.current:
                columns.highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def describe_bindings(
    bindings: dict[str, ActiveBinding], key_display: dict[str, str]
) -> list[tuple[str, ActiveBinding]]:
    """Group active bindings by what they do: ``[(keys, binding), ...]``.

    Keys bound to the same action on the same widget share a line, e.g. "j ↓".
    ``key_display`` maps each key to how it is written on screen.
    """
    grouped: dict[tuple[int, str], tuple[list[str], ActiveBinding]] = {}
    for key, active in bindings.items():
        if active.binding.system:
            continue
        group = (id(active.node), active.binding.action)
        keys, _ = grouped.setdefault(group, ([], active))
        keys.append(key_display.get(key, key))
    return [(" ".join(keys), active) for keys, active in grouped.values()]


class HelpScreen(ModalScreen[ActiveBinding | None]):
    """Every key of the screen it was opened from, read from the live bindings.

    Typing filters the list; enter runs the highlighted key's action. Each line
    ends with the binding's id, the name to remap it by in the config file.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close help", id="help.close"),
        Binding("down", "move(1)", "Next key", show=False, id="help.down"),
        Binding("up", "move(-1)", "Previous key", show=False, id="help.up"),
        Binding("pagedown", "page(1)", "Next page", show=False, id="help.page_down"),
        Binding("pageup", "page(-1)", "Previous page", show=False, id="help.page_up"),
    ]

    def __init__(self, entries: list[tuple[str, ActiveBinding]], context: str) -> None:
        super().__init__(classes="dialog-screen")
        self.entries = entries
        self.context = context
        self.shown: list[ActiveBinding] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Label(f"Keys: {self.context}", classes="dialog-title")
            yield Input(placeholder="filter", id="filter")
            yield OptionList(id="keys")
            yield Static("enter run · esc close", classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill("")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        keys = self.query_one(OptionList)
        if keys.highlighted is not None and keys.highlighted < len(self.shown):
            self.dismiss(self.shown[keys.highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index])

    def action_move(self, delta: int) -> None:
        keys = self.query_one(OptionList)
        if not self.shown:
            return
        current = keys.highlighted or 0
        keys.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    def action_page(self, pages: int) -> None:
        """Move a screenful of keys; on a small terminal most are below the fold."""
        height = self.query_one(OptionList).scrollable_content_region.height
        self.action_move(pages * max(1, height - 1))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _fill(self, pattern: str) -> None:
        needle = pattern.casefold()
        self.shown = []
        options: list[Option] = []
        width = max((len(keys) for keys, _ in self.entries), default=4)
        for keys, active in self.entries:
            description = active.binding.description or active.binding.action
            if needle and needle not in f"{keys} {description}".casefold():
                continue
            line = Text(f"{keys:<{width}}  ", style="bold")
            line.append(description, style="" if active.enabled else "dim")
            if active.binding.id:
                line.append(f"  {active.binding.id}", style="dim italic")
            self.shown.append(active)
            options.append(Option(line))
        keys_list = self.query_one(OptionList)
        keys_list.set_options(options)
        if options:
            keys_list.highlighted = 0
