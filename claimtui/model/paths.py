"""Read and write encounter values by dotted path, e.g. ``service_lines[0].modifiers``.

Rules, overrides, edits and segment provenance all name values this way, so one
syntax serves the trace, the console and the command line.
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")
_INDEX = re.compile(r"\[(\d+)\]")


class PathError(ValueError):
    """A path that names no value of the model."""


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        match = _PART.fullmatch(part)
        if match is None:
            raise PathError(f"'{path}' is not a field path (at '{part}')")
        steps.append(match.group(1))
        steps.extend(int(index) for index in _INDEX.findall(match.group(2)))
    return steps


def _step(node: Any, step: str | int, path: str) -> Any:
    if isinstance(step, int):
        if not isinstance(node, list) or step >= len(node):
            raise PathError(f"'{path}': there is no item {step}")
        return node[step]
    if not isinstance(node, BaseModel) or step not in type(node).model_fields:
        raise PathError(f"'{path}': no field '{step}'")
    return getattr(node, step)


def get_path(root: BaseModel, path: str) -> Any:
    """Return the value at ``path``; None when an optional part on the way is unset.

    Raises:
        PathError: the path names a field the model does not have.
    """
    node: Any = root
    for step in _steps(path):
        if node is None:
            return None
        node = _step(node, step, path)
    return node


def set_path(root: BaseModel, path: str, value: Any) -> None:
    """Set the value at ``path`` in place, validating it against the field's type.

    Raises:
        PathError: the path does not exist, or an optional part on the way is unset.
        pydantic.ValidationError: the value does not fit the field.
    """
    steps = _steps(path)
    node: Any = root
    for step in steps[:-1]:
        node = _step(node, step, path)
        if node is None:
            raise PathError(f"'{path}': '{step}' is not present on this claim")
    last = steps[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise PathError(f"'{path}': there is no item {last}")
        node[last] = value
        return
    if not isinstance(node, BaseModel) or last not in type(node).model_fields:
        raise PathError(f"'{path}': no field '{last}'")
    typed = isinstance(value, str | int) and not isinstance(value, bool)
    if typed and _holds_list(type(node).model_fields[last].annotation):
        value = list_from_text(str(value))
    setattr(node, last, value)


def list_from_text(text: str) -> list[str]:
    """The items of a list typed as text, as a person types them in a field:
    ``25, 59``, ``25 59``, ``[25, 59]`` or ``["25", "59"]``; blank for none."""
    inner = text.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    items = (item.strip().strip("\"'") for item in re.split(r"[,\s]+", inner))
    return [item for item in items if item]


def _holds_list(annotation: Any) -> bool:
    """True for a ``list[...]`` field, optional or not."""
    return any(
        typing.get_origin(candidate) is list
        for candidate in (annotation, *typing.get_args(annotation))
    )
