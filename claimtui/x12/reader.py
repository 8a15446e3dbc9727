"""Read 837P (005010X222A1) files into encounters, with located problems.

How problems come back:

- ``X12InputError`` is raised when the file cannot be read as X12 at all: it is
  empty, does not start with an ISA, or its ISA is not the fixed 106 characters
  the delimiters are taken from.
- Everything else is an ``InputIssue`` with the segment position. Issues about the
  file or an envelope (wrong transaction or version, control numbers, segment
  counts, HL structure, a file that ends early) are yielded on their own; issues
  about one claim ride on its ``ReadClaim``.
- An error about an envelope is also copied onto every claim inside it (its
  ``touches`` names the envelope), so a claim whose transaction set has a wrong
  SE01, or whose interchange has no IEA, carries the error that holds it.
- A transaction set that is the wrong kind (837I, 835, 4010) or that the file
  ends inside yields an error issue and no claims, so a truncated file never
  looks like "0 claims, fine".

The file is read in two passes over the same text: a quick one that checks the
envelopes (ISA/GS/ST and their trailers), notes which transaction sets can be
read and yields every envelope problem first, then one that reads claims. It
hands each claim out as soon as no later segment can add a problem to it (the
HL levels it is under are closed), so an importer builds and stores claims
while the rest of a large transaction set is still being read. Only one
transaction set's parsed claims are held at once, so memory does not grow with
the file; and a caller that refuses files with errors learns it before the
first claim.

Files labelled 005010X222A2 or with the bare 005010X222 are read as 005010X222A1
with a warning.
"""

from __future__ import annotations

import codecs
import gc
import itertools
import logging
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from claimtui.model.encounter import Encounter
from claimtui.x12._fields import FieldReader, element
from claimtui.x12._transaction import ParsedClaim, TransactionParser
from claimtui.x12.issues import InputIssue, IssueSeverity
from claimtui.x12.tokenizer import (
    ISA_LENGTH,
    MAX_SEGMENT_LENGTH,
    Delimiters,
    Segment,
    SegmentStream,
    X12InputError,
    decode,
    is_utf16,
    read_delimiters,
    start_of_interchange,
)

