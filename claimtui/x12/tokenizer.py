"""Split X12 bytes into segments, with the delimiters the ISA declares.

The ISA is a fixed-width segment of 106 characters. Its fourth character is the
element separator, ISA16 (character 105) is the component separator and the
character right after ISA16 is the segment terminator. ISA11 is the repetition
separator from version 00402 on; before that it is a standards id ('U').
Nothing is guessed from the content: a file whose composites use another
character than ISA16 is read as written.

Tolerated on input, never emitted on output: a UTF-8 byte order mark, UTF-16
text (recognised by its NUL bytes), carriage returns and newlines after the
terminator, a newline as the terminator, indentation and blank lines.

Segments are produced one at a time (``SegmentStream``) from slices of the text,
so a large file never exists as a list of segment objects. Two kinds of piece are
marked instead of split: an empty segment (two terminators in a row) and a
segment longer than ``MAX_SEGMENT_LENGTH``, which means the terminator is wrong or
missing; the reader reports both.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass

ISA_LENGTH = 106
"""Characters in an ISA segment, terminator included."""

MAX_SEGMENT_LENGTH = 4096
"""Longest segment read; the longest 837P segment is a few hundred characters."""

# Widths of ISA01..ISA15 (ISA16 is the one-character component separator).
_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1)
_CHUNK = 1 << 20

# Offsets of the 16 element separators inside a fixed-width ISA.
_ISA_SEPARATOR_OFFSETS = (
    3,
    6,
    17,
    20,
    31,
    34,
    50,
    53,
    69,
    76,
    81,
    83,
    89,
    99,
    101,
    103,
)
_NEWLINES = "\r\n"
_STRIP = " \t\r\n\f\v"


@dataclass(frozen=True)
class Delimiters:
    """The four delimiters of an interchange."""

    element: str
    """Separates elements within a segment (the character after 'ISA')."""
    component: str
    """Separates the parts of a composite element (ISA16)."""
    repetition: str
    """Separates repeated elements (ISA11 from 00402 on); empty when not used."""
    segment: str
    """Ends each segment (the character after ISA16)."""


DEFAULT_DELIMITERS = Delimiters(element="*", component=":", repetition="^", segment="~")
"""The delimiters claimtui writes: ``*`` ``:`` ``^`` ``~``."""


@dataclass(slots=True)
class Segment:
    """One segment as received: its id and its elements, split but not decoded.

    Treat it as read-only. It is not frozen because a frozen dataclass sets each
    field through ``object.__setattr__``, which tripled the cost of building the
    one Segment made per segment read.
    """

    id: str
    """Segment id, e.g. CLM; empty for an empty segment."""
    elements: list[str]
    """Elements 01, 02, ... (the id is not included); composites are not split."""
    number: int
    """1-based position of the segment in the file."""
    length: int = 0
    """Characters in an overlong segment, which is not split; 0 otherwise."""


class X12InputError(Exception):
    """A file that cannot be read as X12 at all.

    The message names the file, the segment and element, what is wrong and what to
    do; it never contains element values, which may be patient data.
    """

    def __init__(
        self,
        source: str,
        problem: str,
        hint: str,
        *,
        segment_number: int | None = None,
        segment_id: str = "",
        element: str = "",
    ) -> None:
        self.source = source
        self.segment_number = segment_number
        self.segment_id = segment_id
        self.element = element
        self.problem = problem
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.segment_number is not None:
            where.append(f"segment {self.segment_number}")
        if self.segment_id:
            where.append(self.segment_id)
        if self.element:
            where.append(self.element)
        location = f" ({' '.join(where)})" if where else ""
        return f"{self.source}{location}: {self.problem}. {self.hint}"


def decode(data: bytes) -> str:
    """Turn file bytes into text: UTF-8 (BOM dropped), UTF-16 or Latin-1.

    UTF-16 is recognised by a BOM or by NUL bytes among the first characters; a
    truncated UTF-16 file decodes up to its last whole character.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if is_utf16(data):
        return _decode_utf16(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # X12 data is meant to be ASCII; Latin-1 maps every byte to a character, so
        # stray bytes become visible data errors instead of a crash.
        return data.decode("latin-1")


def is_utf16(data: bytes) -> bool:
    """True when ``decode`` reads the bytes as UTF-16 (a BOM or early NULs)."""
    head = data[:64]
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        b"\x00" in head
    )


def _decode_utf16(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF16_LE):
        encoding, data = "utf-16-le", data[2:]
    elif data.startswith(codecs.BOM_UTF16_BE):
        encoding, data = "utf-16-be", data[2:]
    else:
        even_nuls = data[:64:2].count(0)
        odd_nuls = data[1:64:2].count(0)
        encoding = "utf-16-be" if even_nuls > odd_nuls else "utf-16-le"
    data = data[: len(data) - len(data) % 2]
    text = data.decode(encoding, errors="replace").replace("\x00", "")
    # Editors that save UTF-16 also pad with Unicode spaces (such as U+00A0);
    # after the last terminator they are not a segment, so they are dropped.
    end = len(text)
    while end and not text[end - 1].isascii() and text[end - 1].isspace():
        end -= 1
    return text[:end]


def _is_delimiter_char(char: str) -> bool:
    return len(char) == 1 and not char.isalnum() and char not in " \t"


