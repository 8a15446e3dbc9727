"""Check the field names a condition uses against the encounter model.

CEL resolves ``claim.place_of_servise`` only when a claim runs the rule, and then
as a missing key, so a misspelt field would quietly make a rule never fire. This
walks every dotted name in a condition through the model at load time instead.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel

from claimtui.model import Encounter, OtherCoverage, ServiceLine

_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_BINDING = re.compile(
    r"([A-Za-z_][\w.]*)\s*\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*"
    r"([A-Za-z_]\w*)\s*,"
)
_CHAIN = re.compile(r"(?<![\w.])([A-Za-z_]\w*)((?:\s*\.\s*[A-Za-z_]\w*)+)(\s*\()?")
_UNCHECKED_ROOTS = frozenset({"facts", "today"})


def _unwrap(annotation: Any) -> Any:
    """The model or scalar type behind Optional[...] and list[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0]
        elif origin is list:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def _walk(model: Any, steps: list[str]) -> str | None:
    """The first step that names no field, or None when the path exists."""
    current = model
    for step in steps:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return step
        field = current.model_fields.get(step)
        if field is None:
            return step
        current = _unwrap(field.annotation)
    return None


def _root_types(source: str) -> dict[str, Any]:
    roots: dict[str, Any] = {
        name: _unwrap(field.annotation)
        for name, field in Encounter.model_fields.items()
    }
    roots["line"] = ServiceLine
    roots["coverage"] = OtherCoverage
    for collection, variable in _BINDING.findall(source):
        head, *rest = collection.split(".")
        current = roots.get(head)
        for step in rest:
            fields = getattr(current, "model_fields", {})
            current = _unwrap(fields[step].annotation) if step in fields else None
        roots[variable] = current
    return roots


def unknown_fields(source: str) -> list[str]:
    """Dotted names in ``source`` that the encounter model does not have."""
    source = _STRING.sub("''", source)
    roots = _root_types(source)
    unknown = []
    for match in _CHAIN.finditer(source):
        root = match.group(1)
        steps = [step.strip() for step in match.group(2).split(".")[1:]]
        if match.group(3):
            steps = steps[:-1]  # the last name is a method call, e.g. .size()
        if root in _UNCHECKED_ROOTS or root not in roots or roots[root] is None:
            continue
        bad = _walk(roots[root], steps)
        if bad is not None:
            unknown.append(f"{root}.{'.'.join(steps)} (no field '{bad}')")
    return unknown
