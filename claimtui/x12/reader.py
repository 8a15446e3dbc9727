"""Read 837P (005010X222A1) files into encounters, with located problems.

How problems come back:

- ``X12InputError`` is raised when the file cannot be read as X12 at all: it is
  empty, does not start with an ISA, or its ISA is not the fixed 106 characters
  the delimiters are taken from.
- Everything else is an ``InputIssue`` with the segment position. Issues about the
  file or an envelope (wrong transaction or version, control numbers, segment
  counts, a file that ends early) are yielded on their own and land in
  ``ReadResult.issues``; issues about one claim ride on its ``ReadClaim``.
- A transaction set that is the wrong kind (837I, 835, 4010) or that the file
  ends inside yields an error issue and no claims, so a truncated file never
  looks like "0 claims, fine".

Files labelled 005010X222A2 or with the bare 005010X222 are read as 005010X222A1
with a warning.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from claimtui.model.encounter import Encounter
from claimtui.x12._fields import FieldReader, element
from claimtui.x12._transaction import TransactionParser
from claimtui.x12.issues import InputIssue
from claimtui.x12.tokenizer import Delimiters, Segment, X12InputError, decode, tokenize

__all__ = [
    "InputIssue",
    "ReadClaim",
    "ReadResult",
    "X12InputError",
    "iter_837p",
    "read_837p",
]

logger = logging.getLogger(__name__)

PROFESSIONAL_VERSION = "005010X222A1"
_READ_AS_PROFESSIONAL = ("005010X222A2", "005010X222")
_INSTITUTIONAL_SEGMENTS = frozenset({"SV2", "CL1", "UB"})
_KNOWN_TRANSACTIONS = {
    "835": "an 835 remittance advice",
    "999": "a 999 acknowledgment",
    "997": "a 997 acknowledgment",
    "277": "a 277 claim status",
    "276": "a 276 claim status request",
    "270": "a 270 eligibility inquiry",
    "271": "a 271 eligibility response",
    "834": "an 834 enrollment",
}


@dataclass
class ReadClaim:
    """One claim read from a file."""

    encounter: Encounter
    """The claim as the model holds it."""
    raw: str
    """The claim's segments as received: its 2000A, 2000B (and 2000C) HL segments,
    then the 2300 and everything below it; one segment per line, original
    delimiters, no terminator."""
    position: str
    """Where it is, e.g. "transaction 0001, claim 3, segments 24-61" (the CLM and
    the segments of that claim)."""
    issues: list[InputIssue] = field(default_factory=list)
    """Problems touching only this claim; an error holds it."""


@dataclass
class ReadResult:
    """All claims of a file and the problems of the file itself."""

    claims: list[ReadClaim]
    issues: list[InputIssue]
    """File, interchange, group and transaction-level problems."""


def read_837p(path: Path) -> ReadResult:
    """Read an 837P file.

    Raises:
        X12InputError: the file cannot be opened or is not X12 at all.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise X12InputError(
            path.name,
            f"the file cannot be read ({error.strerror or 'unknown error'})",
            "Check the path and the file's permissions",
        ) from None
    claims: list[ReadClaim] = []
    issues: list[InputIssue] = []
    # Reading allocates many small objects that all stay alive; the cyclic
    # collector would rescan them again and again (it halved the read speed).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for item in iter_837p(data, path.name):
            if isinstance(item, ReadClaim):
                claims.append(item)
            else:
                issues.append(item)
    finally:
        if collecting:
            gc.enable()
    logger.info(
        "read %s: %d claims, %d file issues", path.name, len(claims), len(issues)
    )
    return ReadResult(claims, issues)


def iter_837p(data: bytes, source: str) -> Iterator[ReadClaim | InputIssue]:
    """Yield the claims of an 837P file, one transaction set at a time.

    File-level problems are yielded as InputIssue items in file order.

    Raises:
        X12InputError: the data is not X12 (see the module docstring).
    """
    text = decode(data)
    if not text.strip():
        raise X12InputError(
            source, "the file is empty", "Export the claims again as an 837P file"
        )
    delimiters, segments, terminated = tokenize(text, source)
    yield from _Envelope(source, delimiters, segments, terminated).read()