def read_delimiters(text: str, source: str) -> Delimiters:
    """Take the delimiters from the ISA at the start of ``text``.

    Raises:
        X12InputError: the text does not start with a fixed-width ISA segment.
    """
    if not text.startswith("ISA"):
        raise X12InputError(
            source,
            "this is not an X12 interchange: it does not start with an ISA segment",
            "Export the claims again from the billing system as an 837P file",
            segment_number=1,
        )
    if len(text) < ISA_LENGTH:
        raise X12InputError(
            source,
            "the file ends inside the ISA segment, which must be 106 characters",
            "The file is truncated; ask the sender for the complete file",
            segment_number=1,
            segment_id="ISA",
        )
    element = text[3]
    if not _is_delimiter_char(element) or any(
        text[offset] != element for offset in _ISA_SEPARATOR_OFFSETS
    ):
        _raise_isa_width(text, element, source)
    if text.count(element, 0, 104) != len(_ISA_SEPARATOR_OFFSETS):
        raise X12InputError(
            source,
            "an ISA field contains the element separator",
            "Ask the sender for a file with a well-formed ISA",
            segment_number=1,
            segment_id="ISA",
        )
    component, terminator = text[104], text[105]
    if terminator in _NEWLINES:
        terminator = "\n"
    for name, char in (("ISA16", component), ("", terminator)):
        if not _is_delimiter_char(char) and char != "\n":
            raise X12InputError(
                source,
                "the component separator or segment terminator is a letter, digit "
                "or space",
                "Ask the sender for a file with valid ISA delimiters",
                segment_number=1,
                segment_id="ISA",
                element=name,
            )
    if len({element, component, terminator}) != 3:
        raise X12InputError(
            source,
            "the ISA uses the same character for two different delimiters",
            "Ask the sender for a file with distinct delimiters",
            segment_number=1,
            segment_id="ISA",
        )
    repetition = text[82]
    version = text[84:89]
    if version < "00402" or not _is_delimiter_char(repetition):
        repetition = ""
    if repetition in (element, component, terminator):
        repetition = ""
    return Delimiters(element, component, repetition, terminator)


def _raise_isa_width(text: str, element: str, source: str) -> None:
    """Name the first ISA field that is not its fixed width."""
    reference, problem = "", "the ISA segment is not fixed-width (106 characters)"
    if _is_delimiter_char(element):
        fields = text[: ISA_LENGTH + 40].split(element, 16)[1:16]
        for position, (field, width) in enumerate(
            zip(fields, _ISA_WIDTHS, strict=False), 1
        ):
            if len(field) != width:
                reference = f"ISA{position:02d}"
                problem = (
                    f"{reference} is {len(field)} characters long where the "
                    f"fixed-width ISA needs exactly {width}, so the delimiters "
                    "cannot be found"
                )
                break
    raise X12InputError(
        source,
        problem,
        "Ask the sender to pad every ISA field to its full width (spaces for "
        "text, leading zeros for numbers)",
        segment_number=1,
        segment_id="ISA",
        element=reference,
    )


class SegmentStream:
    """The segments of decoded text, produced one at a time.

    After iteration, ``terminated`` tells whether the last segment ended with a
    terminator. With ``light``, only envelope segments (and REF) are split into
    elements; the others keep an empty element list, which is enough to check
    envelopes quickly.
    """

    LIGHT_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "REF", "HL"})

    def __init__(self, text: str, delimiters: Delimiters, *, light: bool = False):
        self.text = text
        self.delimiters = delimiters
        self.light = light
        self.terminated = True

    def __iter__(self) -> Iterator[Segment]:
        # One pass per segment of the file: names are bound locally and the
        # splitting is inline, as a method call per segment cost a tenth of a read.
        number = 0
        separator = self.delimiters.element
        blank_lines = self.delimiters.segment == "\n"
        light = self.light
        light_ids = self.LIGHT_IDS
        for pieces in self._chunks():
            for piece in pieces:
                stripped = piece.strip(_STRIP)
                if not stripped:
                    if blank_lines:
                        continue  # a blank line between newline-terminated segments
                    number += 1
                    yield Segment("", [], number)
                    continue
                number += 1
                if len(stripped) > MAX_SEGMENT_LENGTH:
                    head = stripped[:4].split(separator, 1)[0]
                    yield Segment(head, [], number, len(stripped))
                    continue
                if light:
                    head = stripped.partition(separator)[0]
                    if head not in light_ids:
                        yield Segment(head, [], number)
                        continue
                parts = stripped.split(separator)
                yield Segment(parts[0], parts[1:], number)

    def _chunks(self) -> Iterator[list[str]]:
        """Text between terminators, split a slice at a time, a list per slice."""
        text, terminator = self.text, self.delimiters.segment
        carry = ""
        for start in range(0, len(text), _CHUNK):
            chunk = carry + text[start : start + _CHUNK]
            if terminator == "\n":
                chunk = chunk.replace("\r\n", "\n").replace("\r", "\n")
            pieces = chunk.split(terminator)
            carry = pieces.pop()
            yield pieces
        self.terminated = carry.strip(_STRIP) == ""
        if not self.terminated:
            yield [carry]


def start_of_interchange(text: str) -> str:
    """The text with leading whitespace removed, as the ISA must begin it."""
    return text.lstrip(_STRIP)


def tokenize(text: str, source: str) -> tuple[Delimiters, list[Segment], bool]:
    """Split decoded text into segments using the ISA's delimiters.

    Returns the delimiters, the segments (numbered from 1), and whether the last
    segment ended with a terminator.

    Raises:
        X12InputError: the text does not begin with a usable ISA.
    """
    text = start_of_interchange(text)
    delimiters = read_delimiters(text, source)
    stream = SegmentStream(text, delimiters)
    segments = list(stream)
    return delimiters, segments, stream.terminated
