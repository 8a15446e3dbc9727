"""The ``:`` command line and the ``ctrl+p`` command palette.

Both reach the same things: queues, a claim by id or number, limits, export and
import, read-only mode. The palette also lists every key of the screen it was
opened from, read from the live bindings, so it never drifts from the keys.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from claimtui.review import ReviewError

if TYPE_CHECKING:
    from claimtui.tui.app import ClaimApp


@dataclass(frozen=True)
class Command:
    """One command of the command line."""

    name: str
    usage: str
    help: str


COMMANDS = [
    Command("queue", ":queue NAME", "show a queue, e.g. held, mine, rule:MI-04"),
    Command("claim", ":claim ID", "open a claim by id or claim number"),
    Command("limit", ":limit PATTERN", "limit the queue; no pattern clears it"),
    Command("search", ":search PATTERN", "highlight and jump to matches"),
    Command("tag", ":tag PATTERN", "tag every claim in the queue that matches"),
    Command("untag", ":untag", "clear every tag"),
    Command("assign", ":assign USER", "stage assigning the claim (or tagged)"),
    Command("commit", ":commit", "commit staged changes (as $ does)"),
    Command("export", ":export [PATH]", "write ready claims to an 837P file"),
    Command("import", ":import PATH", "import an 837P, JSON or CSV file"),
    Command("readonly", ":readonly [off]", "refuse every change from now on"),
    Command("lock", ":lock", "cover the screen until a key is pressed"),
    Command("help", ":help", "list these commands"),
]
"""Every command, in the order ``:help`` lists them."""


class CommandError(ReviewError):
    """A command line that cannot run; the message says what to type."""


def split(line: str) -> tuple[str, list[str]]:
    """The command name and its arguments; a leading ``:`` is optional.

    Raises:
        CommandError: the line is blank, unknown, or its quotes do not close.
    """
    try:
        words = shlex.split(line.strip().removeprefix(":"))
    except ValueError:
        raise CommandError("close the quote in the command") from None
    if not words:
        raise CommandError("type a command, e.g. :queue held (:help lists them)")
    name = words[0].lower()
    known = {command.name for command in COMMANDS}
    matches = [known_name for known_name in known if known_name.startswith(name)]
    if name not in known and len(matches) != 1:
        raise CommandError(f"no command '{name}'; :help lists the commands")
    return (name if name in known else matches[0]), words[1:]


def help_text() -> str:
    """One line per command, for ``:help``."""
    width = max(len(command.usage) for command in COMMANDS)
    return "\n".join(
        f"{command.usage:<{width}}  {command.help}" for command in COMMANDS
    )


class ConsoleCommands(Provider):
    """Palette entries: the keys of the current screen, the queues, go to claim."""

    @property
    def console(self) -> ClaimApp:
        from claimtui.tui.app import ClaimApp

        assert isinstance(self.app, ClaimApp)
        return self.app

    def _entries(self) -> list[tuple[str, Callable[[], object], str]]:
        entries: list[tuple[str, Callable[[], object], str]] = []
        seen: set[str] = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.system or not binding.description:
                continue
            if binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            run = partial(self.app.run_action, binding.action, active.node)
            shown = self.app.get_key_display(binding)
            entries.append((binding.description, run, f"key {shown or key}"))
        try:
            queues = self.console.workspace.queues()
        except ReviewError:
            queues = []
        for queue in queues:
            open_queue = partial(self.console.open_queue, queue.name)
            title = f"Queue: {queue.title}"
            entries.append((title, open_queue, f"{queue.count:,} claims"))
        for command in COMMANDS:
            if command.usage.endswith(("NAME", "ID", "PATTERN", "PATH", "USER")):
                continue
            run_command = partial(self.console.run_command, command.name)
            entries.append((f"Command {command.usage}", run_command, command.help))
        return entries

    async def discover(self) -> Hits:
        for title, command, help in self._entries():
            yield DiscoveryHit(title, command, help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help)
        wanted = query.strip().removeprefix("claim").strip()
        if wanted:
            go = partial(self.console.go_to_claim, wanted)
            yield Hit(
                0.5, f"Go to claim {wanted}", go, help="by claim id or claim number"
            )
