"""Benchmark: every shipped rule on 10,000 generated claims, and a whole import.

Not collected by pytest (the file name does not start with ``test_``). Run::

    python tests/benchmark_rules.py [--claims 10000] [--no-pyx12] [--profile]
                                    [--workers N]

It generates an 837P file with ``../shared/tools/gen837.py`` (fictional data),
then measures, in one run:

1. reading the file (``claimtui.x12.reader``);
2. rules and build for every claim with every shipped rule, as claims/s;
3. the ten slowest rules, by time summed over all claims (``--profile``
   times each rule separately, which itself adds overhead);
4. the whole import (read, rules, build, store) into a fresh SQLite database,
   in a fresh process as ``claimtui import`` runs it (this process has built
   the same claims by then, and its warm caches would flatter the figure);
5. pyx12's validation of the same file, the yardstick: the target is an import
   taking at most a quarter of pyx12's time.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from claimtui.engine import build as build_module  # noqa: E402
from claimtui.engine import build_claim, load_rule_set, shipped_rules_dir  # noqa: E402
from claimtui.review import Config, Workspace  # noqa: E402
from claimtui.review.parallel import worker_count  # noqa: E402
from claimtui.store import open_engine  # noqa: E402
from claimtui.x12.reader import read_837p  # noqa: E402

GEN837 = REPO.parent / "shared" / "tools" / "gen837.py"
# A week after the generator's last service date, so filing limits are not
# what the run measures.
TODAY = dt.date(2024, 1, 20)


def generate(count: int, folder: Path) -> Path:
    out = folder / f"gen{count}.837"
    subprocess.run(
        [sys.executable, str(GEN837), str(count), "--seed", "11", "-o", str(out)],
        check=True,
    )
    return out


def timed(label: str, seconds: float, claims: int) -> None:
    rate = claims / seconds if seconds else float("inf")
    print(f"{label:34} {seconds:7.2f} s   {rate:9.0f} claims/s")


def slowest_rules(encounters: list, rule_set: object) -> list[tuple[str, float]]:
    """Time each rule separately by wrapping the engine's per-rule step."""
    totals: dict[str, float] = collections.defaultdict(float)
    original = build_module._run_rule

    def measured(rule, claim, exemption, rules):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return original(rule, claim, exemption, rules)
        finally:
            totals[rule.id] += time.perf_counter() - started

    build_module._run_rule = measured  # type: ignore[assignment]
    try:
        for encounter in encounters:
            build_claim(encounter, rule_set, today=TODAY)  # type: ignore[arg-type]
    finally:
        build_module._run_rule = original  # type: ignore[assignment]
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)[:10]


def import_in_fresh_process(
    path: Path, database: Path, workers: int | None
) -> tuple[float, int]:
    """Seconds the import of ``path`` takes in a new process, and claims stored."""
    command = [sys.executable, __file__, "--import-into", str(database), str(path)]
    if workers is not None:
        command += ["--workers", str(workers)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds, imported = done.stdout.split()
    return float(seconds), int(imported)


def import_only(database: Path, path: Path, workers: int | None) -> int:
    """Import ``path`` into ``database`` and print the seconds it took."""
    workspace = Workspace(
        open_engine(f"sqlite:///{database}"),
        load_rule_set([shipped_rules_dir()]),
        "bench",
        Config(import_workers=workers),
        TODAY,
    )
    started = time.perf_counter()
    report = workspace.import_path(path)
    print(time.perf_counter() - started, report.imported)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--no-pyx12", action="store_true")
    parser.add_argument("--profile", action="store_true", help="ten slowest rules")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="import worker processes (default: one per core, as the config does)",
    )
    parser.add_argument("--import-into", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_into is not None:
        return import_only(args.import_into, args.file, args.workers)

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        path = generate(args.claims, folder)
        rule_set = load_rule_set([shipped_rules_dir()])
        print(f"{args.claims} claims, {len(rule_set.rules)} rules, file {path.name}")

        started = time.perf_counter()
        result = read_837p(path)
        read_seconds = time.perf_counter() - started
        encounters = [claim.encounter for claim in result.claims]
        timed("read", read_seconds, len(encounters))

        started = time.perf_counter()
        statuses: collections.Counter[str] = collections.Counter()
        for encounter in encounters:
            statuses[build_claim(encounter, rule_set, today=TODAY).status.value] += 1
        build_seconds = time.perf_counter() - started
        timed("rules + build", build_seconds, len(encounters))
        print(f"  statuses: {dict(statuses)}")

        if args.profile:
            print("ten slowest rules (seconds summed over all claims):")
            for rule_id, seconds in slowest_rules(encounters, rule_set):
                print(f"  {rule_id:12} {seconds:6.3f} s")

        import_seconds, imported = import_in_fresh_process(
            path, folder / "bench.sqlite", args.workers
        )
        timed("import (read, rules, build, store)", import_seconds, imported)
        print(f"  with {worker_count(args.workers)} worker process(es) building claims")

        if not args.no_pyx12:
            from claimtui.x12.validate import validate_interchange

            data = path.read_bytes()
            started = time.perf_counter()
            validate_interchange(data)
            pyx12_seconds = time.perf_counter() - started
            timed("pyx12 validation", pyx12_seconds, len(encounters))
            ratio = import_seconds / pyx12_seconds
            verdict = "meets" if ratio <= 0.25 else "misses"
            print(f"import / pyx12 = {ratio:.2f} ({verdict} the target of 0.25)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
