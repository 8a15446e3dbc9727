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
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

ISA_LENGTH = 106
"""Characters in an ISA segment, terminator included."""

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


@dataclass(frozen=True)
class Segment:
    """One segment as received: its id and its elements, split but not decoded."""

    id: str
    """Segment id, e.g. CLM."""
    elements: list[str]
    """Elements 01, 02, ... (the id is not included); composites are not split."""
    number: int
    """1-based position of the segment in the file."""


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
    head = data[:64]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        return _decode_utf16(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # X12 data is meant to be ASCII; Latin-1 maps every byte to a character, so
        # stray bytes become visible data errors instead of a crash.
        return data.decode("latin-1")


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
    return data.decode(encoding, errors="replace").replace("\x00", "")


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
            "the file ends inside the ISA segment",
            "The file is truncated; ask the sender for the complete file",
            segment_number=1,
            segment_id="ISA",
        )
    element = text[3]
    if not _is_delimiter_char(element) or any(
        text[offset] != element for offset in _ISA_SEPARATOR_OFFSETS
    ):
        raise X12InputError(
            source,
            "the ISA segment is not fixed-width (106 characters with padded fields)",
            "Ask the sender to pad ISA fields to their full width",
            segment_number=1,
            segment_id="ISA",
        )
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


def tokenize(text: str, source: str) -> tuple[Delimiters, list[Segment], bool]:
    """Split decoded text into segments using the ISA's delimiters.

    Returns the delimiters, the segments (numbered from 1), and whether the last
    segment ended with a terminator.

    Raises:
        X12InputError: the text does not begin with a usable ISA.
    """
    text = text.lstrip(_STRIP)
    delimiters = read_delimiters(text, source)
    if delimiters.segment == "\n":
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces = text.split(delimiters.segment)
    terminated = pieces[-1].strip(_STRIP) == ""
    segments: list[Segment] = []
    separator = delimiters.element
    number = 0
    for piece in pieces:
        stripped = piece.strip(_STRIP)
        if not stripped:
            continue
        number += 1
        parts = stripped.split(separator)
        segments.append(Segment(parts[0], parts[1:], number))
    return delimiters, segments, terminated
