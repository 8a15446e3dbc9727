"""Why a rule acted: the values its condition read, for the console to show.

A rule's trace keeps each part of its condition and whether it was true. A
biller also needs the values behind it (whose NPI, which amounts), so
``condition_values`` looks up the field paths a part names on the built claim.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, get_args

from pydantic import BaseModel

from claimtui.engine.expressions import build_activation
from claimtui.model import Encounter, PathError, get_path

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


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as ``list[Line] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def field_help(path: str) -> str:
    """The description of the encounter field at model ``path`` (help text for
    the editor), found by the model's types, so a field of an absent group has
    help too; '' when the path names no described field."""
    model: type[BaseModel] | None = Encounter
    description = ""
    for name in path.split("."):
        name = name.split("[", 1)[0]
        if model is None or name not in model.model_fields:
            return ""
        info = model.model_fields[name]
        description = info.description or ""
        model = _model_in(info.annotation)
    return description


def field_text(encounter: Encounter, path: str) -> str:
    """The value at model ``path`` as an editor prefills it; '' when unset or
    when the path names no field."""
    try:
        value = get_path(encounter, path)
    except PathError:
        return ""
    if isinstance(value, list) and not any(
        isinstance(item, BaseModel | list | dict) for item in value
    ):
        return ", ".join(str(item) for item in value)
    if value is None or isinstance(value, BaseModel | list | dict):
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)
