"""Why a rule acted: the values its condition read, for the console to show.

A rule's trace keeps each part of its condition and whether it was true. A
biller also needs the values behind it (whose NPI, which amounts), so
``condition_values`` looks up the field paths a part names on the built claim.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from claimtui.engine.expressions import build_activation
from claimtui.model import Encounter

_PATH = re.compile(r"(?<![\w.\"])([a-z_]+(?:\.[a-z_]+)+)(?![\w(])")
"""A dotted field path such as ``rendering_provider.npi`` (not a call)."""

MISSING = object()
"""Marks a path that names no value on the claim."""


def _lookup(activation: dict[str, Any], path: str) -> Any:
    value: Any = activation
    for name in path.split("."):
        if not isinstance(value, dict) or name not in value:
            return MISSING
        value = value[name]
    return value


def condition_values(
    encounter: Encounter, expression: str, today: dt.date | None = None
) -> list[tuple[str, Any]]:
    """The field paths ``expression`` reads and their values on ``encounter``,
    in the order they appear; paths with no value there (a missing group, a
    name bound inside ``exists``) are left out.

    Values are those of the claim as built, after every rule ran.
    """
    activation = build_activation(encounter, today or dt.date.today())
    found: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for match in _PATH.finditer(expression):
        path = match.group(1)
        if path in seen:
            continue
        seen.add(path)
        value = _lookup(activation, path)
        if value is not MISSING and not isinstance(value, dict | list):
            found.append((path, value))
    return found
