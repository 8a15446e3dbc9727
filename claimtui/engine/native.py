"""CEL conditions compiled to Python, for the subset the rule packs use.

The ``cel`` package interprets CEL in Rust, but handing it a claim costs about a
microsecond for every string in the claim, so a claim's activation costs more to
hand over than all its rules cost to run. This module parses a CEL expression
and, when every construct in it is one listed below, turns it into a Python
function over the activation dict as it is, with nothing converted.

The ``cel`` package stays the reference. A compiled function either returns the
value the reference would return, or raises; the caller then asks the
reference, so errors, their messages and anything this module does not model
(error absorption in ``&&``/``||``, unsigned ints, bytes, timestamps, optional
syntax, most conversions) come from the reference. Every operation below raises
on operand types it is not sure of rather than guessing. ``tests/test_native.py``
holds it to that: the shipped rules on many claims, and random expressions, give
the same value both ways.

Supported: literals (null, bools, ints, doubles, strings), lists, maps with
string keys, variables and fields, indexing, ``! - * / % + -``, the relations
and ``in``, ``&& || ?:``, ``has()``, ``size``, ``contains``, ``startsWith``,
``endsWith``, ``int()``/``double()`` of numbers, ``dyn()``, the macros ``all``,
``exists``, ``exists_one``, ``map`` and ``filter``, and calls of the named helper
functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cel

NativeFunction = Callable[[Mapping[str, Any], Mapping[str, Callable[..., Any]]], Any]
"""A compiled expression: called with the variables and the helper functions."""

_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
    |(?P<string>[rR]?(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"
        |'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"))
    |(?P<bytes>[bB][rR]?['"])
    |(?P<number>0[xX][0-9a-fA-F]+[uU]?
        |(?:[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?
           |[0-9]+[eE][+-]?[0-9]+)
        |[0-9]+[uU]?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>\|\||&&|==|!=|<=|>=|[-+*/%!<>?:.,()\[\]{}])
    """,
    re.VERBOSE | re.DOTALL,
)

_RELATIONS = {"==": "_eq", "!=": "_eq", "<": "_lt", "<=": "_le", ">": "_gt"}
"""The function of each relation; ``!=`` is the negation of its call."""
_RELATIONS |= {">=": "_ge", "in": "_in"}
_ARITHMETIC = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}
_METHODS = {"contains": "_contains", "startsWith": "_starts", "endsWith": "_ends"}
_MACROS = frozenset(["all", "exists", "exists_one", "map", "filter"])
_RESERVED = frozenset(["true", "false", "null", "in"])


class Unsupported(Exception):
    """The expression uses something this module does not compile."""


class Declined(Exception):
    """An operation met operands it does not model; the reference decides."""


@dataclass
class _Token:
    kind: str
    text: str


