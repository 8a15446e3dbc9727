"""Loading rule packs: YAML files in layers, checked, compiled, overridden.

Layers load in the order given (shipped ``rules/`` first, then practice folders);
inside a layer, files load in path order and rules in file order, which is also
the order they run in. A problem in one file or one rule becomes a
``RuleLoadError`` naming file, line and rule id, and everything else still loads;
``build_claim`` then holds every claim, so a half-loaded rule set passes nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from claimtui.engine.expressions import (
    CompiledPart,
    ConditionError,
    compile_condition,
)
from claimtui.engine.fieldcheck import unknown_fields
from claimtui.engine.fieldpaths import FieldPathError, check_path
from claimtui.engine.helpers import HELPERS
from claimtui.engine.rules import CompiledAction, Rule
from claimtui.engine.schema import (
    Action,
    FlagAction,
    ModifierAction,
    OverrideSpec,
    RepairAction,
    RequireAction,
    RuleFile,
    RuleSpec,
    SetAction,
)
from claimtui.engine.tables import Tables, load_tables

logger = logging.getLogger(__name__)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class RuleLoadError:
    """A rule file, or one rule in it, that could not be loaded."""

    file: str
    """The file, as found under its layer folder."""
    line: int | None
    """1-based line of the problem, when known."""
    rule_id: str
    """The rule the problem is in; empty when it is the file as a whole."""
    message: str
    """What is wrong and what to change."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        rule = f" rule {self.rule_id}:" if self.rule_id else ""
        return f"{where}:{rule} {self.message}"


@dataclass
class RuleSet:
    """Rules in evaluation order, the problems met loading them, and a version."""

    rules: list[Rule]
    """Every loaded rule in the order it runs, disabled ones included."""
    errors: list[RuleLoadError]
    """Problems met while loading; any of them holds every claim."""
    version: str
    """A stable hash of the loaded files' names and content."""
    identifiers: frozenset[str] = frozenset()
    """Every name any expression uses; the activation keeps only these fields."""
    trace_cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    """Traces for outcomes that repeat across claims (passed, skipped)."""
    tables: Tables = field(default_factory=Tables)
    """Practice-supplied reference tables (``tables/*.csv`` in rule layers)."""
    functions: dict[str, Any] = field(default_factory=dict, repr=False)
    """Helpers and table functions expressions call; filled in on creation."""

    def __post_init__(self) -> None:
        if not self.functions:
            self.functions = {**HELPERS, **self.tables.functions()}

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, or None."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None


def shipped_rules_dir() -> Path:
    """The installed ``rules/`` folder (package ``claimtui.rules``).

    In a source checkout where the packs are not installed as a package (an
    editable install maps only ``claimtui``), this is the top-level ``rules/``.
    """
    # The folder holds YAML only, so it is a namespace package: its location is
    # in the spec's search locations, not in a module file.
    spec = importlib.util.find_spec("claimtui.rules")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[2] / "rules"


# --- YAML with line numbers -------------------------------------------------


