"""Measure reading, building, writing and importing 837P files of 1k-50k claims.

Run on request, not by the test suite (the name keeps pytest away)::

    python tests/benchmark.py [--sizes 1000 10000 50000] [--pyx12-max 10000]

Files come from ../shared/tools/gen837.py (relative to the repository) and go
into a temporary folder. Every measurement runs in its own Python process, so
each peak memory figure (ru_maxrss) is that step's alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN837 = REPO.parent / "shared" / "tools" / "gen837.py"
STEPS = ("split", "pyx12", "read", "build", "write", "import")


def _claim_count(segments: list[bytes]) -> int:
    return sum(segment.lstrip()[:4] == b"CLM*" for segment in segments)


def _measure_split(path: Path) -> int:
    return _claim_count(path.read_bytes().split(b"~"))


def _measure_pyx12(path: Path) -> int:
    from claimtui.x12.validate import validate_interchange

    report = validate_interchange(path.read_bytes())
    if not report.ok:
        raise SystemExit(f"pyx12 found {len(report.findings)} problems")
    return _claim_count(path.read_bytes().split(b"~"))


def _measure_read(path: Path) -> int:
    from claimtui.x12.reader import ReadClaim, iter_837p_file

    return sum(isinstance(item, ReadClaim) for item in iter_837p_file(path))


def _encounters(path: Path) -> list:  # type: ignore[type-arg]
    from claimtui.x12.reader import read_837p

    return [claim.encounter for claim in read_837p(path).claims]


def _measure_build(path: Path) -> tuple[int, float]:
    """Rules only: the time spent in build_claim, reading excluded."""
    from claimtui.engine import build_claim, load_rule_set, shipped_rules_dir
    from claimtui.x12.reader import ReadClaim, iter_837p_file

    rule_set = load_rule_set([shipped_rules_dir()])
    today = dt.date(2026, 12, 4)
    count, spent = 0, 0.0
    for item in iter_837p_file(path):
        if isinstance(item, ReadClaim):
            start = time.perf_counter()
            build_claim(item.encounter, rule_set, [], today=today)
            spent += time.perf_counter() - start
            count += 1
    return count, spent


def _measure_write(path: Path) -> tuple[int, float]:
    """Writing only: every encounter is read first (not timed)."""
    from claimtui.x12.writer import write_interchange

    sys.path.insert(0, str(REPO))
    from tests.x12_helpers import HEADER

    encounters = _encounters(path)
    start = time.perf_counter()
    write_interchange(encounters, HEADER)
    return len(encounters), time.perf_counter() - start


def _measure_import(path: Path) -> int:
    from claimtui.review import Config, Workspace

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        workspace = Workspace.open(url, user="bench", config=Config())
        report = workspace.import_path(path)
        workspace.engine.dispose()
    if report.refused:
        raise SystemExit("; ".join(report.problems[:3]))
    return report.imported


def _child(step: str, path: Path) -> None:
    start = time.perf_counter()
    outcome = globals()[f"_measure_{step}"](path)
    elapsed = time.perf_counter() - start
    if isinstance(outcome, tuple):
        outcome, elapsed = outcome
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"claims": outcome, "seconds": elapsed, "peak_mb": peak}))


def _run(step: str, path: Path) -> dict[str, float] | str:
    command = [sys.executable, __file__, "--child", step, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["failed"])[-1][:60]
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument(
        "--pyx12-max",
        type=int,
        default=10000,
        help="largest file pyx12 validates (it reads ~400 claims/s)",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    times: dict[tuple[str, int], float] = {}
    print(f"{'step':<8}{'claims':>8}{'seconds':>10}{'claims/s':>11}{'peak MB':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = Path(folder) / f"claims-{size}.837"
            subprocess.run(
                [
                    sys.executable,
                    str(GEN837),
                    str(size),
                    "--seed",
                    "7",
                    "-o",
                    str(path),
                ],
                check=True,
            )
            for step in STEPS:
                if step == "pyx12" and size > args.pyx12_max:
                    print(f"{step:<8}{size:>8}  skipped (--pyx12-max {args.pyx12_max})")
                    continue
                result = _run(step, path)
                if isinstance(result, str):
                    print(f"{step:<8}{size:>8}  failed: {result}")
                    continue
                seconds = result["seconds"]
                times[(step, size)] = seconds
                rate = result["claims"] / seconds if seconds else 0.0
                print(
                    f"{step:<8}{size:>8}{seconds:>10.2f}{rate:>11.0f}"
                    f"{result['peak_mb']:>10.0f}",
                    flush=True,
                )
    for step in STEPS:
        if (step, 10000) in times and (step, 50000) in times:
            growth = times[(step, 50000)] / times[(step, 10000)]
            print(f"{step}: 10k -> 50k time grows {growth:.2f}x (target <= 5.5x)")


if __name__ == "__main__":
    main()
