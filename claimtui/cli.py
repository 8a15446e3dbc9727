"""Command line: every action of the console has a scriptable twin here.

Exit status is 0 on success and non-zero with a one-line reason on stderr otherwise;
a person's mistake (a bad file, an unknown claim, a broken config) never ends in a
traceback. ``--json`` output is stable: scripts depend on it (see README).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel

from claimtui import __version__
from claimtui.review import (
    ClaimDetail,
    ClaimRow,
    ConfigError,
    ImportReport,
    ReviewError,
    Workspace,
)
from claimtui.store import StoreError

log = logging.getLogger("claimtui")


class UsageError(Exception):
    """A mistake in how the command was called; the message says what to do."""


def _setup_logging() -> None:
    """One log file under the platformdirs log dir; claim ids and counts only."""
    log_dir = Path(platformdirs.user_log_dir("claimtui"))
    log_file = log_dir / "claimtui.log"
    try:
        log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(log_file, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
        handler: logging.Handler = logging.FileHandler(log_file)
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger("claimtui")
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    root.propagate = False


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str, sort_keys=False))


def _dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json", exclude_defaults=True)


def row_json(row: ClaimRow) -> dict[str, Any]:
    """The stable JSON form of a queue row (``claims --json``)."""
    return {
        "id": row.id,
        "status": row.status,
        "patient_control_number": row.patient_control_number,
        "payer": row.payer_name,
        "claim_filing_code": row.claim_filing_code,
        "total_charge": str(row.total_charge),
        "service_date": row.service_date.isoformat() if row.service_date else None,
        "holding_rules": row.rules,
        "errors": row.errors,
        "warnings": row.warnings,
        "flags": row.flags,
        "kind": row.kind,
    }


def detail_json(detail: ClaimDetail) -> dict[str, Any]:
    """The stable JSON form of one claim (``show --json``)."""
    return {
        "id": detail.id,
        "status": detail.status,
        "source": detail.source,
        "raw_format": detail.raw_format,
        "raw": detail.raw,
        "received": _dump(detail.received),
        "final": _dump(detail.encounter),
        "rule_set_version": detail.build.rule_set_version,
        "rules": [_dump(trace) for trace in detail.build.traces],
        "findings": [_dump(finding) for finding in detail.build.findings],
        "changes": [_dump(change) for change in detail.build.changes],
        "segments": detail.segment_lines,
        "decisions": [
            {
                "id": d.id,
                "kind": d.kind,
                "rule_id": d.rule_id,
                "path": d.path,
                "value": d.value,
                "reason": d.reason,
                "user": d.user,
                "at": d.at.isoformat(),
            }
            for d in detail.decisions
        ],
    }


def _show_text(detail: ClaimDetail) -> None:
    print(f"Claim {detail.id}  [{detail.status}]  {detail.source}")
    print("\n== Encounter as received ==")
    print(detail.raw)
    print("\n== Rules applied ==")
    for trace in detail.build.traces:
        if trace.outcome in ("passed", "skipped"):
            continue
        line = f"{trace.outcome.upper():9} {trace.rule_id}  {trace.title}"
        print(line + (f"  ({trace.detail})" if trace.detail else ""))
        for change in trace.changes:
            print(f"          {change.path}: {change.before!r} -> {change.after!r}")
        for finding in trace.findings:
            mark = " (exempted)" if finding.exempted else ""
            print(f"          {finding.severity.value}: {finding.message}{mark}")
    # What no rule's trace holds: reading problems, the X12 check, a rule set
    # that did not load, and a person's edits and overrides.
    traced = {trace.rule_id for trace in detail.build.traces}
    for change in detail.build.changes:
        if change.rule_id not in traced:
            why = f"  ({change.reason})" if change.reason else ""
            print(
                f"{change.rule_id.upper():9} {change.path}: "
                f"{change.before!r} -> {change.after!r}{why}"
            )
    for finding in detail.build.findings:
        if finding.rule_id not in traced:
            mark = " (exempted)" if finding.exempted else ""
            print(
                f"{finding.rule_id:9} {finding.severity.value}: {finding.message}{mark}"
            )
    print("\n== Final segments ==")
    for line in detail.segment_lines:
        print(line + "~")


def _import_text(report: ImportReport) -> None:
    if report.duplicate:
        state = "already imported"
    elif report.refused:
        state = "refused"
    else:
        claims = "claim" if report.imported == 1 else "claims"
        state = f"{report.imported} {claims}, {report.held} held"
        if report.repeated:
            state += f", {report.repeated} already stored (skipped)"
    print(f"{report.source}: {state}")
    for problem in report.problems:
        print(f"  {problem}")


def cmd_import(ws: Workspace, args: argparse.Namespace) -> int:
    reports = [ws.import_path(Path(path), lenient=args.lenient) for path in args.paths]
    if args.json:
        _print_json([report.__dict__ for report in reports])
    else:
        for report in reports:
            _import_text(report)
    return 1 if any(report.refused for report in reports) else 0


def cmd_claims(ws: Workspace, args: argparse.Namespace) -> int:
    queue = args.queue or args.status or "all"
    rows: list[ClaimRow] = []
    after = None
    while len(rows) < args.limit:
        page = ws.claim_rows(queue, after=after, limit=min(500, args.limit - len(rows)))
        if not page:
            break
        rows.extend(page)
        after = page[-1].key
    if args.json:
        _print_json([row_json(row) for row in rows])
        return 0
    print(f"{'ID':>6} {'STATUS':8} {'FL':3} {'CLAIM':20} {'CHARGE':>10}  RULES")
    for row in rows:
        print(
            f"{row.id:>6} {row.status:8} {row.flags:3} "
            f"{row.patient_control_number[:20]:20} {row.total_charge:>10}  "
            f"{' '.join(row.rules)}"
        )
    print(f"{len(rows)} of {ws.count(queue)} claims in '{queue}'")
    return 0


def cmd_show(ws: Workspace, args: argparse.Namespace) -> int:
    detail = ws.claim_detail(args.claim)
    if args.json:
        _print_json(detail_json(detail))
    else:
        _show_text(detail)
    return 0


def _after_decision(detail: ClaimDetail, what: str) -> int:
    print(f"claim {detail.id}: {what}; now {detail.status}")
    return 0


def cmd_exempt(ws: Workspace, args: argparse.Namespace) -> int:
    detail = ws.exempt(args.claim, args.rule, args.reason)
    return _after_decision(detail, f"rule {args.rule} exempted")


def _value(text: str) -> Any:
    """A value from the command line: JSON for lists and objects, else text."""
    if text.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise UsageError(f"the value is not valid JSON ({error.msg})") from None
    return text


def cmd_override(ws: Workspace, args: argparse.Namespace) -> int:
    value = _value(args.value)
    detail = ws.override(args.claim, args.field, value, args.reason, args.rule)
    return _after_decision(detail, f"{args.field} overridden")


def cmd_edit(ws: Workspace, args: argparse.Namespace) -> int:
    detail = ws.edit(args.claim, args.field, _value(args.value), args.reason)
    return _after_decision(detail, f"{args.field} edited")


def cmd_undo(ws: Workspace, args: argparse.Namespace) -> int:
    detail = ws.undo_decision(args.claim, args.decision, args.reason)
    return _after_decision(detail, f"decision {args.decision} undone")


def cmd_export(ws: Workspace, args: argparse.Namespace) -> int:
    report = ws.export(Path(args.out))
    print(
        f"{report.path}: {report.claim_count} claims, interchange "
        f"{report.interchange_control_number:09d}, validated by pyx12"
    )
    for note in report.notes:
        print(f"  {note}")
    return 0


def cmd_compare(ws: Workspace | None, args: argparse.Namespace) -> int:
    from claimtui.review.partner import compare_versions, comparison_json, shown

    comparisons = compare_versions(Path(args.ours), Path(args.partner))
    if args.json:
        _print_json([comparison_json(item) for item in comparisons])
        return 0
    for item in comparisons:
        count = len(item.differences)
        status = f"{count} differences" if item.status == "changed" else item.status
        print(f"{item.patient_control_number}: {status}")
        for difference in item.differences:
            where = f" ({difference.segment})" if difference.segment else ""
            print(
                f"  {difference.path}{where}: ours {shown(difference.ours)}, "
                f"partner's {shown(difference.partner)}"
            )
    return 0


def cmd_audit(ws: Workspace, args: argparse.Namespace) -> int:
    if args.claim is not None:
        ws.claim_detail(args.claim)  # an unknown claim is an error, not silence
    events = ws.audit_events(args.claim, limit=args.limit)
    if args.json:
        _print_json([event.__dict__ for event in events])
        return 0
    for event in events:
        claim = f"claim {event.claim_id}" if event.claim_id else "-"
        print(
            f"{event.at:%Y-%m-%d %H:%M:%S} {event.user:12} {event.action:8} "
            f"{claim:12} {event.detail}"
        )
    return 0


def cmd_rules(ws: Workspace, args: argparse.Namespace) -> int:
    from claimtui.cli_rules import run_rules_command

    return run_rules_command(ws, args)


def cmd_console(ws: Workspace, args: argparse.Namespace) -> int:
    from claimtui.tui.app import run_console

    run_console(ws, read_only=args.read_only)
    return 0


def cmd_demo(ws: Workspace, args: argparse.Namespace) -> int:
    from claimtui.review.demo import load_demo

    loaded = load_demo(ws)
    if loaded:
        print(f"demo: {loaded} sample claims loaded")
    if args.load_only:
        return 0
    return cmd_console(ws, args)


def cmd_schema(ws: Workspace | None, args: argparse.Namespace) -> int:
    from claimtui.engine import rule_file_json_schema
    from claimtui.model import Encounter

    schema = (
        Encounter.model_json_schema()
        if args.what == "encounter"
        else rule_file_json_schema()
    )
    _print_json(schema)
    return 0


IMPACT_HELP = """\
Rebuild every stored claim (exported ones excepted) with two rule sets, each
with the claim's own decisions, and count the claims that come out
differently.

