"""Compiled conditions agree with the ``cel`` interpreter they stand in for.

``claimtui.engine.native`` turns CEL into Python for speed. Its contract: return
exactly what the ``cel`` package returns, or raise so the caller asks ``cel``.
These tests hold it to that on every expression of the shipped rules over many
real and generated claims, and on random expressions over awkward values.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import cel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtui.engine import load_rule_set, shipped_rules_dir
from claimtui.engine.expressions import (
    CompiledPart,
    build_activation,
    false_part,
    include_spec,
    make_context,
)
from claimtui.engine.native import Declined, Unsupported, compile_native
from claimtui.engine.samples import example_encounter
from claimtui.model import Encounter
from claimtui.x12.reader import read_837p

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "837p"
GEN837 = REPO.parent / "shared" / "tools" / "gen837.py"
TODAY = dt.date(2024, 1, 20)


def _outcome(function: Any) -> tuple[str, Any]:
    try:
        value = function()
    except Exception:
        return ("error", None)
    return (type(value).__name__, value)


def _same(native: tuple[str, Any], reference: tuple[str, Any]) -> bool:
    """Native may raise anywhere (the reference then decides); a value must match."""
    if native[0] == "error":
        return True
    if native[0] != reference[0]:
        return False
    return bool(native[1] == reference[1]) or native[1] != native[1]


@pytest.fixture(scope="module")
def rule_set() -> Any:
    return load_rule_set([shipped_rules_dir()])


def _encounters(tmp_path_factory: pytest.TempPathFactory) -> list[Encounter]:
    found: list[Encounter] = []
    for path in sorted(CORPUS.iterdir()):
        try:
            found.extend(claim.encounter for claim in read_837p(path).claims)
        except Exception:  # files the reader refuses hold no claims to try
            continue
    folder = tmp_path_factory.mktemp("native")
    generated = folder / "generated.837"
    subprocess.run(
        [sys.executable, str(GEN837), "150", "--seed", "5", "-o", str(generated)],
        check=True,
        capture_output=True,
    )
    found.extend(claim.encounter for claim in read_837p(generated).claims)
    found.append(example_encounter())
    return found


def _parts(rule_set: Any) -> list[tuple[str, CompiledPart]]:
    parts = []
    for rule in rule_set.rules:
        condition = rule.condition
        for part in (*condition.parts, condition.whole):
            parts.append((rule.id, part))
        for compiled in rule.actions:
            parts.extend((rule.id, part) for part in compiled.programs.values())
    return parts


def _both(part: CompiledPart, evaluation: Any) -> tuple[Any, Any]:
    native = part.native
    assert native is not None
    mine = _outcome(lambda: native(evaluation.variables, evaluation.functions))
    theirs = _outcome(lambda: part.program.execute(evaluation.context))
    return mine, theirs


def _as_rules_see_it(value: Any) -> Any:
    """The plain value conditions see: dates as ISO text, amounts as numbers."""
    if isinstance(value, dict):
        return {key: _as_rules_see_it(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_rules_see_it(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _exactly(left: Any, right: Any) -> bool:
    """Equal, and of the same types all the way down (1.0 is not "1.0" or 1)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(
            _exactly(item, right[key]) for key, item in left.items()
        )
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_exactly, left, right))
    return bool(left == right)