def _tokens(source: str) -> list[_Token]:
    found = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.lastgroup == "bytes":
            raise Unsupported(f"cannot read {source[position : position + 10]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(_Token(kind, match.group()))
    found.append(_Token("end", ""))
    return found


class _Compiler:
    """Parses CEL by its grammar and writes the Python expression at once."""

    def __init__(self, source: str, functions: Collection[str]) -> None:
        self.tokens = _tokens(source)
        self.at = 0
        self.functions = functions
        self.constants: list[Any] = []
        self.scopes: list[str] = []

    # Token handling.

    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.at + offset, len(self.tokens) - 1)]

    def take(self, text: str | None = None) -> _Token:
        token = self.peek()
        if text is not None and token.text != text:
            raise Unsupported(f"expected {text!r}, found {token.text!r}")
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        if self.peek().text == text and self.peek().kind in ("op", "name"):
            self.at += 1
            return True
        return False

    # Grammar, from the loosest binding to the tightest. Each returns the Python
    # source of its expression and whether that is sure to be a bool.

    def expression(self) -> tuple[str, bool]:
        condition, is_bool = self.disjunction()
        if not self.accept("?"):
            return condition, is_bool
        then, then_bool = self.disjunction()
        self.take(":")
        other, other_bool = self.expression()
        test = condition if is_bool else f"_t({condition})"
        return f"({then} if {test} else {other})", then_bool and other_bool

    def disjunction(self) -> tuple[str, bool]:
        left, is_bool = self.conjunction()
        while self.accept("||"):
            right, right_bool = self.conjunction()
            left = f"({_truth(left, is_bool)} or {_truth(right, right_bool)})"
            is_bool = True
        return left, is_bool

    def conjunction(self) -> tuple[str, bool]:
        left, is_bool = self.relation()
        while self.accept("&&"):
            right, right_bool = self.relation()
            left = f"({_truth(left, is_bool)} and {_truth(right, right_bool)})"
            is_bool = True
        return left, is_bool

    def relation(self) -> tuple[str, bool]:
        left, is_bool = self.addition()
        while self.peek().text in _RELATIONS and self.peek().kind in ("op", "name"):
            operator = self.take().text
            start = len(self.constants)
            right, _ = self.addition()
            left, is_bool = self.compare(operator, left, right, start), True
        return left, is_bool

    def compare(self, operator: str, left: str, right: str, start: int) -> str:
        """A relation, with a quicker form against a string or list of strings."""
        added = self.constants[start:]
        if operator in ("==", "!=") and "None" in (left, right):
            test = f"_is_null({right if left == 'None' else left})"
            return test if operator == "==" else f"(not {test})"
        one_text = right == f"K[{start}]" and len(added) == 1
        if operator in ("==", "!=") and one_text and type(added[0]) is str:
            test = f"_eq_text({left}, {right})"
            return test if operator == "==" else f"(not {test})"
        texts = [f"K[{start + at}]" for at in range(len(added))]
        if (
            operator == "in"
            and added
            and right == "[" + ", ".join(texts) + "]"
            and all(type(value) is str for value in added)
        ):
            self.constants.append(frozenset(added))
            return f"_in_texts({left}, K[{len(self.constants) - 1}], {right})"
        call = f"{_RELATIONS[operator]}({left}, {right})"
        return f"(not {call})" if operator == "!=" else call

    def addition(self) -> tuple[str, bool]:
        left, is_bool = self.multiplication()
        while self.peek().text in ("+", "-"):
            function = _ARITHMETIC[self.take().text]
            right, _ = self.multiplication()
            left, is_bool = f"{function}({left}, {right})", False
        return left, is_bool

    def multiplication(self) -> tuple[str, bool]:
        left, is_bool = self.unary()
        while self.peek().text in ("*", "/", "%"):
            function = _ARITHMETIC[self.take().text]
            right, _ = self.unary()
            left, is_bool = f"{function}({left}, {right})", False
        return left, is_bool

    def unary(self) -> tuple[str, bool]:
        if self.accept("!"):
            operand, is_bool = self.unary()
            return f"(not {_truth(operand, is_bool)})", True
        if self.peek().text == "-" and self.peek(1).kind != "number":
            self.take()
            operand, _ = self.unary()
            return f"_neg({operand})", False
        return self.member()

    def member(self) -> tuple[str, bool]:
        value, is_bool = self.primary()
        while True:
            if self.accept("."):
                name = self.take().text
                if not name.isidentifier() or name in _RESERVED:
                    raise Unsupported(f"field {name!r}")
                if self.peek().text == "(":
                    value, is_bool = self.method(value, name)
                else:
                    value, is_bool = f"{value}[{name!r}]", False
            elif self.accept("["):
                index, _ = self.expression()
                self.take("]")
                value, is_bool = f"_index({value}, {index})", False
            else:
                return value, is_bool

    def arguments(self) -> list[str]:
        self.take("(")
        found: list[str] = []
        while not self.accept(")"):
            if found:
                self.take(",")
            found.append(self.expression()[0])
        return found

    def method(self, target: str, name: str) -> tuple[str, bool]:
        if name in _MACROS:
            return self.macro(target, name)
        arguments = self.arguments()
        if name == "size" and not arguments:
            return f"_size({target})", False
        if name in _METHODS and len(arguments) == 1:
            return f"{_METHODS[name]}({target}, {arguments[0]})", True
        raise Unsupported(f"method {name}")

    def macro(self, target: str, name: str) -> tuple[str, bool]:
        self.take("(")
        variable = self.take().text
        if not variable.isidentifier() or variable in _RESERVED:
            raise Unsupported("macro variable")
        self.take(",")
        local = f"v_{variable}_{len(self.scopes)}"
        self.scopes.append(variable)
        first, first_bool = self.expression()
        second = ""
        if self.accept(","):
            second = self.expression()[0]
        self.scopes.pop()
        self.take(")")
        each = f"for {local} in _items({target})"
        if second and name != "map":
            raise Unsupported(f"{name} with three arguments")
        if name == "map":
            if second:
                return f"[{second} {each} if {_truth(first, first_bool)}]", False
            return f"[{first} {each}]", False
        if name == "filter":
            return f"[{local} {each} if {_truth(first, first_bool)}]", False
        if first_bool and name != "exists_one":
            # A body sure to give a bool needs no check of each value.
            return f"{'all' if name == 'all' else 'any'}({first} {each})", True
        function = {"all": "_all", "exists": "_exists", "exists_one": "_one"}[name]
        return f"{function}({first} {each})", True

    def primary(self) -> tuple[str, bool]:
        token = self.take()
        if token.kind == "number":
            return self.literal(token.text), False
        if token.kind == "string":
            return self.literal(token.text), False
        if token.text == "-" and self.peek().kind == "number":
            return self.literal("-" + self.take().text), False
        if token.text == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if token.text == "[":
            items: list[str] = []
            while not self.accept("]"):
                if items:
                    self.take(",")
                    if self.accept("]"):
                        break
                items.append(self.expression()[0])
            return f"[{', '.join(items)}]", False
        if token.text == "{":
            return self.map_literal(), False
        if token.kind == "name":
            return self.name(token.text)
        raise Unsupported(f"token {token.text!r}")

    def map_literal(self) -> str:
        entries: dict[Any, str] = {}
        while not self.accept("}"):
            if entries:
                self.take(",")
                if self.accept("}"):
                    break
            key_token = self.take()
            if key_token.kind != "string":
                raise Unsupported("map key that is not a string literal")
            key = cel.evaluate(key_token.text)
            if key in entries:
                raise Unsupported("repeated map key")
            self.take(":")
            entries[key] = self.expression()[0]
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in entries.items()) + "}"

    def literal(self, text: str) -> str:
        if text.rstrip().endswith(("u", "U")):
            raise Unsupported("unsigned int")
        value = cel.evaluate(text)
        if type(value) not in (int, float, str) or value != value:
            raise Unsupported(f"literal {text}")
        if type(value) is int and not _INT_MIN <= value <= _INT_MAX:
            raise Unsupported("int out of range")
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def name(self, name: str) -> tuple[str, bool]:
        if name in ("true", "false"):
            return ("True" if name == "true" else "False"), True
        if name == "null":
            return "None", False
        if self.peek().text == "(":
            return self.call(name)
        for depth in range(len(self.scopes) - 1, -1, -1):
            if self.scopes[depth] == name:
                return f"v_{name}_{depth}", False
        return f"V[{name!r}]", False

    def call(self, name: str) -> tuple[str, bool]:
        if name == "has":
            self.take("(")
            target, _ = self.member_target()
            self.take(")")
            return target, True
        arguments = self.arguments()
        if name == "size" and len(arguments) == 1:
            return f"_size({arguments[0]})", False
        if name in ("int", "double", "dyn") and len(arguments) == 1:
            return f"_{name}({arguments[0]})", False
        if name in self.functions:
            return f"_result(F[{name!r}]({', '.join(arguments)}))", False
        raise Unsupported(f"function {name}")

    def member_target(self) -> tuple[str, bool]:
        """The argument of ``has()``: a field selection, as a presence test."""
        start = self.at
        value, _ = self.member()
        tail = self.tokens[self.at - 2 : self.at]
        if len(tail) < 2 or tail[0].text != "." or self.at - start < 3:
            raise Unsupported("has() of something other than a field")
        owner = value[: value.rindex("[")]
        return f"_has({owner}, {tail[1].text!r})", True


