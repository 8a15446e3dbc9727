"""Bridge to pyx12, the independent TR3 validator for everything claimtui exports.

pyx12 has gaps this bridge handles without loosening any check:

- it has no 005010X222A2 map, so files labelled X222A2 or with the bare X222 are
  validated against the X222A1 map, with a note saying so;
- it cannot read a UTF-8 byte order mark or UTF-16, so the data is decoded here;
- it quotes element values in its messages and logs them, so its loggers are
  captured for the duration of a run and values are removed from every message;
- a pyx12 crash becomes a failing finding, never an exception.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from claimtui.x12.tokenizer import X12InputError, decode, read_delimiters

logger = logging.getLogger(__name__)

_RELABELLED = ("005010X222A2", "005010X222")
_TARGET_VERSION = "005010X222A1"
_SEGMENT_TEXT = re.compile(r"Segment (\w{2,3})\S*(?: \S+)*? not found")
_TRAILING_VALUE = re.compile(r"\s*\([^()]*\)\s*$")
_LEN_VALUE = re.compile(r'len\("[^"]*"\)')
_STREAM_NAME = re.compile(r'"?<_io\.\w+ [^<>]*>"?')
_CHUNK = 1 << 20


@dataclass
class ValidationFinding:
    """One TR3 problem pyx12 reported, without element values."""

    segment_number: int | None
    """1-based segment position in the validated data, when pyx12 gives one."""
    segment_id: str
    """Segment id, e.g. CLM; empty for envelope-wide problems."""
    element: str
    """Element reference such as CLM05-01, or empty."""
    code: str
    """pyx12's error code, or 'crash' / 'unreadable' for a run that failed."""
    message: str
    """What pyx12 found, with values removed."""