class _Envelope:
    """Walks ISA/GS/ST envelopes and hands each transaction to the parser."""

    def __init__(
        self,
        source: str,
        delimiters: Delimiters,
        segments: list[Segment],
        terminated: bool,
    ) -> None:
        self.source = source
        self.delimiters = delimiters
        self.segments = segments
        self.terminated = terminated
        self.fields = FieldReader(source, delimiters.component)
        self.index = 0

    def issue(
        self, segment: Segment | None, ref: str, message: str, severity: str = "error"
    ) -> InputIssue:
        return self.fields.issue(
            segment, ref, message, "warning" if severity == "warning" else "error"
        )

    def read(self) -> Iterator[ReadClaim | InputIssue]:
        segments = self.segments
        while self.index < len(segments):
            segment = segments[self.index]
            if segment.id == "ISA":
                yield from self._interchange()
                continue
            yield self.issue(
                segment, "", "this segment is outside any interchange (ISA..IEA)"
            )
            self.index = self._next_isa(self.index + 1)
        if not self.terminated:
            last = segments[-1]
            yield self.issue(
                last,
                "",
                "the last segment has no terminator; the file may be cut short",
                "warning",
            )

    def _next_isa(self, start: int) -> int:
        for index in range(start, len(self.segments)):
            if self.segments[index].id == "ISA":
                return index
        return len(self.segments)

    def _eof_issue(self, what: str) -> InputIssue:
        last = self.segments[-1]
        return self.issue(
            last,
            "",
            f"the file ends before {what}; it is truncated, ask the sender for the "
            "complete file",
        )

    # -- ISA .. IEA --------------------------------------------------------------

    def _interchange(self) -> Iterator[ReadClaim | InputIssue]:
        isa = self.segments[self.index]
        self.index += 1
        usable = True
        if len(isa.elements) != 16:
            yield self.issue(isa, "", "the ISA does not have 16 elements")
            usable = False
        elif element(isa, 12) != "00501":
            yield self.issue(
                isa,
                "ISA12",
                "the interchange is not version 00501 (5010); claimtui reads "
                "5010 837P files only",
            )
            usable = False
        elif isa.number > 1 and self._isa_delimiters_differ(isa):
            yield self.issue(
                isa,
                "",
                "this interchange uses different delimiters from the first one; "
                "split the file and import each part",
            )
            usable = False
        groups = 0
        while self.index < len(self.segments):
            segment = self.segments[self.index]
            if segment.id == "IEA":
                self.index += 1
                yield from self._check_trailer(isa, segment, 13, groups, "IEA")
                return
            if segment.id == "ISA":
                yield self.issue(segment, "", "the previous interchange has no IEA")
                return
            if segment.id == "GS":
                groups += 1
                yield from self._group(usable)
                continue
            yield self.issue(segment, "", "this segment is outside a group (GS..GE)")
            self.index += 1
        yield self._eof_issue("the interchange trailer (IEA)")

    def _isa_delimiters_differ(self, isa: Segment) -> bool:
        component = element(isa, 16)
        return component != self.delimiters.component

    def _check_trailer(
        self,
        header: Segment,
        trailer: Segment,
        control_position: int,
        count: int,
        name: str,
    ) -> Iterator[InputIssue]:
        header_control = element(header, control_position).strip()
        if element(trailer, 2).strip() != header_control:
            yield self.issue(
                trailer,
                f"{name}02",
                f"the control number does not match its {header.id}",
            )
        if element(trailer, 1) != str(count):
            yield self.issue(
                trailer,
                f"{name}01",
                "the count does not match what the envelope contains",
            )

    # -- GS .. GE ----------------------------------------------------------------

    def _group(self, usable: bool) -> Iterator[ReadClaim | InputIssue]:
        gs = self.segments[self.index]
        self.index += 1
        usable = usable and (yield from self._check_group(gs))
        transactions = 0
        while self.index < len(self.segments):
            segment = self.segments[self.index]
            if segment.id == "GE":
                self.index += 1
                yield from self._check_trailer(gs, segment, 6, transactions, "GE")
                return
            if segment.id in ("ISA", "IEA", "GS"):
                yield self.issue(segment, "", "the previous group has no GE")
                return
            if segment.id == "ST":
                transactions += 1
                yield from self._transaction(usable)
                continue
            yield self.issue(segment, "", "this segment is outside a transaction")
            self.index += 1
        yield self._eof_issue("the group trailer (GE)")

    def _check_group(self, gs: Segment) -> Generator[InputIssue, None, bool]:
        version = element(gs, 8)
        if element(gs, 1) != "HC":
            yield self.issue(
                gs, "GS01", "this group does not hold health care claims (HC)"
            )
            return False
        if version == PROFESSIONAL_VERSION:
            return True
        if version in _READ_AS_PROFESSIONAL:
            yield self.issue(
                gs,
                "GS08",
                "the group is labelled with another 837P guide version; it is read "
                "as 005010X222A1",
                "warning",
            )
            return True
        if version.startswith("004010"):
            problem = "the group is the old 4010 format"
        elif "X223" in version:
            problem = "the group holds institutional (837I) claims"
        else:
            problem = "the group is not a 005010X222A1 professional claim group"
        yield self.issue(
            gs, "GS08", f"{problem}; claimtui reads 5010 837P (005010X222A1) only"
        )
        return False

    # -- ST .. SE ----------------------------------------------------------------

    def _transaction(self, usable: bool) -> Iterator[ReadClaim | InputIssue]:
        st = self.segments[self.index]
        start = self.index
        self.index += 1
        end = self._find_se()
        if end is None:
            yield self._eof_issue("the transaction trailer (SE)")
            self.index = len(self.segments)
            return
        se = self.segments[end]
        body = self.segments[start + 1 : end]
        self.index = end + 1
        if se.id != "SE":
            yield self.issue(se, "", "the previous transaction has no SE")
            self.index = end
            return
        yield from self._check_trailer(st, se, 2, end - start + 1, "SE")
        kind_ok = yield from self._check_kind(st, body)
        if usable and kind_ok:
            yield from self._claims(st, body)

    def _find_se(self) -> int | None:
        for index in range(self.index, len(self.segments)):
            if self.segments[index].id in ("SE", "ST", "GE", "IEA", "ISA", "GS"):
                return index
        return None

    def _check_kind(
        self, st: Segment, body: list[Segment]
    ) -> Generator[InputIssue, None, bool]:
        kind = element(st, 1)
        if kind != "837":
            described = _KNOWN_TRANSACTIONS.get(kind, "not an 837 claim transaction")
            yield self.issue(
                st, "ST01", f"this transaction is {described}, not an 837P claim"
            )
            return False
        for segment in body:
            if segment.id in _INSTITUTIONAL_SEGMENTS:
                yield self.issue(
                    segment,
                    "",
                    "this transaction holds institutional (837I) claims; claimtui "
                    "reads professional (837P) claims only",
                )
                return False
        return True

    def _claims(
        self, st: Segment, body: list[Segment]
    ) -> Iterator[ReadClaim | InputIssue]:
        parser = TransactionParser(self.fields)
        parsed = parser.parse(body)
        yield from parser.issues
        control = element(st, 2)
        separator = self.delimiters.element
        for number, claim in enumerate(parsed, start=1):
            position = (
                f"transaction {control}, claim {number}, "
                f"segments {claim.first}-{claim.last}"
            )
            if claim.encounter is None:
                yield self.issue(
                    self.segments[claim.first - 1],
                    "",
                    f"the claim at {position} cannot be read and is left out",
                )
                yield from claim.issues
                continue
            raw = "\n".join(
                separator.join([segment.id, *segment.elements]) for segment in claim.raw
            )
            yield ReadClaim(claim.encounter, raw, position, claim.issues)