def _truth(source: str, is_bool: bool) -> str:
    if is_bool:
        return source
    if source.startswith("_result(F[") and source.endswith(")"):
        # A helper's result used as a bool: the bool check is the whole check.
        return f"_t({source[len('_result(') : -1]})"
    return f"_t({source})"


def compile_native(source: str, functions: Collection[str]) -> NativeFunction:
    """Compile ``source`` to a Python function of (variables, functions).

    ``functions`` names the helper functions a call may use.

    Raises:
        Unsupported: the expression uses something outside the subset.
    """
    compiler = _Compiler(source, functions)
    body, _ = compiler.expression()
    if compiler.peek().kind != "end":
        raise Unsupported(f"unexpected {compiler.peek().text!r}")
    namespace: dict[str, Any] = dict(_RUNTIME)
    namespace["K"] = tuple(compiler.constants)
    code = f"def _native(V, F):\n    return {body}\n"
    exec(compile(code, f"<cel: {source[:60]}>", "exec"), namespace)
    function: NativeFunction = namespace["_native"]
    return function


def compile_decider(
    sources: Sequence[str], join: str, functions: Collection[str]
) -> NativeFunction:
    """Compile the parts of a condition into one function that tells which
    part made it false: -1 for a false disjunction (``join`` "or": every part
    false), the index of the first false part of a conjunction, or None when
    the condition is true or a part gives something other than a bool.

    Raises:
        Unsupported: a part uses something outside the subset.
    """
    compiler = _Compiler("", functions)
    bodies = []
    for source in sources:
        compiler.tokens = _tokens(source)
        compiler.at = 0
        body, _ = compiler.expression()
        if compiler.peek().kind != "end":
            raise Unsupported(f"unexpected {compiler.peek().text!r}")
        bodies.append(body)
    if join == "or":
        whole = " or ".join(f"_t({body})" for body in bodies)
        lines = [f"    return -1 if ({whole}) is False else None"]
    else:
        lines = []
        for index, body in enumerate(bodies):
            lines.append(f"    v = {body}")
            lines.append(f"    if v is False:\n        return {index}")
            lines.append("    if v is not True:\n        return None")
        lines.append("    return None")
    namespace: dict[str, Any] = dict(_RUNTIME)
    namespace["K"] = tuple(compiler.constants)
    code = "def _native(V, F):\n" + "\n".join(lines) + "\n"
    exec(compile(code, f"<cel: {' && '.join(sources)[:60]}>", "exec"), namespace)
    function: NativeFunction = namespace["_native"]
    return function


