"""What each 837P element can carry, read from the map pyx12 validates with.

pyx12 refuses a whole interchange over one element that is too short, too long
or of the wrong kind (a letter in an amount, a date before 1800). Every value a
claim sends is checked against the same limits when the claim is built, so a
value that does not fit holds its own claim, named by field and element,
instead of failing a batch at export::

    pyx12/map/837.5010.X222.A1.xml   loop > segment > element: data element number
    pyx12/map/dataele.xml            data element: type, min and max length, name
              |
              v
    element_rules()   (loop, segment, element, component) -> ElementRule
    field_limits()    (model class, field) -> FieldLimit, the strictest limits
                      of the places the writer sends the field to

A place the map lists more than once (2300 under 2000B and under 2000C, the
REF segments of 2300 told apart by their qualifier) keeps the loosest limits of
its listings, so the check never holds a value pyx12 would take. Code lists
(valid qualifiers, place of service codes) are not checked here; the rule packs
check the codes billers get wrong.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from pydantic import BaseModel

from claimtui.model import Encounter, get_path

if TYPE_CHECKING:
    from claimtui.x12.writer import OutSegment

Place = tuple[str, str, int, int]
"""Loop, segment id, element position, component position (0 for a simple
element), e.g. ``("2400", "SV1", 1, 3)`` for SV101-3."""

_MAP = "837.5010.X222.A1.xml"
_DATA_ELEMENTS = "dataele.xml"
_TEXT_TYPES = frozenset({"AN", "ID"})
_DATE_VALUE = "1251"
"""Date Time Period: a date in the format its qualifier (D8, RD8) names."""
_QUOTED = frozenset({"1339", "234", "1331"})
"""Text elements that hold codes (procedure modifier, procedure code or NDC,
place of service), quoted in messages like the ID elements."""
_NOT_QUOTED = frozenset({"116"})
"""ID elements a message does not quote: a postal code is part of an address."""
EARLIEST_YEAR = 1800
"""pyx12 takes no date before 1 January 1800."""

_ORDINAL = re.compile(r" [0-9]+$")
"""The number of a repeated element's name, as in Procedure Modifier 1."""
_WHOLE = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]*(?:\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class ElementRule:
    """What one element, or one component of a composite, can carry."""

    data_element: str
    """X12 data element number, e.g. 1339."""
    name: str
    """Its name in the TR3, e.g. Procedure Modifier; the data element's name
    where the TR3 names one place two ways."""
    data_type: str
    """AN text, ID code, R decimal number, N0 whole number, DT date, ..."""
    min_len: int
    """Fewest characters (for R and N0: digits) a value has."""
    max_len: int
    """Most characters (for R and N0: digits) a value has."""

    @property
    def numeric(self) -> bool:
        """True for numbers, whose length counts digits only (no '-' or '.')."""
        return self.data_type == "R" or self.data_type.startswith("N")

    @property
    def quoted(self) -> bool:
        """True when a message may show the value: a code, never a name, an id,
        an amount or a date."""
        if self.data_element in _NOT_QUOTED:
            return False
        return self.data_type == "ID" or self.data_element in _QUOTED


@dataclass(frozen=True, slots=True)
class SentValue:
    """A value the writer takes from the claim, and the element it goes to."""

    path: str
    """Model path it came from, e.g. service_lines[0].modifiers[0]."""
    value: str
    """The text as sent."""
    location: str
    """The element, e.g. 2400 SV101-3."""
    rule: ElementRule
    """What the element can carry."""
    date_format: str
    """D8 or RD8 for a date sent after its format qualifier; else empty."""


@dataclass(frozen=True, slots=True)
class FieldLimit:
    """The strictest limits among the elements one field is sent to."""

    min_len: int
    """Fewest characters (for numbers: digits) a value has."""
    max_len: int
    """Most characters (for numbers: digits) a value has."""
    text: bool
    """True when every such element takes text (AN or ID), so that a value
    within the lengths, without a trailing space, fits them all."""


def _map_root(name: str) -> ElementTree.Element:
    with files("pyx12").joinpath("map", name).open("rb") as stream:
        return ElementTree.parse(stream).getroot()


def _data_elements() -> dict[str, tuple[str, int, int, str]]:
    """Type, min length, max length and name of each data element number."""
    found = {}
    for node in _map_root(_DATA_ELEMENTS).iter("data_ele"):
        found[node.get("ele_num", "")] = (
            node.get("data_type", ""),
            int(node.get("min_len", "0")),
            int(node.get("max_len", "0")),
            node.get("name", ""),
        )
    return found


@functools.cache
def element_rules() -> dict[Place, ElementRule]:
    """What each element of the 005010X222A1 transaction can carry, by place.

    Read once from pyx12's map and data element list (about 30 ms). Elements
    the TR3 marks not used are left out: the writer sends nothing there.
    """
    dictionary = _data_elements()
    rules: dict[Place, ElementRule] = {}
    for loop in _map_root(_MAP).iter("loop"):
        loop_id = loop.get("xid", "")
        for segment in loop.findall("segment"):
            segment_id = segment.get("xid", "")
            for node in segment:
                position = int(node.findtext("seq") or 0)
                if node.tag == "element":
                    _add(rules, (loop_id, segment_id, position, 0), node, dictionary)
                elif node.tag == "composite":
                    for component in node.findall("element"):
                        place = (
                            loop_id,
                            segment_id,
                            position,
                            int(component.findtext("seq") or 0),
                        )
                        _add(rules, place, component, dictionary)
    return rules


def _add(
    rules: dict[Place, ElementRule],
    place: Place,
    node: ElementTree.Element,
    dictionary: dict[str, tuple[str, int, int, str]],
) -> None:
    """Add one listing of an element; a second listing widens the first."""
    number = node.findtext("data_ele") or ""
    if node.findtext("usage") == "N" or number not in dictionary:
        return
    data_type, low, high, general_name = dictionary[number]
    name = _ORDINAL.sub("", node.findtext("name") or general_name)
    rule = ElementRule(number, name, data_type, low, high)
    known = rules.get(place)
    if known is not None:
        # The listings of one place agree on the kind of value (the tests
        # hold every listing to pyx12's own reading); lengths and names vary.
        if known.name != name:
            # REF02 of 2300 is a prior authorization or a referral number, by
            # its qualifier: the data element's own name fits both.
            name = general_name
        rule = ElementRule(
            known.data_element,
            name,
            known.data_type,
            min(known.min_len, low),
            max(known.max_len, high),
        )
    rules[place] = rule


def location(place: Place) -> str:
    """The element's name as billers read it, e.g. ``2400 SV101-3``."""
    loop, segment, position, component = place
    name = f"{segment}{position:02d}"
    if component:
        name += f"-{component}"
    return f"{loop} {name}" if loop else name


def _rule_at(
    rules: dict[Place, ElementRule], place: Place
) -> tuple[Place, ElementRule] | None:
    rule = rules.get(place)
    if rule is None and place[3] == 0:
        # A composite written with its first component alone.
        place = (*place[:3], 1)
        rule = rules.get(place)
    return None if rule is None else (place, rule)


def sent_values(segments: Iterable[OutSegment]) -> Iterator[SentValue]:
    """Every non-empty value the segments take from the claim (a value with a
    model path), with the rule of its element. Constants are the writer's own
    and are not listed; nor is a value at a place the map does not know."""
    rules = element_rules()
    for segment in segments:
        date_format = ""
        for index, value in enumerate(segment.elements):
            position = index + 1
            components = segment.components[index] if segment.components else []
            if components:
                paths = segment.component_sources[index]
                pairs = zip(components, paths, strict=True)
                for number, (part, path) in enumerate(pairs, start=1):
                    place = (segment.loop, segment.id, position, number)
                    yield from _sent(rules, place, path, part, "")
            else:
                place = (segment.loop, segment.id, position, 0)
                path = segment.sources[index] if segment.sources else ""
                yield from _sent(rules, place, path, value, date_format)
            date_format = value if value in ("D8", "RD8") else ""


def _sent(
    rules: dict[Place, ElementRule],
    place: Place,
    path: str,
    value: str,
    date_format: str,
) -> Iterator[SentValue]:
    if not path or not value:
        return
    found = _rule_at(rules, place)
    if found is None:
        return
    place, rule = found
    if rule.data_element != _DATE_VALUE:
        date_format = ""
    yield SentValue(path, value, location(place), rule, date_format)


def problem(sent: SentValue) -> str | None:
    """What keeps the value out of its element, as a phrase; None when it fits.

    The checks are pyx12's: length (digits for numbers), the kind of value
    (a number, a date from 1800 on for D8 and RD8), and no trailing space in
    text longer than the element's minimum.
    """
    rule, value = sent.rule, sent.value
    length = len(value)
    if rule.numeric:
        length -= value.count("-") + value.count(".")
    if not rule.min_len <= length <= rule.max_len:
        shown = f"'{value}'" if rule.quoted else "this one"
        return f"{_a(rule.name)} is {_span(rule)}; {shown} has {length}"
    if rule.data_type.startswith("N") and not _WHOLE.fullmatch(value):
        return f"{_a(rule.name)} is a whole number"
    if rule.data_type == "R" and not _DECIMAL.fullmatch(value):
        return f"{_a(rule.name)} is a number"
    if rule.data_type == "DT" or sent.date_format:
        dates = value.split("-") if sent.date_format == "RD8" else [value]
        if not all(_is_d8(date) for date in dates):
            return (
                f"a date is sent as CCYYMMDD and must be a real date from "
                f"{EARLIEST_YEAR} on"
            )
    if (
        rule.data_type in _TEXT_TYPES
        and value.endswith(" ")
        and len(value.rstrip()) >= rule.min_len
    ):
        return f"{_a(rule.name)} cannot end with a space"
    return None


def _is_d8(text: str) -> bool:
    if len(text) != 8 or not text.isdigit():
        return False
    try:
        date = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return date.year >= EARLIEST_YEAR


def _span(rule: ElementRule) -> str:
    unit = "digits" if rule.numeric else "characters"
    if rule.min_len == rule.max_len:
        unit = unit if rule.min_len != 1 else unit[:-1]
        return f"{rule.min_len} {unit}"
    if rule.min_len <= 1:
        return f"at most {rule.max_len} {unit}"
    return f"{rule.min_len} to {rule.max_len} {unit}"


def _a(name: str) -> str:
    """The data element's name in a sentence: 'a procedure modifier'."""
    words = [word if word.isupper() else word.lower() for word in name.split()]
    text = " ".join(words)
    return f"{'an' if text[:1] in 'aeiou' else 'a'} {text}"


# -- limits by field, for plainly_sendable -----------------------------------------


def field_limits(
    claim_segments: Callable[[Encounter], list[OutSegment]],
) -> dict[type[BaseModel], dict[str, FieldLimit]]:
    """The limits of every field the writer sends, by model class and field name.

    Found by writing one claim with every field filled (``claim_segments`` is
    the writer's) and reading which element each value went to. A field sent
    to several elements (a provider's name in 2010AA and in 2310B) gets the
    strictest limits of them all; a value within them fits every one. A field
    the writer never sends has no limit.
    """
    encounter = _filled(Encounter)
    assert isinstance(encounter, Encounter)
    limits: dict[type[BaseModel], dict[str, FieldLimit]] = {}
    for sent in sent_values(claim_segments(encounter)):
        owner = _owner(encounter, sent.path)
        if owner is None:
            continue
        model, name = owner
        rule = sent.rule
        text = rule.data_type in _TEXT_TYPES and not sent.date_format
        limit = FieldLimit(rule.min_len, rule.max_len, text)
        known = limits.setdefault(model, {}).get(name)
        if known is not None:
            limit = FieldLimit(
                max(known.min_len, limit.min_len),
                min(known.max_len, limit.max_len),
                known.text and limit.text,
            )
        limits[model][name] = limit
    return limits


_INDEX = re.compile(r"\[\d+\]$")


def _owner(encounter: Encounter, path: str) -> tuple[type[BaseModel], str] | None:
    """The model class and field name a path ends in (list items: their list)."""
    path = _INDEX.sub("", path)
    parent_path, _, name = path.rpartition(".")
    parent = get_path(encounter, parent_path) if parent_path else encounter
    if isinstance(parent, BaseModel) and name in type(parent).model_fields:
        return type(parent), name
    return None


def _filled(model: type[BaseModel]) -> BaseModel:
    """An instance of ``model`` with every field given a value, lists one item."""
    return model.model_validate(
        {name: _sample(field.annotation) for name, field in model.model_fields.items()}
    )


def _sample(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _sample(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        choices = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _sample(choices[0])
    if origin is list:
        return [_sample(typing.get_args(annotation)[0])]
    samples: dict[Any, Any] = {
        str: "X",
        bool: True,
        int: 1,
        Decimal: Decimal(1),
        dt.date: dt.date(2024, 1, 2),
    }
    if annotation in samples:
        return samples[annotation]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _filled(annotation)
    raise TypeError(f"no sample value for a field of type {annotation!r}")
