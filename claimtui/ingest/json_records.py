"""JSON importer: a list of encounters (or {"encounters": [...]}) in the model's shape.

The published JSON Schema (``claimtui schema encounter``) describes one record. Each
bad record is reported with its index and the field at fault; good records still
import.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from claimtui.model import Encounter
from claimtui.x12.reader import InputIssue

if TYPE_CHECKING:
    from claimtui.ingest import IngestResult


def _records(document: Any) -> list[Any] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("encounters"), list):
        return list(document["encounters"])
    return None


def _issue(source: str, message: str) -> InputIssue:
    return InputIssue(
        source=source,
        segment_number=None,
        segment_id="",
        element="",
        message=message,
        severity="error",
    )


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(step) for step in item["loc"])
        parts.append(f"field {where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def read_json(data: bytes, source: str) -> IngestResult:
    """Read encounters from a JSON document; bad records become issues."""
    from claimtui.ingest import IngestedClaim, IngestResult

    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", None)
        where = f" at line {line}" if line else ""
        message = f"{source}: not valid JSON{where}; fix the file and import it again"
        return IngestResult(format="json", claims=[], issues=[_issue(source, message)])
    records = _records(document)
    if records is None:
        message = (
            f"{source}: expected a list of encounters or an object with an "
            "'encounters' list"
        )
        return IngestResult(format="json", claims=[], issues=[_issue(source, message)])
    claims: list[IngestedClaim] = []
    issues: list[InputIssue] = []
    for index, record in enumerate(records):
        try:
            encounter = Encounter.model_validate(record)
        except ValidationError as error:
            issues.append(
                _issue(source, f"{source}: record {index + 1}: {_describe(error)}")
            )
            continue
        raw = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False)
        claims.append(
            IngestedClaim(
                encounter=encounter,
                raw=raw,
                raw_format="json",
                position=f"record {index + 1}",
            )
        )
    for issue in issues:
        issue.severity = "warning" if claims else "error"
    return IngestResult(format="json", claims=claims, issues=issues)