__all__ = [
    "InputIssue",
    "ReadClaim",
    "ReadResult",
    "X12InputError",
    "iter_837p",
    "iter_837p_file",
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
    """Read an 837P file into a list of claims (small files and tests).

    Importing goes through ``iter_837p_file``, which never holds every claim.

    Raises:
        X12InputError: the file cannot be opened or is not X12 at all.
    """
    claims: list[ReadClaim] = []
    issues: list[InputIssue] = []
    # Every claim stays alive here; the cyclic collector would rescan them again
    # and again (it cut the read speed by four on 50k claims).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for item in iter_837p_file(path):
            if isinstance(item, ReadClaim):
                claims.append(item)
            else:
                issues.append(item)
    finally:
        if collecting:
            gc.enable()
    # File names can carry patient names; the log gets counts only.
    logger.info(
        "read an 837P file: %d claims, %d file issues", len(claims), len(issues)
    )
    return ReadResult(claims, issues)


def iter_837p_file(path: Path) -> Iterator[ReadClaim | InputIssue]:
    """Yield the problems and claims of an 837P file (see ``iter_837p``).

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
    utf16 = is_utf16(data.removeprefix(codecs.BOM_UTF8))
    text = decode(data)
    del data  # only the text is needed from here on
    return _iter_text(text, path.name, utf16)


def iter_837p(data: bytes, source: str) -> Iterator[ReadClaim | InputIssue]:
    """Yield the problems and claims of 837P data.

    Envelope problems come first, in file order; then claims, each as soon as
    it is read, and after each transaction set's claims the problems its
    reading found.

    Raises:
        X12InputError: the data is not X12 (see the module docstring); raised
            before anything is yielded.
    """
    utf16 = is_utf16(data.removeprefix(codecs.BOM_UTF8))
    return _iter_text(decode(data), source, utf16)


def _iter_text(text: str, source: str, utf16: bool) -> Iterator[ReadClaim | InputIssue]:
    if not text.strip():
        raise X12InputError(
            source, "the file is empty", "Export the claims again as an 837P file"
        )
    text = start_of_interchange(text)
    delimiters = read_delimiters(text, source)
    passes = _read_passes(text, source, delimiters)
    if not utf16:
        return passes
    return itertools.chain([_utf16_warning(source)], passes)


def _utf16_warning(source: str) -> InputIssue:
    return InputIssue(
        source,
        None,
        "",
        "",
        "the file is UTF-16; it was decoded for reading, but receivers expect "
        "ASCII: save or export it as ASCII (or UTF-8) before sending it on",
        "warning",
    )


def _read_passes(
    text: str, source: str, delimiters: Delimiters
) -> Iterator[ReadClaim | InputIssue]:
    checked: list[InputIssue] = []
    stream = SegmentStream(text, delimiters, light=True)
    checker = _Walker(source, delimiters, stream, text, None)
    for issue in checker.read():
        if isinstance(issue, InputIssue):
            checked.append(issue)
            yield issue
    touching = [
        issue
        for issue in checked
        if issue.severity == "error" and issue.touches is not None
    ]
    stream = SegmentStream(text, delimiters)
    reader = _Walker(source, delimiters, stream, text, touching, checker.readable)
    yield from reader.read()


_OUTER_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST"})
_REMITTANCE_SEGMENTS = frozenset({"BPR", "CLP", "SVC"})
_HINT_RESEND = "ask the sender for a corrected file"


class _Walker:
    """Walks ISA/GS/ST envelopes one segment at a time.

    Without ``touching`` it checks envelopes, yields their problems and notes
    which transaction sets can be read (``readable``); with it and those notes,
    it reads claims, copies onto each the envelope errors that touch it, and
    yields only the claims and the problems found while reading them.
    """

    def __init__(
        self,
        source: str,
        delimiters: Delimiters,
        stream: SegmentStream,
        text: str,
        touching: list[InputIssue] | None,
        readable: set[tuple[int, ...]] | None = None,
    ) -> None:
        self.source = source
        self.delimiters = delimiters
        self.stream = stream
        self.segments = iter(stream)
        self.text = text
        self.touching = touching
        self.fields = FieldReader(source, delimiters.component)
        self.pending: Segment | None = None
        self.last: Segment | None = None
        self.readable = readable if readable is not None else set()
        """The transaction sets, by scope, the checking pass found readable."""
        self.scope: tuple[int, ...] = ()

    # -- segments and issues -----------------------------------------------------

    def _peek(self) -> Segment | None:
        if self.pending is None:
            self.pending = next(self.segments, None)
        return self.pending

    def _take(self) -> Segment:
        segment = self._peek()
        assert segment is not None
        self.pending = None
        self.last = segment
        return segment

    def _say(
        self,
        segment: Segment | None,
        ref: str,
        message: str,
        severity: IssueSeverity = "error",
        *,
        touches: bool = True,
    ) -> Iterator[InputIssue]:
        """Yield an envelope problem, in the checking pass only."""
        if self.touching is not None:
            return
        issue = self.fields.issue(segment, ref, message, severity)
        if touches and self.scope:
            issue.touches = self.scope
        yield issue

    def _special(self, segment: Segment) -> Iterator[InputIssue]:
        """Problems of an empty or overlong segment; nothing for a normal one."""
        if not segment.id:
            yield from self._say(
                segment,
                "",
                "this segment is empty (two segment terminators in a row); "
                f"something may have been removed, {_HINT_RESEND}",
            )
        elif segment.length:
            yield from self._say(
                segment,
                "",
                f"this segment is {segment.length} characters long (at most "
                f"{MAX_SEGMENT_LENGTH} are read); segment terminators are "
                f"missing or wrong, {_HINT_RESEND}",
            )

    def _eof(self, what: str) -> Iterator[InputIssue]:
        yield from self._say(
            self.last,
            "",
            f"the file ends before {what}; it is truncated, ask the sender for "
            "the complete file",
        )

    def read(self) -> Iterator[ReadClaim | InputIssue]:
        interchanges = 0
        while (segment := self._peek()) is not None:
            if segment.id == "ISA":
                interchanges += 1
                self.scope = (interchanges,)
                yield from self._interchange()
                self.scope = ()
                continue
            self._take()
            if segment.id and not segment.length:
                yield from self._say(
                    segment,
                    "",
                    "this segment is outside any interchange (ISA..IEA) and is "
                    f"not read; {_HINT_RESEND}",
                )
            else:
                yield from self._special(segment)
        if not self.stream.terminated and self.last is not None:
            # A missing final newline is harmless when newlines end segments;
            # otherwise the last segment may have been cut.
            newline = self.delimiters.segment == "\n"
            self.scope = (interchanges,) if interchanges else ()
            yield from self._say(
                self.last,
                "",
                "the last segment has no terminator; the file may be truncated, "
                "ask the sender for the complete file",
                "warning" if newline else "error",
            )

    # -- ISA .. IEA --------------------------------------------------------------

    def _interchange(self) -> Iterator[ReadClaim | InputIssue]:
        isa = self._take()
        usable = yield from self._check_isa(isa)
        groups = 0
        while (segment := self._peek()) is not None:
            if segment.id == "IEA":
                self._take()
                yield from self._check_trailer(isa, segment, 13, groups, "IEA")
                return
            if segment.id == "ISA":
                yield from self._say(
                    segment,
                    "",
                    "the interchange before this ISA has no IEA trailer; "
                    + _HINT_RESEND,
                )
                return
            if segment.id == "GS":
                groups += 1
                self.scope = (self.scope[0], groups)
                yield from self._group(usable)
                self.scope = self.scope[:1]
                continue
            yield from self._outside(segment, "a functional group (GS..GE)")
        yield from self._eof("the interchange trailer (IEA)")

    def _outside(self, segment: Segment, envelope: str) -> Iterator[InputIssue]:
        """Report a segment found between envelopes, and move past it."""
        self._take()
        if segment.id and not segment.length:
            yield from self._say(
                segment,
                "",
                f"this segment is outside {envelope}; " + _HINT_RESEND,
            )
        else:
            yield from self._special(segment)

    def _check_isa(self, isa: Segment) -> Generator[InputIssue, None, bool]:
        if len(isa.elements) != 16:
            yield from self._say(
                isa,
                "",
                f"the ISA has {len(isa.elements)} elements instead of 16; "
                + _HINT_RESEND,
            )
            return False
        if element(isa, 12) != "00501":
            yield from self._say(
                isa,
                "ISA12",
                "the interchange is not version 00501 (5010); claimtui reads "
                "5010 837P files only, ask the sender for a 5010 file",
            )
            return False
        if isa.number > 1 and element(isa, 16) != self.delimiters.component:
            yield from self._say(
                isa,
                "ISA16",
                "this interchange uses different delimiters from the first one; "
                "split the file and import each part",
            )
            return False
        yield from self._check_repetition(isa)
        return True

    def _check_repetition(self, isa: Segment) -> Iterator[InputIssue]:
        """ISA11 must be a delimiter from 00402 on; a letter that is also data
        would split those elements for any receiver that honours it."""
        separator = element(isa, 11)
        if len(separator) != 1 or not separator.isalnum():
            return
        if separator in self.text[ISA_LENGTH:]:
            yield from self._say(
                isa,
                "ISA11",
                "the repetition separator is a letter or digit that also occurs "
                "in the data, so a receiver would split those values; ask the "
                "sender for a file whose ISA11 is a symbol such as ^",
            )
        else:
            yield from self._say(
                isa,
                "ISA11",
                "the repetition separator is a letter or digit; 5010 expects a "
                "symbol such as ^, ask the sender to correct ISA11",
                "warning",
            )

    def _check_trailer(
        self,
        header: Segment,
        trailer: Segment,
        control_position: int,
        count: int,
        name: str,
    ) -> Iterator[InputIssue]:
        header_control = element(header, control_position).strip()
        header_ref = f"{header.id}{control_position:02d}"
        if element(trailer, 2).strip() != header_control:
            yield from self._say(
                trailer,
                f"{name}02",
                f"the control number does not match {header_ref} of the "
                f"{header.id} at segment {header.number}; the envelope may "
                f"have been damaged or spliced, {_HINT_RESEND}",
            )
        if element(trailer, 1) != str(count):
            what = {"IEA": "groups", "GE": "transaction sets", "SE": "segments"}
            yield from self._say(
                trailer,
                f"{name}01",
                f"the count of {what[name]} does not match the {count} this "
                f"envelope holds; something may be missing, {_HINT_RESEND}",
            )

    # -- GS .. GE ----------------------------------------------------------------

    def _group(self, usable: bool) -> Iterator[ReadClaim | InputIssue]:
        gs = self._take()
        label_ok = yield from self._check_group(gs)
        usable = usable and label_ok
        transactions = 0
        while (segment := self._peek()) is not None:
            if segment.id == "GE":
                self._take()
                yield from self._check_trailer(gs, segment, 6, transactions, "GE")
                return
            if segment.id in ("ISA", "IEA", "GS"):
                yield from self._say(
                    segment,
                    "",
                    f"the group that starts at segment {gs.number} has no GE "
                    f"trailer; {_HINT_RESEND}",
                )
                return
            if segment.id == "ST":
                transactions += 1
                self.scope = (*self.scope[:2], transactions)
                yield from self._transaction(usable, gs)
                self.scope = self.scope[:2]
                continue
            yield from self._outside(segment, "a transaction set (ST..SE)")
        yield from self._eof("the group trailer (GE)")

    def _check_group(self, gs: Segment) -> Generator[InputIssue, None, bool]:
        version = element(gs, 8)
        if element(gs, 1) != "HC":
            yield from self._say(
                gs,
                "GS01",
                "this group does not hold health care claims (HC); import only "
                "837P claim files",
            )
            return False
        if version == PROFESSIONAL_VERSION:
            return True
        if version in _READ_AS_PROFESSIONAL:
            yield from self._say(
                gs,
                "GS08",
                "the group is labelled with another 837P guide version; it is "
                "read as 005010X222A1",
                "warning",
            )
            return True
        yield from self._say(gs, "GS08", _version_problem(version))
        return False

    # -- ST .. SE ----------------------------------------------------------------

    def _transaction(
        self, usable: bool, gs: Segment
    ) -> Iterator[ReadClaim | InputIssue]:
        st = self._take()
        # The checking pass decides whether the transaction set is read at all
        # (it ends with its SE, and holds 837P content); the reading pass then
        # hands each claim out as soon as no later segment can change it.
        checking = self.touching is None
        reading = not checking and self.scope in self.readable
        parser = TransactionParser(self.fields, self.delimiters.element)
        content = _Content()
        handing = _Handing(self, st, parser)
        count = 1
        last = st
        # Reading allocates many small objects that live until the transaction
        # set ends; the cyclic collector would rescan them again and again (it
        # halved the read speed). It is paused except while a claim is handed out.
        paused = reading and gc.isenabled()
        if paused:
            gc.disable()
        watched = _Content.WATCHED
        see = content.see
        feed = parser.feed
        try:
            for segment in self.segments:
                sid = segment.id
                if sid in _OUTER_IDS:
                    self.pending, self.last = segment, last
                    yield from self._say(
                        segment,
                        "",
                        f"the transaction set that starts at segment {st.number} "
                        "has no SE trailer, so its claims are not read; "
                        + _HINT_RESEND,
                    )
                    return
                last = segment
                if sid == "SE":
                    self.last = segment
                    yield from self._check_trailer(st, segment, 2, count + 1, "SE")
                    break
                if not sid or segment.length:
                    count += sid != ""
                    yield from self._special(segment)
                    continue
                count += 1
                if checking and sid in watched:
                    see(segment)
                if reading:
                    feed(segment)
                    if sid == "HL" or sid == "CLM":  # the two that close a claim
                        yield from handing.out(parser.settled(), paused)
            else:
                self.last = last
                yield from self._eof("the transaction trailer (SE)")
                return
            if checking:
                kind_ok = yield from self._check_kind(st, gs, content)
                if usable and kind_ok:
                    self.readable.add(self.scope)
            if reading:
                yield from handing.out(parser.finish(), paused)
                yield from parser.issues
        finally:
            if paused:
                gc.enable()

    def _check_kind(
        self, st: Segment, gs: Segment, content: _Content
    ) -> Generator[InputIssue, None, bool]:
        kind = element(st, 1)
        if kind != "837":
            described = _KNOWN_TRANSACTIONS.get(kind, "not an 837 claim transaction")
            yield from self._say(
                st,
                "ST01",
                f"this transaction is {described}, not an 837P claim; import "
                "only 837P claim files",
            )
            return False
        label = element(st, 3)
        known = (PROFESSIONAL_VERSION, *_READ_AS_PROFESSIONAL)
        if label and label != element(gs, 8) and label not in known:
            yield from self._say(st, "ST03", _version_problem(label))
            return False
        if content.found is not None:
            segment, problem = content.found
            yield from self._say(
                segment,
                "",
                f"the transaction is labelled 837P but {problem}; claimtui reads "
                "5010 professional (837P) claims only, ask the sender for the "
                "right file",
            )
            return False
        return True


class _Handing:
    """Hands out a transaction set's claims as they are read, numbered in order."""

    def __init__(self, walker: _Walker, st: Segment, parser: TransactionParser) -> None:
        self.fields = walker.fields
        self.parser = parser
        self.control = element(st, 2)
        self.number = 0
        self.touching = [
            issue
            for issue in walker.touching or ()
            if walker.scope[: len(issue.touches or ())] == issue.touches
        ]

    def out(
        self, parsed: list[ParsedClaim], paused: bool
    ) -> Iterator[ReadClaim | InputIssue]:
        """Each claim of ``parsed`` as a ReadClaim, or the reasons it cannot be
        read; the paused collector runs while the receiver has a claim."""
        if not parsed:
            return
        if paused:
            gc.enable()
        try:
            for claim in parsed:
                yield from self._one(claim)
        finally:
            if paused:
                gc.disable()

    def _one(self, claim: ParsedClaim) -> Iterator[ReadClaim | InputIssue]:
        self.number += 1
        position = (
            f"transaction {self.control}, claim {self.number}, "
            f"segments {claim.first}-{claim.last}"
        )
        encounter = self.parser.build(claim)
        if encounter is None:
            yield self.fields.issue(
                claim.clm, "", f"the claim at {position} cannot be read and is left out"
            )
            yield from claim.issues
            return
        touching = self.touching
        issues = [*touching, *claim.issues] if touching else claim.issues
        yield ReadClaim(encounter, claim.raw, position, issues)


def _version_problem(version: str) -> str:
    if version.startswith("004010"):
        problem = "the label says the old 4010 format"
    elif "X223" in version:
        problem = "the label says institutional (837I) claims"
    else:
        problem = "the label is not a 005010X222A1 professional claim version"
    return f"{problem}; claimtui reads 5010 837P (005010X222A1) only"


class _Content:
    """Watches a transaction's segments for content of another kind."""

    WATCHED = frozenset({"HL", "REF", "SV2", "CL1", "UB", "BPR", "CLP", "SVC"})

    def __init__(self) -> None:
        self.found: tuple[Segment, str] | None = None
        self.in_header = True

    def see(self, segment: Segment) -> None:
        if self.found is not None:
            return
        sid = segment.id
        if sid == "HL":
            self.in_header = False
        elif sid in _INSTITUTIONAL_SEGMENTS:
            self.found = (segment, "it holds institutional (837I) claims")
        elif sid in _REMITTANCE_SEGMENTS:
            self.found = (segment, "it holds remittance (835) content")
        elif self.in_header and sid == "REF" and element(segment, 1) == "87":
            self.found = (segment, "its header is in the old 4010 format (REF*87)")