def _line_index(node: yaml.Node, path: tuple[Any, ...], index: dict[Any, int]) -> None:
    """Record the 1-based line of every key and item below ``node``."""
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            index[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), index)
            index[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _line_index(item, (*path, position), index)


def _line_for(index: dict[Any, int], location: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of ``location`` that the file has."""
    best: int | None = None
    path: tuple[Any, ...] = ()
    for step in location:
        candidate = (*path, step)
        if candidate in index:
            path = candidate
            best = index[path]
    return best if best is not None else index.get(())


def _read_yaml(text: str) -> tuple[Any, dict[Any, int]]:
    """Parse ``text``; return the data and a path-to-line index.

    Raises:
        yaml.YAMLError: the text is not valid YAML.
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is None:
        return {}, {}
    index: dict[Any, int] = {}
    _line_index(node, (), index)
    constructor = yaml.SafeLoader("")
    data = constructor.construct_document(node)
    return data, index


# --- Turning specs into rules -------------------------------------------------


def _expressions(action: Action) -> Iterator[str]:
    if action.when is not None:
        yield action.when
    if isinstance(action, FlagAction | ModifierAction) and action.lines is not None:
        yield action.lines
    if isinstance(action, FlagAction) and action.coverages is not None:
        yield action.coverages
    if isinstance(action, SetAction) and action.value_expr is not None:
        yield action.value_expr
    if isinstance(action, ModifierAction) and action.codes is not None:
        yield action.codes


def _paths(action: Action) -> list[str]:
    if isinstance(action, FlagAction):
        return [action.path.replace("[*]", "[0]")] if action.path else []
    if isinstance(action, SetAction):
        return [action.set]
    if isinstance(action, RequireAction):
        return list(action.require)
    if isinstance(action, RepairAction):
        return list(action.repair)
    return []


def _compile_action(action: Action) -> CompiledAction:
    programs: dict[str, CompiledPart] = {}
    for source in _expressions(action):
        programs[source] = compile_condition(source).whole
    for path in _paths(action):
        check_path(path)
    if isinstance(action, RepairAction) and action.only_if is not None:
        try:
            re.compile(action.only_if)
        except re.error as error:
            raise ConditionError(f"only_if is not a valid pattern: {error}") from None
    return CompiledAction(action, programs)


def _rule_version(spec: RuleSpec, overrides: Sequence[OverrideSpec]) -> str:
    content = [spec.model_dump(mode="json")]
    content += [override.model_dump(mode="json") for override in overrides]
    blob = json.dumps(content, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def _compile_rule(spec: RuleSpec, file: str, line: int | None, layer: int) -> Rule:
    condition = compile_condition(spec.condition)
    actions = [_compile_action(action) for action in spec.actions]
    for compiled in actions:
        for source in compiled.programs:
            _check_fields(source)
    _check_fields(spec.condition)
    return Rule(
        spec=spec,
        condition=condition,
        actions=actions,
        file=file,
        line=line,
        layer=layer,
        version=_rule_version(spec, ()),
        severity=spec.severity,
        scope=spec.scope,
        enabled=spec.enabled,
        disabled_note="" if spec.enabled else "off as shipped; enable with an override",
    )


def _check_fields(source: str) -> None:
    unknown = unknown_fields(source)
    if unknown:
        raise ConditionError(
            f"names a field the claim does not have: {unknown[0]}; check the "
            "spelling against `claimtui schema encounter`"
        )


_ACTION_TAGS = frozenset(["flag", "set", "modifier", "require", "repair"])


def _without_tags(location: tuple[Any, ...]) -> tuple[Any, ...]:
    """``location`` without the union tag pydantic adds after an action index."""
    kept: list[Any] = []
    for step in location:
        after_action = len(kept) >= 2 and kept[-2] == "actions"
        if after_action and isinstance(kept[-1], int) and step in _ACTION_TAGS:
            continue
        kept.append(step)
    return tuple(kept)


def _validation_errors(
    error: ValidationError,
    file: str,
    index: dict[Any, int],
    prefix: tuple[Any, ...],
    rule_id: str,
) -> list[RuleLoadError]:
    found = []
    for detail in error.errors(include_url=False):
        location = _without_tags(tuple(detail["loc"]))
        where = ".".join(str(step) for step in location) or "the file"
        message = f"{where}: {detail['msg']}"
        if detail["type"] == "extra_forbidden":
            message = f"unknown field '{location[-1]}' (remove it or fix its spelling)"
        line = _line_for(index, (*prefix, *location))
        found.append(RuleLoadError(file, line, rule_id, message))
    return found


@dataclass
class _Layer:
    rules: list[Rule] = field(default_factory=list)
    overrides: list[tuple[OverrideSpec, str, int | None]] = field(default_factory=list)
    errors: list[RuleLoadError] = field(default_factory=list)


def _load_file(path: Path, shown: str, layer: int, into: _Layer) -> None:
    try:
        data, index = _read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        into.errors.append(RuleLoadError(shown, None, "", f"cannot read: {error}"))
        return
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        message = f"not valid YAML: {problem}"
        into.errors.append(RuleLoadError(shown, line, "", message))
        return
    if not isinstance(data, dict):
        message = "a rule file must be a mapping with 'rules' and/or 'overrides'"
        into.errors.append(RuleLoadError(shown, 1, "", message))
        return
    try:
        RuleFile.model_validate({key: [] for key in data})
    except ValidationError as error:
        into.errors.extend(_validation_errors(error, shown, index, (), ""))
        return
    for position, raw in enumerate(data.get("rules") or []):
        _load_rule(raw, shown, index, ("rules", position), layer, into)
    for position, raw in enumerate(data.get("overrides") or []):
        prefix = ("overrides", position)
        rule_id = _raw_id(raw)
        try:
            override = OverrideSpec.model_validate(raw)
        except ValidationError as error:
            errors = _validation_errors(error, shown, index, prefix, rule_id)
            into.errors.extend(errors)
            continue
        into.overrides.append((override, shown, index.get(prefix)))


def _raw_id(raw: Any) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return str(raw["id"])
    return ""


def _load_rule(
    raw: Any,
    file: str,
    index: dict[Any, int],
    prefix: tuple[Any, ...],
    layer: int,
    into: _Layer,
) -> None:
    rule_id = _raw_id(raw)
    try:
        spec = RuleSpec.model_validate(raw)
    except ValidationError as error:
        into.errors.extend(_validation_errors(error, file, index, prefix, rule_id))
        return
    line = index.get(prefix)
    try:
        rule = _compile_rule(spec, file, line, layer)
    except (ConditionError, FieldPathError) as error:
        # Point at the condition when it is the culprit, not the rule's first line.
        in_condition = isinstance(error, ConditionError)
        where = index.get((*prefix, "condition"), line) if in_condition else line
        into.errors.append(RuleLoadError(file, where, rule_id, str(error)))
        return
    into.rules.append(rule)


def _rule_files(folder: Path) -> list[Path]:
    found = [*folder.rglob("*.yaml"), *folder.rglob("*.yml")]
    return sorted(found, key=lambda path: path.relative_to(folder).as_posix())


def _apply_override(
    rule: Rule, override: OverrideSpec, file: str, overrides: list[OverrideSpec]
) -> Rule:
    changed = rule
    if override.enabled is not None:
        note = "" if override.enabled else f"disabled in {file}: {override.reason}"
        changed = replace(changed, enabled=override.enabled, disabled_note=note)
    if override.severity is not None:
        changed = replace(changed, severity=override.severity)
    if override.scope is not None:
        fields = {
            name: getattr(override.scope, name)
            for name in override.scope.model_fields_set
        }
        changed = replace(changed, scope=changed.scope.model_copy(update=fields))
    return replace(changed, version=_rule_version(rule.spec, overrides))


def load_rule_set(dirs: Sequence[Path]) -> RuleSet:
    """Load the rule layers in ``dirs``, in order, into one ``RuleSet``.

    A missing folder, an unreadable or invalid file, a rule with an unknown
    field or a bad expression, and a duplicate id are reported in
    ``RuleSet.errors``; they never stop the rest from loading.
    """
    rules: list[Rule] = []
    errors: list[RuleLoadError] = []
    overrides: list[tuple[OverrideSpec, str, int | None]] = []
    digest = hashlib.sha256()
    for layer_number, folder in enumerate(dirs):
        layer = _Layer()
        if not folder.is_dir():
            layer.errors.append(
                RuleLoadError(str(folder), None, "", "rule folder does not exist")
            )
        else:
            for path in _rule_files(folder):
                relative = path.relative_to(folder).as_posix()
                digest.update(f"{layer_number}:{relative}\0".encode())
                digest.update(path.read_bytes() if path.is_file() else b"")
                _load_file(path, str(path), layer_number, layer)
        seen = {rule.id: rule for rule in rules}
        for rule in layer.rules:
            if rule.id in seen:
                first = seen[rule.id]
                message = (
                    f"duplicate rule id, first defined in {first.file}:{first.line}; "
                    "rename it, or change the existing rule with an 'overrides' entry"
                )
                errors.append(RuleLoadError(rule.file, rule.line, rule.id, message))
                continue
            seen[rule.id] = rule
            rules.append(rule)
        errors.extend(layer.errors)
        overrides.extend(layer.overrides)
    rules = _apply_overrides(rules, overrides, errors)
    tables, table_problems = load_tables([d for d in dirs if d.is_dir()])
    for problem in table_problems:
        errors.append(RuleLoadError(problem.file, problem.line, "", problem.detail))
    for name in sorted(tables.by_name):
        digest.update(f"table:{name}\0".encode())
        digest.update(tables.by_name[name].fingerprint.encode())
    # A problem (a missing folder, say) changes what claims get, so it changes
    # the version too, and stored claims are rebuilt and held.
    for error in errors:
        digest.update(f"error:{error}\0".encode())
    # Lines and other coverages are walked by `lines` and `coverages`
    # selectors whether or not a rule names them.
    identifiers: set[str] = {"service_lines", "other_coverages"}
    for rule in rules:
        for source in rule.expression_sources():
            identifiers.update(_IDENTIFIER.findall(source))
    rule_set = RuleSet(
        rules,
        errors,
        digest.hexdigest()[:16],
        frozenset(identifiers),
        tables=tables,
    )
    logger.info(
        "rule set %s loaded: %d rules, %d problems",
        rule_set.version,
        len(rules),
        len(errors),
    )
    return rule_set


def _apply_overrides(
    rules: list[Rule],
    overrides: list[tuple[OverrideSpec, str, int | None]],
    errors: list[RuleLoadError],
) -> list[Rule]:
    position = {rule.id: number for number, rule in enumerate(rules)}
    applied: dict[str, list[OverrideSpec]] = {}
    for override, file, line in overrides:
        if override.id not in position:
            message = "override names no loaded rule; check the id"
            errors.append(RuleLoadError(file, line, override.id, message))
            continue
        history = applied.setdefault(override.id, [])
        history.append(override)
        number = position[override.id]
        rules[number] = _apply_override(rules[number], override, file, history)
    return rules


def check_rules(dirs: Sequence[Path]) -> list[RuleLoadError]:
    """Every problem loading the rule layers in ``dirs`` (``claimtui rules check``)."""
    return load_rule_set(dirs).errors