The summary line counts claims:
  would change   a field, the status or a finding differs
  would be held  not held before, held after
  released       held before, not held after

Each rule row counts the same claims, seen from that rule:
  changes   claims on which this rule's own changes or findings differ
  holds     claims that would be held, and this rule is one that holds them
  releases  claims that would be released, and this rule held them before

No row counts more than the summary, and every claim the summary counts is in
at least one row. A claim two rules act on is in both rows, so the rows can
add up to more than the summary, never to less. A rule that adds a hold to a
claim another rule already holds counts under changes, not holds.

A rule the change added, removed, disabled, enabled or edited is listed even
when no claim comes out differently, so a rule whose condition matches no
stored claim shows as a row of zeros. Rows named RULES-LOAD (a rule set that
did not load), X12 (a claim the 837P writer cannot send), override or edit (a
decision that no longer applies) are findings no rule file makes.
"""


_LISTS_CLAIMS = (cmd_claims, cmd_export, cmd_console, cmd_demo)
"""Commands that show or act on stored statuses: they rebuild stale claims first."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(
        prog="claimtui",
        description="Review, correct and release 837P claims.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("--database", metavar="URL", help="database URL")
    parser.add_argument(
        "--rules", metavar="DIR", action="append", default=[], help="practice rules"
    )
    parser.add_argument("--user", help="name recorded in the audit log")
    parser.add_argument(
        "--read-only", action="store_true", help="open the console read-only"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="sample claims in their own database")
    demo.add_argument("--load-only", action="store_true", help="do not open console")
    demo.set_defaults(handler=cmd_demo, demo=True)

    imp = commands.add_parser("import", help="import 837P, JSON or CSV files")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--lenient", action="store_true")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=cmd_import)

    claims = commands.add_parser("claims", help="list claims")
    claims.add_argument("--status", help="held, review, ready, parked, exported")
    claims.add_argument("--queue", help="any queue, e.g. workers-comp or rule:MI-04")
    claims.add_argument("--limit", type=int, default=1000)
    claims.add_argument("--json", action="store_true")
    claims.set_defaults(handler=cmd_claims)

    show = commands.add_parser("show", help="one claim: raw, rules, segments")
    show.add_argument("claim", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    exempt = commands.add_parser("exempt", help="exempt one rule on one claim")
    exempt.add_argument("claim", type=int)
    exempt.add_argument("rule")
    exempt.add_argument("--reason", required=True)
    exempt.set_defaults(handler=cmd_exempt)

    for name, handler, text in (
        ("override", cmd_override, "set a value over what a rule set"),
        ("edit", cmd_edit, "correct a field of the encounter"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("claim", type=int)
        sub.add_argument("field", help="field path, e.g. claim.place_of_service")
        sub.add_argument("value")
        sub.add_argument("--reason", required=True)
        if name == "override":
            sub.add_argument("--rule", default="", help="the rule being overridden")
        sub.set_defaults(handler=handler)

    undo = commands.add_parser("undo", help="undo a decision on a claim")
    undo.add_argument("claim", type=int)
    undo.add_argument("decision", type=int)
    undo.add_argument("--reason", required=True)
    undo.set_defaults(handler=cmd_undo)

    export = commands.add_parser("export", help="ready claims as one 837P file")
    export.add_argument("--out", required=True, metavar="FILE")
    export.set_defaults(handler=cmd_export)

    compare = commands.add_parser(
        "compare", help="our exported 837P file against the partner's version"
    )
    compare.add_argument("ours", metavar="OURS", help="the file claimtui exported")
    compare.add_argument(
        "partner", metavar="PARTNER", help="the clearinghouse's version (837P)"
    )
    compare.add_argument("--json", action="store_true")
    compare.set_defaults(handler=cmd_compare, no_workspace=True)

    audit = commands.add_parser("audit", help="the audit log")
    audit.add_argument("claim", type=int, nargs="?")
    audit.add_argument("--limit", type=int, default=200)
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(handler=cmd_audit)

    rules = commands.add_parser(
        "rules", help="list, check, test, explain rules; preview their impact"
    )
    rules_commands = rules.add_subparsers(dest="rules_command", required=True)
    listing = rules_commands.add_parser("list")
    listing.add_argument("--json", action="store_true")
    rules_commands.add_parser("check")
    rules_commands.add_parser("test")
    impact = rules_commands.add_parser(
        "impact",
        help="how many stored claims a rule change would change, hold or release",
        description=IMPACT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    impact.add_argument(
        "--against",
        metavar="DIR",
        type=Path,
        help="compare the rules in force with shipped rules + DIR (instead of "
        "the configured practice folders); without it, compare the shipped "
        "rules alone with the rules in force",
    )
    impact.add_argument(
        "--examples",
        type=int,
        default=3,
        metavar="N",
        help="example claims shown for the summary and each rule (default 3)",
    )
    impact.add_argument(
        "--json", action="store_true", help="the report as JSON (see README)"
    )
    explain = rules_commands.add_parser("explain")
    explain.add_argument("claim", type=int)
    explain.add_argument("rule")
    rules.set_defaults(handler=cmd_rules)

    schema = commands.add_parser("schema", help="JSON Schema for editors")
    schema.add_argument("what", choices=["encounter", "rules"])
    schema.set_defaults(handler=cmd_schema, no_workspace=True)
    return parser


def _open_workspace(args: argparse.Namespace) -> Workspace:
    database = args.database
    if getattr(args, "demo", False) and not database:
        from claimtui.review.demo import demo_database_url

        database = demo_database_url()
    rules = [Path(d) for d in args.rules]
    for rule_dir in rules:
        if not rule_dir.is_dir():
            raise UsageError(f"--rules {rule_dir}: not a folder")
    workspace = Workspace.open(database, rules_dirs=rules, user=args.user)
    errors = workspace.rule_set.errors
    if errors:
        print(
            f"claimtui: the rules did not load completely ({len(errors)} "
            f"problem(s); first: {errors[0]}); every claim is held by RULES-LOAD "
            "until they load, and `claimtui rules check` lists each problem",
            file=sys.stderr,
        )
    if getattr(args, "handler", cmd_console) in _LISTS_CLAIMS:
        stale = workspace.stale_count()
        if stale:
            print(
                f"claimtui: rebuilding {stale} claims for the current rules",
                file=sys.stderr,
            )
            workspace.rebuild_stale()
    return workspace


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging()
    handler: Callable[[Any, argparse.Namespace], int] = getattr(
        args, "handler", cmd_console
    )
    try:
        if getattr(args, "no_workspace", False):
            return handler(None, args)
        workspace = _open_workspace(args)
        return handler(workspace, args)
    except (ReviewError, StoreError, ConfigError, UsageError) as error:
        print(f"claimtui: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "claimtui: interrupted; an unfinished import stores nothing",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`); nothing to report.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