# The operations compiled code calls. Each returns what CEL would, or raises.

_NUMBERS = (int, float)
_KIND = {type(None): 0, bool: 1, int: 2, float: 2, str: 3, list: 4, tuple: 4, dict: 5}


def _t(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise Declined


def _eq(left: Any, right: Any) -> bool:
    if type(left) is str and type(right) is str:
        return left == right
    kind = _KIND.get(type(left))
    other = _KIND.get(type(right))
    if kind is None or other is None:
        raise Declined
    if kind != other:
        return False
    if kind == 4:
        return len(left) == len(right) and all(map(_eq, left, right))
    if kind == 5:
        return left.keys() == right.keys() and all(
            _eq(value, right[key]) for key, value in left.items()
        )
    return bool(left == right)


def _is_null(value: Any) -> bool:
    if value is None:
        return True
    if type(value) in _KIND:
        return False
    raise Declined


def _eq_text(left: Any, text: str) -> bool:
    if type(left) is str:
        return left == text
    return _eq(left, text)


def _in_texts(item: Any, texts: frozenset[str], listed: list[str]) -> bool:
    if type(item) is str:
        return item in texts
    return _in(item, listed)


def _ordered(left: Any, right: Any) -> None:
    if type(left) is str and type(right) is str:
        return
    if type(left) in _NUMBERS and type(right) in _NUMBERS:
        return
    raise Declined


def _lt(left: Any, right: Any) -> bool:
    _ordered(left, right)
    return bool(left < right)


def _le(left: Any, right: Any) -> bool:
    _ordered(left, right)
    return bool(left <= right)


def _gt(left: Any, right: Any) -> bool:
    _ordered(left, right)
    return bool(left > right)


def _ge(left: Any, right: Any) -> bool:
    _ordered(left, right)
    return bool(left >= right)


def _in(item: Any, container: Any) -> bool:
    if type(container) in (list, tuple):
        return any(_eq(item, each) for each in container)
    if type(container) is dict and type(item) is str:
        return item in container
    raise Declined


def _int_result(value: int) -> int:
    if _INT_MIN <= value <= _INT_MAX:
        return value
    raise Declined


def _same_number(left: Any, right: Any) -> type:
    kind = type(left)
    if kind is type(right) and kind in _NUMBERS:
        return kind
    raise Declined


def _add(left: Any, right: Any) -> Any:
    kind = type(left)
    if kind is type(right):
        if kind is int:
            return _int_result(left + right)
        if kind in (float, str):
            return left + right
        if kind is list:
            return left + right
    raise Declined


def _sub(left: Any, right: Any) -> Any:
    if _same_number(left, right) is int:
        return _int_result(left - right)
    return left - right


def _mul(left: Any, right: Any) -> Any:
    if _same_number(left, right) is int:
        return _int_result(left * right)
    return left * right


def _div(left: Any, right: Any) -> Any:
    if _same_number(left, right) is float:
        if right == 0.0:
            raise Declined
        return left / right
    if right == 0:
        raise Declined
    quotient = abs(left) // abs(right)
    return _int_result(quotient if (left < 0) == (right < 0) else -quotient)


def _mod(left: Any, right: Any) -> Any:
    if _same_number(left, right) is not int or right == 0:
        raise Declined
    remainder = abs(left) % abs(right)
    return remainder if left >= 0 else -remainder


def _neg(value: Any) -> Any:
    if type(value) is int:
        return _int_result(-value)
    if type(value) is float:
        return -value
    raise Declined


def _index(container: Any, key: Any) -> Any:
    if type(container) in (list, tuple) and type(key) is int:
        if 0 <= key < len(container):
            return container[key]
        raise Declined
    if type(container) is dict and type(key) is str:
        return container[key]
    raise Declined


def _has(owner: Any, name: str) -> bool:
    if type(owner) is dict:
        return name in owner
    raise Declined


def _size(value: Any) -> int:
    if type(value) is str:
        return len(value.encode())
    if type(value) in (list, tuple, dict):
        return len(value)
    raise Declined


def _strings(left: Any, right: Any) -> None:
    if type(left) is not str or type(right) is not str:
        raise Declined


def _contains(text: Any, part: Any) -> bool:
    _strings(text, part)
    return part in text


def _starts(text: Any, part: Any) -> bool:
    _strings(text, part)
    return bool(text.startswith(part))


def _ends(text: Any, part: Any) -> bool:
    _strings(text, part)
    return bool(text.endswith(part))


def _int(value: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is float and float(_INT_MIN) < value < float(_INT_MAX):
        return int(value)
    raise Declined


def _double(value: Any) -> float:
    if type(value) in _NUMBERS:
        return float(value)
    raise Declined


def _dyn(value: Any) -> Any:
    return value


def _items(container: Any) -> Iterable[Any]:
    if type(container) in (list, tuple):
        return container  # type: ignore[no-any-return]
    if type(container) is dict:
        return list(container)
    raise Declined


def _all(values: Iterable[Any]) -> bool:
    for value in values:
        if value is False:
            return False
        if value is not True:
            raise Declined
    return True


def _exists(values: Iterable[Any]) -> bool:
    for value in values:
        if value is True:
            return True
        if value is not False:
            raise Declined
    return False


def _one(values: Iterable[Any]) -> bool:
    count = 0
    for value in values:
        count += _t(value)
    return count == 1


def _result(value: Any) -> Any:
    """A helper's return value, if it is one CEL carries unchanged."""
    if type(value) in (str, int, float, bool, list, dict) or value is None:
        return value
    if type(value) is tuple:
        return list(value)
    raise Declined


_RUNTIME: dict[str, Any] = {
    name: value
    for name, value in list(globals().items())
    if name.startswith("_") and callable(value) and not name.startswith("__")
}