@dataclass
class ValidationReport:
    """The outcome of one validation run."""

    ok: bool
    """True only when pyx12 ran to the end and found nothing."""
    findings: list[ValidationFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """How the data was prepared, e.g. a version relabelled for the A1 map."""


def validate_interchange(data: str | bytes) -> ValidationReport:
    """Validate X12 text with pyx12; never raises."""
    notes: list[str] = []
    text = decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    text = _relabel(text, notes)
    return _validate(io.StringIO(text), notes)


def validate_file(path: Path) -> ValidationReport:
    """Validate an X12 file with pyx12, reading it as a stream; never raises.

    pyx12 reads the file a piece at a time, so its size does not matter. A file
    that has to be prepared first (UTF-16, not UTF-8, or labelled X222A2 or
    X222) is read whole and prepared as by ``validate_interchange``; files
    claimtui writes never need that.
    """
    try:
        if _needs_preparing(path):
            return validate_interchange(path.read_bytes())
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return _validate(stream, [])
    except OSError as error:
        finding = ValidationFinding(
            None,
            "",
            "",
            "unreadable",
            f"the file could not be read ({type(error).__name__})",
        )
        return ValidationReport(False, [finding])


def _needs_preparing(path: Path) -> bool:
    """True when the file is not plain UTF-8 or holds a label to relabel."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        head = stream.read(_CHUNK)
        if b"\x00" in head[:64] or head.startswith(
            (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        ):
            return True
        try:
            delimiters = read_delimiters(
                head.removeprefix(codecs.BOM_UTF8).decode("latin-1").lstrip(), "data"
            )
        except X12InputError:
            return True
        labels = [
            f"{delimiters.element}{version}{delimiters.segment}".encode("latin-1")
            for version in _RELABELLED
        ]
        overlap = max(len(label) for label in labels) - 1
        tail = b""
        chunk = head
        while chunk:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return True
            window = tail + chunk
            if any(label in window for label in labels):
                return True
            tail = window[-overlap:]
            chunk = stream.read(_CHUNK)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return True
    return False


def _validate(stream: TextIO, notes: list[str]) -> ValidationReport:
    try:
        findings = _run_pyx12(stream)
    except Exception as error:  # a validator that cannot run must hold, not pass
        logger.warning("pyx12 failed: %s", type(error).__name__)
        findings = [
            ValidationFinding(
                None,
                "",
                "",
                "crash",
                f"the validator could not finish ({type(error).__name__}); "
                "the file is not known to be valid",
            )
        ]
        return ValidationReport(False, findings, notes)
    return ValidationReport(not findings, findings, notes)


def _relabel(text: str, notes: list[str]) -> str:
    """Point X222A2 / bare X222 labels (GS08, ST03) at the X222A1 map."""
    try:
        delimiters = read_delimiters(text.lstrip(), "data")
    except X12InputError:
        return text
    separator, terminator = delimiters.element, delimiters.segment
    for version in _RELABELLED:
        label = f"{separator}{version}{terminator}"
        if label in text:
            target = f"{separator}{_TARGET_VERSION}{terminator}"
            text = text.replace(label, target)
            notes.append(
                f"labelled {version}; validated against pyx12's {_TARGET_VERSION} map"
            )
    return text


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a malformed record must not stop validation
            self.messages.append("pyx12 logged an unreadable error")


def _run_pyx12(stream: TextIO) -> list[ValidationFinding]:
    import pyx12.params
    import pyx12.x12n_document

    pyx12_logger = logging.getLogger("pyx12")
    saved = (pyx12_logger.handlers[:], pyx12_logger.propagate, pyx12_logger.level)
    capture = _Capture()
    pyx12_logger.handlers = [capture]
    pyx12_logger.propagate = False
    pyx12_logger.setLevel(logging.ERROR)
    json_out = io.StringIO()
    try:
        passed = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=stream,
            fd_997=None,
            fd_html=None,
            fd_json=json_out,
        )
    finally:
        pyx12_logger.handlers, pyx12_logger.propagate = saved[0], saved[1]
        pyx12_logger.setLevel(saved[2])
    findings = _from_json(json_out.getvalue())
    if not findings and (capture.messages or not passed):
        findings = [_from_log(message) for message in capture.messages]
        if not findings:
            findings.append(
                ValidationFinding(None, "", "", "failed", "pyx12 rejected the data")
            )
    return findings


def _from_json(text: str) -> list[ValidationFinding]:
    if not text:
        return []
    document: dict[str, Any] = json.loads(text)
    findings: list[ValidationFinding] = []
    for interchange in document.get("interchanges", []):
        findings.extend(_envelope_errors(interchange, "ISA"))
        for group in interchange.get("groups", []):
            findings.extend(_envelope_errors(group, "GS"))
            for transaction in group.get("transactions", []):
                findings.extend(_envelope_errors(transaction, "ST"))
                for segment in transaction.get("segments", []):
                    findings.extend(_segment_errors(segment))
    return findings


def _envelope_errors(node: dict[str, Any], segment_id: str) -> list[ValidationFinding]:
    return [
        ValidationFinding(
            node.get("cur_line"),
            segment_id,
            "",
            str(error.get("err_cde", "")),
            _clean(str(error.get("err_str", "")), None),
        )
        for error in node.get("errors", [])
    ]


def _segment_errors(segment: dict[str, Any]) -> list[ValidationFinding]:
    segment_id = str(segment.get("seg_id") or "")
    line = segment.get("cur_line")
    findings = [
        ValidationFinding(
            line,
            segment_id,
            "",
            str(error.get("err_cde", "")),
            _clean(str(error.get("err_str", "")), error.get("err_val")),
        )
        for error in segment.get("errors", [])
    ]
    for element in segment.get("elements", []):
        reference = _element_reference(segment_id, element)
        for error in element.get("errors", []):
            findings.append(
                ValidationFinding(
                    line,
                    segment_id,
                    reference,
                    str(error.get("err_cde", "")),
                    _clean(str(error.get("err_str", "")), error.get("err_val")),
                )
            )
    return findings


def _element_reference(segment_id: str, element: dict[str, Any]) -> str:
    position = element.get("ele_pos")
    if not isinstance(position, int):
        return ""
    reference = f"{segment_id}{position:02d}"
    component = element.get("subele_pos")
    if isinstance(component, int):
        reference += f"-{component:02d}"
    return reference


def _clean(message: str, value: object) -> str:
    """Remove element values from a pyx12 message."""
    if isinstance(value, str) and value:
        message = message.replace(value, "…")
    message = _STREAM_NAME.sub("the data", message)
    message = _SEGMENT_TEXT.sub(r"Segment \1 not found", message)
    message = _LEN_VALUE.sub("len(…)", message)
    while True:
        shorter = _TRAILING_VALUE.sub("", message)
        if shorter == message:
            break
        message = shorter
    return message.replace("(…)", "").replace('"…"', "…").strip()


def _from_log(message: str) -> ValidationFinding:
    return ValidationFinding(None, "", "", "log", _clean(message, None))