def test_the_activation_is_the_encounter_as_plain_values(
    rule_set: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Amounts reach conditions as numbers, while stored JSON keeps them exact."""
    encounters = _encounters(tmp_path_factory)
    for keep in (rule_set.identifiers, None):
        for encounter in encounters:
            activation = build_activation(encounter, TODAY, keep)
            del activation["facts"], activation["today"]
            spec = include_spec(keep) if keep else None
            expected = _as_rules_see_it(encounter.model_dump(include=spec))
            assert _exactly(activation, expected)
    encounter = example_encounter()
    encounter.claim.total_charge = Decimal("100.10")
    assert '"total_charge":"100.10"' in encounter.model_dump_json()
    assert encounter.model_dump(mode="json")["claim"]["total_charge"] == "100.10"


def test_every_shipped_expression_compiles(rule_set: Any) -> None:
    missing = [(rule_id, p.source) for rule_id, p in _parts(rule_set) if not p.native]
    assert missing == []


def test_shipped_expressions_agree_on_real_and_generated_claims(
    rule_set: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    parts = _parts(rule_set)
    encounters = _encounters(tmp_path_factory)
    assert len(encounters) > 150
    compared = 0
    for encounter in encounters:
        activation = build_activation(encounter, TODAY, rule_set.identifiers)
        lines = activation.get("service_lines") or [None]
        for line in lines[:2]:
            evaluation = make_context(dict(activation), rule_set.functions)
            evaluation.set_variable("line", line)
            for rule_id, part in parts:
                mine, theirs = _both(part, evaluation)
                assert _same(mine, theirs), (rule_id, part.source, mine, theirs)
                compared += mine[0] != "error"
    assert compared > 10_000


def _reference_false_part(condition: Any, evaluation: Any) -> int | None:
    """Which part made the condition false, by the ``cel`` interpreter alone."""
    values = []
    for part in condition.parts:
        try:
            values.append(part.program.execute(evaluation.context))
        except Exception:
            values.append(None)
    if condition.join == "or":
        return -1 if all(value is False for value in values) else None
    for index, value in enumerate(values):
        if value is False:
            return index
        if value is not True:
            return None
    return None


def test_deciders_agree_with_the_parts_evaluated_by_cel(
    rule_set: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    decided = 0
    for encounter in _encounters(tmp_path_factory):
        activation = build_activation(encounter, TODAY, rule_set.identifiers)
        evaluation = make_context(activation, rule_set.functions)
        for rule in rule_set.rules:
            condition = rule.condition
            assert condition.decide is not None, rule.id
            mine = false_part(condition, evaluation)
            if mine is None:
                continue
            decided += 1
            # A conjunction's parts after the false one were never run, so
            # only the first false part is compared.
            assert _reference_false_part(condition, evaluation) == mine, rule.id
    assert decided > 10_000


VALUES: dict[str, Any] = {
    "i": 3,
    "z": 0,
    "neg": -7,
    "big": 2**62,
    "f": 2.5,
    "fz": 0.0,
    "s": "héllo",
    "e": "",
    "t": True,
    "n": None,
    "l": [1, "a", None, 2.0, True],
    "nums": [3, 1, 2],
    "strs": ["b", "a"],
    "m": {"a": 1, "b": "x", "c": None},
    "lm": [{"a": 1}, {"a": "z"}, {}],
    "today": "2024-01-20",
}

_ATOMS = [
    *VALUES,
    "1",
    "0",
    "-1",
    "2.0",
    "-0.5",
    "1e3",
    "9223372036854775807",
    "'a'",
    '"héllo"',
    "''",
    "true",
    "false",
    "null",
    "[]",
    "[1, 2.0]",
    "['a', 'b']",
    "{'a': 1}",
    "m.a",
    "m.b",
    "m.q",
    "l[0]",
    "l[9]",
    "nums[1]",
    "lm[1].a",
    "s.size()",
    "size(l)",
    "has(m.a)",
    "has(m.q)",
    "int(f)",
    "double(i)",
    "dyn(i)",
]

_BINARY = [
    "&&",
    "||",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "+",
    "-",
    "*",
    "/",
    "%",
]


def _expressions() -> st.SearchStrategy[str]:
    atom = st.sampled_from(_ATOMS)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(_BINARY), inner).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        )
        grouped = inner.map(lambda e: f"({e})")
        negated = inner.map(lambda e: f"!{e}")
        minus = inner.map(lambda e: f"-{e}")
        choice = st.tuples(inner, inner, inner).map(
            lambda t: f"{t[0]} ? {t[1]} : {t[2]}"
        )
        listed = st.lists(inner, max_size=3).map(lambda i: "[" + ", ".join(i) + "]")
        macro = st.tuples(
            st.sampled_from(["l", "nums", "strs", "lm", "m", "[1, 2]", "s"]),
            st.sampled_from(["all", "exists", "exists_one", "map", "filter"]),
            inner,
        ).map(lambda t: f"{t[0]}.{t[1]}(x, {t[2].replace('i', 'x', 1)})")
        method = st.tuples(
            inner, st.sampled_from(["contains", "startsWith", "endsWith"]), inner
        ).map(lambda t: f"{t[0]}.{t[1]}({t[2]})")
        return st.one_of(binary, grouped, negated, minus, choice, listed, macro, method)

    return st.recursive(atom, extend, max_leaves=8)


def _typed() -> st.SearchStrategy[str]:
    """Expressions whose operands mostly fit, so most of them have a value."""
    numbers = st.sampled_from(
        ["i", "z", "neg", "f", "fz", "1", "2.0", "-1", "0.5", "nums[1]", "m.a", "big"]
    ) | st.sampled_from(["int(f)", "double(i)", "size(l)", "s.size()"])
    strings = st.sampled_from(["s", "e", "'a'", "'b'", "m.b", "strs[0]", "today"])
    lists = st.sampled_from(["l", "nums", "strs", "[]", "[1, 2.0]", "['a', 's']"])

    def number_ops(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        operator = st.sampled_from(["+", "-", "*", "/", "%"])
        return st.one_of(
            st.tuples(inner, operator, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            inner.map(lambda e: f"-{e}"),
        )

    number = st.recursive(numbers, number_ops, max_leaves=4)
    text = st.recursive(
        strings, lambda inner: st.tuples(inner, inner).map(" + ".join), max_leaves=3
    )
    relation = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    comparisons = st.one_of(
        st.tuples(number, relation, number).map(" ".join),
        st.tuples(text, relation, text).map(" ".join),
        st.tuples(st.one_of(number, text), lists).map(lambda t: f"{t[0]} in {t[1]}"),
        st.tuples(
            text, st.sampled_from(["contains", "startsWith", "endsWith"]), text
        ).map(lambda t: f"{t[0]}.{t[1]}({t[2]})"),
        st.sampled_from(["t", "true", "false", "has(m.a)", "has(m.q)"]),
    )

    def bool_ops(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        macro = st.sampled_from(["all", "exists", "exists_one"])
        return st.one_of(
            st.tuples(inner, st.sampled_from(["&&", "||"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda e: f"!{e}"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
            st.tuples(lists, macro, relation, number).map(
                lambda t: f"{t[0]}.{t[1]}(x, x {t[2]} {t[3]})"
            ),
            st.tuples(lists, relation, number, number).map(
                lambda t: (
                    f"{t[0]}.filter(x, x {t[1]} {t[2]}).map(x, x * {t[3]}) == [1, 2]"
                )
            ),
        )

    return st.recursive(comparisons, bool_ops, max_leaves=6)


def _agree(source: str) -> None:
    try:
        program = cel.compile(source)
    except Exception:
        return
    try:
        native = compile_native(source, frozenset())
    except Unsupported:
        return
    context = cel.Context(variables=VALUES)
    mine = _outcome(lambda: native(VALUES, {}))
    theirs = _outcome(lambda: program.execute(context))
    assert _same(mine, theirs), (source, mine, theirs)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions())
def test_random_expressions_agree_with_cel(source: str) -> None:
    _agree(source)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_typed())
def test_random_well_typed_expressions_agree_with_cel(source: str) -> None:
    _agree(source)


@pytest.mark.parametrize(
    "source",
    [
        "1 + 2 * 3 == 7 && !(s in strs) || l.exists(x, x == 'a')",
        "-7 / 2 == -3 && -7 % 3 == -1 && 7 % -3 == 1",
        "[1, 2.0] == [1.0, 2] && {'a': 1} == {'a': 1.0}",
        "true == 1 || 'a' == 1 || null == 0",
        "nums.map(x, x > 1, x * 2) == [6, 4] && nums.filter(x, x < 3) == [1, 2]",
        "m.exists(k, k == 'c') && lm.exists_one(x, has(x.a) && x.a == 1)",
        "s.size() == 6 && size('') == 0",
        "i > 2 ? 'yes' : 'no'",
        "'''tri\\nple''' + r'\\d' + \"\\u00e9\"",
        "(i < f) == (f > i)",
    ],
)
def test_chosen_expressions_agree_with_cel(source: str) -> None:
    native = compile_native(source, frozenset())
    mine = _outcome(lambda: native(VALUES, {}))
    theirs = _outcome(
        lambda: cel.compile(source).execute(cel.Context(variables=VALUES))
    )
    assert mine[0] != "error"
    assert mine == theirs


@pytest.mark.parametrize(
    "source",
    [
        "b'x' == b'x'",
        "1u == 1",
        "timestamp('2024-01-01T00:00:00Z')",
        "m.?a",
        "string(1)",
    ],
)
def test_outside_the_subset_is_left_to_cel(source: str) -> None:
    with pytest.raises(Unsupported):
        compile_native(source, frozenset())


def test_a_helper_call_is_compiled_and_its_result_checked() -> None:
    native = compile_native(
        "twice(i) == 6 && odd(i).size() == 2", frozenset(["twice", "odd"])
    )
    functions = {"twice": lambda v: v * 2, "odd": lambda v: (v, v)}
    assert native(VALUES, functions) is True
    bad = compile_native("weird(i)", frozenset(["weird"]))
    with pytest.raises(Declined):
        bad(VALUES, {"weird": lambda v: {v}})
