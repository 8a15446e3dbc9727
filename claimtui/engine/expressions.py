"""Rule conditions: compiling CEL once, splitting them for the trace, evaluating.

A condition is a CEL (Common Expression Language) expression over the claim's
*activation*: the encounter as plain values, one root per top-level field
(``claim``, ``subscriber``, ``service_lines``, ...), plus ``facts`` (values worked
out once per claim) and ``today``. Dates are ISO strings, money is a number.

So the trace can say why a rule fired, the condition is split at its top level:
``a && b && c`` is kept as three parts, each compiled and evaluated on its own,
and combined the way CEL would combine them (a false part makes ``&&`` false
even when another part errors). Parts after the one that decides are not
evaluated; the trace marks them so.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import cel
from pydantic import BaseModel

from claimtui.engine.helpers import HELPERS
from claimtui.engine.native import (
    NativeFunction,
    Unsupported,
    compile_decider,
    compile_native,
)
from claimtui.engine.tables import TABLE_FUNCTIONS
from claimtui.model import Encounter
from claimtui.model.encounter import RULES_VIEW

NOT_EVALUATED = "(not evaluated)"
"""The value the trace shows for a part after the one that decided."""

ROOTS = frozenset(Encounter.model_fields) | {"facts", "today", "line", "coverage"}
"""Variable names a condition may use at its top level."""

_CEL_FUNCTIONS = frozenset(
    [
        "size",
        "has",
        "all",
        "exists",
        "exists_one",
        "map",
        "filter",
        "startsWith",
        "endsWith",
        "contains",
        "int",
        "uint",
        "double",
        "string",
        "bytes",
        "type",
        "dyn",
        "timestamp",
        "duration",
        "getFullYear",
        "getMonth",
        "getDate",
        "getDayOfMonth",
        "getDayOfWeek",
        "getHours",
    ]
)
"""Built-in CEL functions this interpreter provides (checked one by one)."""

_MACRO_VARIABLE = re.compile(
    r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,"
)


class ConditionError(ValueError):
    """A condition that does not compile or names something that does not exist."""


@dataclass(frozen=True)
class CompiledPart:
    """One expression, compiled: by ``cel``, and to Python when it can be."""

    source: str
    program: cel.Program
    native: NativeFunction | None = None
    """The expression as a Python function (see ``claimtui.engine.native``)."""


@dataclass(frozen=True)
class Condition:
    """A compiled condition: its parts and how they combine."""

    source: str
    parts: tuple[CompiledPart, ...]
    join: Literal["and", "or"]
    whole: CompiledPart
    """The condition compiled as one expression, for value expressions."""
    decide: NativeFunction | None = None
    """Python function telling which part made the condition false, if any
    (``native.compile_decider``); None when a part has no Python form."""


def _split_top_level(source: str, operator: str) -> list[str]:
    """Split ``source`` at ``operator`` where it is outside brackets and strings."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    index = 0
    while index < len(source):
        char = source[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "?" and depth == 0:
            return [source]
        elif depth == 0 and source.startswith(operator, index):
            parts.append(source[start:index])
            index += len(operator)
            start = index
            continue
        index += 1
    parts.append(source[start:])
    return [part.strip() for part in parts]


def _compile_part(source: str) -> CompiledPart:
    try:
        program = cel.compile(source)
    except ValueError as error:
        message = str(error).replace("\n", " ")
        raise ConditionError(f"condition does not parse: {message}") from None
    references = program.references()
    bound = set(_MACRO_VARIABLE.findall(source))
    for name in references["variables"]:
        if name not in ROOTS and name not in bound:
            raise ConditionError(f"condition names unknown variable '{name}'")
    for name in references["functions"]:
        known = name in _CEL_FUNCTIONS or name in HELPERS or name in TABLE_FUNCTIONS
        if name[0] in "_@!" or known:
            continue
        if name == "matches":
            raise ConditionError(
                "use fullmatch(value, pattern) or search(value, pattern) instead "
                "of matches(), which recompiles its pattern on every claim"
            )
        raise ConditionError(f"condition calls unknown function '{name}'")
    try:
        native = compile_native(source, _HELPER_NAMES)
    except Unsupported:
        native = None
    return CompiledPart(source, program, native)


_HELPER_NAMES = frozenset(HELPERS) | frozenset(TABLE_FUNCTIONS)


def compile_condition(source: str) -> Condition:
    """Compile ``source`` into its top-level parts.

    Raises:
        ConditionError: a part does not parse, or names an unknown variable or
            function (a typo would otherwise only show when a claim runs it).
    """
    source = source.strip()
    join: Literal["and", "or"] = "or"
    pieces = _split_top_level(source, "||")
    if len(pieces) == 1:
        join = "and"
        pieces = _split_top_level(source, "&&")
    parts = tuple(_compile_part(piece) for piece in pieces)
    whole = _compile_part(source) if len(parts) > 1 else parts[0]
    decide = None
    if all(part.native is not None for part in parts):
        try:
            decide = compile_decider(pieces, join, _HELPER_NAMES)
        except Unsupported:
            decide = None
    return Condition(source, parts, join, whole, decide)


class EvaluationError(RuntimeError):
    """A condition that could not be evaluated on this claim."""


class Evaluation:
    """One claim's values as conditions see them.

    Compiled parts read ``variables`` as they are. The ``cel`` context, which
    costs a conversion of every value, is made only when a part has no Python
    form or its Python form declined to decide.
    """

    def __init__(
        self,
        variables: dict[str, Any],
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.variables = variables
        self.functions = dict(functions or HELPERS)
        self._context: cel.Context | None = None

    @property
    def context(self) -> cel.Context:
        """The reference interpreter's context, made on first use."""
        if self._context is None:
            self._context = cel.Context(
                variables=self.variables, functions=self.functions
            )
        return self._context

    def set_variable(self, name: str, value: Any) -> None:
        """Bind ``name`` (``line`` while a line selector runs) to ``value``."""
        self.variables[name] = value
        if self._context is not None:
            self._context.add_variable(name, value)

    def run(self, part: CompiledPart) -> Any:
        """The value of ``part``; raises what the ``cel`` interpreter raises."""
        if part.native is not None:
            try:
                return part.native(self.variables, self.functions)
            except Exception:  # the reference decides below
                pass
        return part.program.execute(self.context)


def evaluate_condition(
    condition: Condition, evaluation: Evaluation
) -> tuple[bool, list[tuple[str, Any]]]:
    """Evaluate ``condition``; return its value and each part with its value.

    Raises:
        EvaluationError: no part decided the outcome and one of them failed, or
            a part gave something other than true or false.
    """
    if condition.join == "or" and len(condition.parts) > 1:
        # Most claims pass most rules: one run of the whole condition shows
        # that every part of a false disjunction is false.
        try:
            whole = evaluation.run(condition.whole)
        except Exception:
            whole = None
        if whole is False:
            return False, [(part.source, False) for part in condition.parts]
    return _evaluate_parts(condition, evaluation)


def false_part(condition: Condition, evaluation: Evaluation) -> int | None:
    """Which part made ``condition`` false, found by its Python form alone.

    Returns -1 for a false disjunction (every part false) and the index of the
    first false part of a conjunction. Returns None when the condition is true
    or something needs the reference interpreter: ``evaluate_condition`` then
    gives the whole answer. Most claims pass most rules, so this is the path
    nearly every rule takes.
    """
    decide = condition.decide
    if decide is None:
        return None
    try:
        index: int | None = decide(evaluation.variables, evaluation.functions)
    except Exception:
        return None
    return index


def passed_parts(condition: Condition, index: int) -> list[tuple[str, Any]]:
    """The parts and values of a condition ``false_part`` found false at ``index``."""
    if index < 0:
        return [(part.source, False) for part in condition.parts]
    return [
        (part.source, True if at < index else False if at == index else NOT_EVALUATED)
        for at, part in enumerate(condition.parts)
    ]


def _evaluate_parts(
    condition: Condition, evaluation: Evaluation
) -> tuple[bool, list[tuple[str, Any]]]:
    deciding = condition.join == "or"
    values: list[tuple[str, Any]] = []
    failure: str = ""
    decided = False
    for part in condition.parts:
        if decided:
            values.append((part.source, NOT_EVALUATED))
            continue
        try:
            value = evaluation.run(part)
        except Exception as error:
            failure = failure or f"'{part.source}': {_describe(error)}"
            values.append((part.source, f"error: {_describe(error)}"))
            continue
        if not isinstance(value, bool):
            failure = failure or f"'{part.source}' gave {value!r}, not true or false"
        values.append((part.source, value))
        if value is deciding:
            decided = True
    if decided:
        return deciding, values
    if failure:
        raise EvaluationError(failure)
    return not deciding, values


def evaluate_value(part: CompiledPart, evaluation: Evaluation) -> Any:
    """Evaluate a value expression (an action's ``value_expr`` or ``lines``).

    Raises:
        EvaluationError: the expression failed on this claim.
    """
    try:
        return evaluation.run(part)
    except Exception as error:
        raise EvaluationError(f"'{part.source}': {_describe(error)}") from None


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"no field {error}"
    return str(error).split(". ")[0]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class inside ``X``, ``X | None`` or ``list[X]``, if any."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
        for inner in typing.get_args(candidate):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


@functools.lru_cache(maxsize=32)
def include_spec(keep: frozenset[str]) -> dict[str, Any]:
    """A ``model_dump(include=...)`` spec keeping only the fields named in ``keep``.

    Handing a value to CEL costs about a microsecond and most fields no rule
    reads, so the activation carries only what some expression names.
    """
    spec: dict[str, Any] = _spec_for(Encounter, keep, 0)
    return spec


def _spec_for(model: type[BaseModel], keep: frozenset[str], depth: int) -> Any:
    spec: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name not in keep:
            continue
        inner = _model_of(field.annotation)
        if inner is None or depth > 6:
            spec[name] = True
            continue
        nested = _spec_for(inner, keep, depth + 1)
        is_list = typing.get_origin(field.annotation) is list
        spec[name] = {"__all__": nested} if is_list else nested
    return spec or True


def claim_kinds(encounter: Encounter) -> list[str]:
    """The kinds a claim is, as scopes name them (workers-comp, corrected, ...)."""
    kinds = []
    if encounter.is_workers_comp:
        kinds.append("workers-comp")
    if encounter.is_auto_accident:
        kinds.append("auto-accident")
    if encounter.is_accident:
        kinds.append("accident")
    if encounter.claim.frequency_code in ("7", "8"):
        kinds.append("corrected")
    if encounter.subscriber.payer_responsibility not in ("P", ""):
        kinds.append("secondary")
    return kinds


def build_activation(
    encounter: Encounter,
    today: dt.date,
    keep: frozenset[str] | None = None,
    extra_facts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The values a condition sees for ``encounter``, built once per claim.

    ``keep`` limits the encounter's fields to the names the rule set uses;
    ``extra_facts`` are added to ``facts`` (the review layer supplies, e.g.,
    ``history``: lines of other stored claims of the same patient).
    """
    activation: dict[str, Any] = encounter.model_dump(
        mode="json", include=include_spec(keep) if keep else None, context=RULES_VIEW
    )
    person = encounter.patient or encounter.subscriber
    lines = encounter.service_lines
    dates = [line.service_date for line in lines if line.service_date]
    ends = [line.service_date_end or line.service_date for line in lines]
    present_ends = [end for end in ends if end]
    activation["facts"] = {
        "first_service_date": min(dates).isoformat() if dates else None,
        "last_service_date": max(present_ends).isoformat() if present_ends else None,
        "line_charge_total": float(sum((line.charge for line in lines), Decimal(0))),
        "kinds": claim_kinds(encounter),
        "patient_is_subscriber": encounter.patient is None,
        "patient_birth_date": _iso(person.birth_date),
        "history_known": False,
        "history": [],
    }
    if extra_facts:
        activation["facts"].update(extra_facts)
    activation["today"] = today.isoformat()
    return activation


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def make_context(
    activation: dict[str, Any],
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> Evaluation:
    """An evaluation over ``activation`` with the helper functions.

    ``functions`` replaces the default helpers (a rule set adds its table
    functions to them).
    """
    return Evaluation(activation, functions)
