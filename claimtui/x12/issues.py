"""Problems found while reading a file, located by segment and element."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

IssueSeverity = Literal["error", "warning"]


@dataclass
class InputIssue:
    """One problem in an input file; the message never contains element values."""

    source: str
    """The file name."""
    segment_number: int | None
    """1-based position of the segment in the file, when the problem has one."""
    segment_id: str
    """Segment id, e.g. CLM; empty for problems of the whole file."""
    element: str
    """Element reference such as CLM05-3, or empty."""
    message: str
    """What is wrong and what to do, without any element value."""
    severity: IssueSeverity
    """error: the claim (or, at file level, the file) must not go through as is;
    warning: something a person should know, e.g. data that is not carried."""
    touches: tuple[int, ...] | None = None
    """For a file-level issue, the envelope whose claims it concerns: numbers of
    the interchange, group and transaction in the file, counted from 1; (2,)
    is the whole second interchange. None: no claim in particular."""

    def __str__(self) -> str:
        where = []
        if self.segment_number is not None:
            where.append(f"segment {self.segment_number}")
        if self.segment_id:
            where.append(self.segment_id)
        if self.element:
            where.append(self.element)
        location = f" ({' '.join(where)})" if where else ""
        return f"{self.source}{location}: {self.severity}: {self.message}"
