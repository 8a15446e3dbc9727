"""CSV importer: one row per service line, grouped into encounters by an id column.

Columns are named by model path, the same paths the rules, edits and the JSON
Schema use: ``claim.accident_date``, ``patient.property_casualty_claim_number``,
``claim.attachments[0].control_number``. Columns starting with ``line.`` belong to
the row's service line (``line.procedure_code``); every other column is claim
level and may be repeated on each row of the encounter or left blank after its
first row. ``claimtui/ingest/README.md`` documents the format for practices.

A problem is reported with the file, the line and the column. An encounter with
a problem is not imported (half a claim would be worse than none); the others
are. Each encounter keeps as its raw record the header and its own rows, exactly
as they were in the file.
"""

from __future__ import annotations

import csv
import itertools
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from claimtui.model import Encounter, ServiceLine
from claimtui.x12.reader import InputIssue

if TYPE_CHECKING:
    from claimtui.ingest import IngestedClaim, IngestResult

ENCOUNTER_ID = "encounter_id"
"""The column that groups rows (service lines) into one encounter."""

LINE_PREFIX = "line."
"""Columns with this prefix are fields of the row's service line."""

CODE_LISTS = {"claim.diagnoses"}
"""List-of-record columns written as codes: the first principal (ABK), others ABF."""

Step = str | int


class ColumnError(ValueError):
    """A header column that names no field of the encounter."""


@dataclass(frozen=True)
class Column:
    """One header column, resolved against the model."""

    name: str
    """The header text, e.g. ``line.charge``."""
    steps: tuple[Step, ...]
    """Where the value goes inside the encounter or the service line."""
    on_line: bool
    """True for ``line.`` columns."""
    split: bool
    """True when the cell holds a list of codes separated by spaces."""


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


@dataclass
class _Group:
    encounter_id: str
    rows: list[_Row] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _LineTap:
    """Feeds physical lines to the csv reader and remembers which it consumed."""

    def __init__(self, text: str) -> None:
        self._lines = iter(text.splitlines(keepends=True))
        self.taken: list[str] = []
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        self.count += 1
        return line

    def drain(self) -> str:
        text = "".join(self.taken)
        self.taken = []
        return text


# --- Header ------------------------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    """``X`` for ``X | None``; the annotation itself otherwise."""
    if isinstance(annotation, types.UnionType) or (
        typing.get_origin(annotation) is typing.Union
    ):
        kept = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _parse_steps(path: str) -> list[Step]:
    steps: list[Step] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if not name.isidentifier():
            raise ColumnError("is not a field path")
        steps.append(name)
        while rest:
            index, _, rest = rest.partition("]")
            if not index.isdigit() or (rest and not rest.startswith("[")):
                raise ColumnError("has a malformed [index]")
            steps.append(int(index))
            rest = rest[1:]
    return steps


def resolve_column(name: str) -> Column:
    """Check a header column against the model and say where its value goes.

    Raises:
        ColumnError: the column names no field, or stops short of a value.
    """
    on_line = name.startswith(LINE_PREFIX)
    path = name[len(LINE_PREFIX) :] if on_line else name
    steps = _parse_steps(path)
    model: Any = ServiceLine if on_line else Encounter
    annotation: Any = model
    split = False
    for position, step in enumerate(steps):
        last = position == len(steps) - 1
        if isinstance(step, int):
            if typing.get_origin(annotation) is not list:
                raise ColumnError("has an [index] on a field that is not a list")
            annotation = _unwrap(typing.get_args(annotation)[0])
            continue
        if not _is_model(annotation) or step not in annotation.model_fields:
            raise ColumnError("names no field of the encounter")
        annotation = _unwrap(annotation.model_fields[step].annotation)
        is_list = typing.get_origin(annotation) is list
        if is_list and not last and not isinstance(steps[position + 1], int):
            raise ColumnError("needs an [index] after a list of records")
    if typing.get_origin(annotation) is list:
        inner = _unwrap(typing.get_args(annotation)[0])
        if _is_model(inner) and name not in CODE_LISTS:
            raise ColumnError("is a list of records: name one field, e.g. [0].code")
        split = True
    elif _is_model(annotation):
        raise ColumnError("is a group of fields: name one of them")
    return Column(name, tuple(steps), on_line, split)


# --- Values ------------------------------------------------------------------


def _cell_value(column: Column, text: str) -> Any:
    if not column.split:
        return text
    codes = text.replace(",", " ").split()
    if column.name in CODE_LISTS:
        return [
            {"code": code, "qualifier": "ABK" if index == 0 else "ABF"}
            for index, code in enumerate(codes)
        ]
    return codes


