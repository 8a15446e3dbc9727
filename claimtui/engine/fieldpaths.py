"""Model paths in rule actions: checking them at load time, expanding ``[*]``.

Actions name fields the way the rest of the product does
(``billing_provider.contact.phone``), and may use ``[*]`` for "every item",
as in ``service_lines[*].service_date``.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel

from claimtui.model import Encounter, get_path

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[(?:\d+|\*)\])*)")


class FieldPathError(ValueError):
    """A path in a rule that names no field of the encounter."""


def _unwrap(annotation: Any) -> Any:
    """The model class or list item type inside ``X | None`` and ``list[X]``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (
        typing.Union,
    ):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


def check_path(path: str) -> None:
    """Check that ``path`` names a field of the encounter model.

    Raises:
        FieldPathError: a part of the path is not a field, or indexes a non-list.
    """
    node: Any = Encounter
    for part in path.split("."):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise FieldPathError(f"'{path}' is not a field path (at '{part}')")
        name, indexes = match.group(1), match.group(2)
        if not (isinstance(node, type) and issubclass(node, BaseModel)):
            raise FieldPathError(f"'{path}': '{name}' is inside a plain value")
        field = node.model_fields.get(name)
        if field is None:
            raise FieldPathError(f"'{path}': {node.__name__} has no field '{name}'")
        node = _unwrap(field.annotation)
        for _ in range(indexes.count("[")):
            if typing.get_origin(node) is not list:
                raise FieldPathError(f"'{path}': '{name}' is not a list")
            node = _unwrap(typing.get_args(node)[0])


def expand_path(encounter: BaseModel, path: str) -> list[str]:
    """Concrete paths for ``path`` on this claim, one per item where ``[*]`` is.

    Paths through an absent optional part or an empty list expand to nothing.
    """
    if "[*]" not in path:
        return [path]
    head, _, tail = path.partition("[*]")
    items = get_path(encounter, head)
    if not isinstance(items, list):
        return []
    expanded: list[str] = []
    for index in range(len(items)):
        expanded.extend(expand_path(encounter, f"{head}[{index}]{tail}"))
    return expanded


def parent_present(encounter: BaseModel, path: str) -> bool:
    """True when every part above the last one exists on this claim."""
    parent, _, _ = path.rpartition(".")
    return not parent or get_path(encounter, parent) is not None