def _put(tree: Any, steps: tuple[Step, ...], value: Any) -> None:
    node = tree
    for step, following in itertools.pairwise(steps):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            while len(node) <= step:
                node.append({})
            node = node[step]
        else:
            node = node.setdefault(step, empty)
    last = steps[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append({})
        node[last] = value
    else:
        node[last] = value


# --- Reading -----------------------------------------------------------------


def _issue(
    source: str, message: str, severity: Literal["error", "warning"] = "error"
) -> InputIssue:
    return InputIssue(
        source=source,
        segment_number=None,
        segment_id="",
        element="",
        message=message,
        severity=severity,
    )


def _header(cells: list[str], source: str) -> tuple[list[Column | None], list[str]]:
    columns: list[Column | None] = []
    problems: list[str] = []
    seen: set[str] = set()
    for position, raw_name in enumerate(cells):
        name = raw_name.strip()
        where = f"{source} line 1, column {position + 1} '{name}'"
        if name in seen:
            problems.append(f"{where}: appears twice; keep one")
            columns.append(None)
            continue
        seen.add(name)
        if name == ENCOUNTER_ID:
            columns.append(None)
            continue
        try:
            columns.append(resolve_column(name))
        except ColumnError as error:
            problems.append(
                f"{where}: {error}; see the column list in the CSV import guide"
            )
            columns.append(None)
    if ENCOUNTER_ID not in seen:
        problems.append(
            f"{source} line 1: no '{ENCOUNTER_ID}' column; it groups service "
            "lines into encounters"
        )
    return columns, problems


def _group_rows(
    tap: _LineTap,
    reader: Iterator[list[str]],
    header: list[str],
    source: str,
) -> tuple[list[_Group], list[str]]:
    groups: dict[str, _Group] = {}
    loose: list[str] = []
    names = [name.strip() for name in header]
    while True:
        start = tap.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            loose.append(f"{source} line {start}: not valid CSV ({error})")
            tap.drain()
            continue
        raw = tap.drain()
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(names, (cell.strip() for cell in cells), strict=False))
        encounter_id = row.get(ENCOUNTER_ID, "")
        if not encounter_id:
            loose.append(f"{source} line {start}: '{ENCOUNTER_ID}' is empty")
            continue
        group = groups.setdefault(encounter_id, _Group(encounter_id))
        group.raw.append(raw)
        if len(cells) != len(header):
            group.problems.append(
                f"{source} line {start}: {len(cells)} cells, the header has "
                f"{len(header)}"
            )
        group.rows.append(_Row(start, row))
    return list(groups.values()), loose


def _tree(
    group: _Group, columns: list[Column], source: str
) -> tuple[dict[str, Any], dict[str, int]]:
    """The encounter as nested values, and the line each column's value came from."""
    tree: dict[str, Any] = {"service_lines": [{} for _ in group.rows]}
    lines: dict[str, int] = {}
    for column in columns:
        if column.on_line:
            for index, row in enumerate(group.rows):
                text = row.cells.get(column.name, "")
                if text:
                    value = _cell_value(column, text)
                    _put(tree["service_lines"][index], column.steps, value)
            continue
        first: _Row | None = None
        for row in group.rows:
            text = row.cells.get(column.name, "")
            if not text:
                continue
            if first is None:
                first = row
            elif text != first.cells[column.name]:
                group.problems.append(
                    f"{source} line {row.line}, column {column.name}: differs from "
                    f"line {first.line}; a claim-level value must be the same on "
                    "every row of the encounter, or blank"
                )
        if first is not None:
            _put(tree, column.steps, _cell_value(column, first.cells[column.name]))
            lines[column.name] = first.line
    return tree, lines


def _located(
    error: ValidationError,
    group: _Group,
    lines: dict[str, int],
    columns: list[Column],
    source: str,
) -> list[str]:
    found = []
    for detail in error.errors(include_url=False):
        location = list(detail["loc"])
        line = group.rows[0].line
        column = ".".join(str(step) for step in location) or "encounter"
        if location[:1] == ["service_lines"] and len(location) > 1:
            index = int(location[1])
            if index < len(group.rows):
                line = group.rows[index].line
            column = LINE_PREFIX + ".".join(str(step) for step in location[2:])
        else:
            for candidate in columns:
                if list(candidate.steps) == location[: len(candidate.steps)]:
                    column = candidate.name
                    line = lines.get(candidate.name, line)
                    break
        found.append(f"{source} line {line}, column {column}: {detail['msg']}")
    return found


def read_csv(data: bytes, source: str) -> IngestResult:
    """Read encounters from CSV rows; bad encounters become issues, by line.

    Never raises for bad content: an undecodable file, a bad header or bad rows
    are returned as issues.
    """
    from claimtui.ingest import IngestedClaim, IngestResult

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = f"{source}: not UTF-8 text; save the CSV as UTF-8 and import again"
        return IngestResult(format="csv", claims=[], issues=[_issue(source, message)])
    tap = _LineTap(text)
    reader = csv.reader(tap)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        message = f"{source} line 1: no header row"
        return IngestResult(format="csv", claims=[], issues=[_issue(source, message)])
    header_raw = tap.drain()
    resolved, problems = _header(header, source)
    if problems:
        issues = [_issue(source, problem) for problem in problems]
        return IngestResult(format="csv", claims=[], issues=issues)
    columns = [column for column in resolved if column is not None]
    groups, loose = _group_rows(tap, reader, header, source)
    claims: list[IngestedClaim] = []
    messages = list(loose)
    for group in groups:
        tree, lines = _tree(group, columns, source)
        try:
            encounter = Encounter.model_validate(tree)
        except ValidationError as error:
            group.problems.extend(_located(error, group, lines, columns, source))
            encounter = None
        if group.problems or encounter is None:
            messages.extend(group.problems)
            continue
        first, last = group.rows[0].line, group.rows[-1].line
        span = f"line {first}" if first == last else f"lines {first}-{last}"
        claims.append(
            IngestedClaim(
                encounter=encounter,
                raw=header_raw + "".join(group.raw),
                raw_format="csv",
                position=f"encounter {group.encounter_id} ({span})",
            )
        )
    severity: Literal["error", "warning"] = "warning" if claims else "error"
    issues = [_issue(source, message, severity) for message in messages]
    return IngestResult(format="csv", claims=claims, issues=issues)
