"""Measure reading, building, writing, importing and exporting 1k-50k-claim 837Ps.

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
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
GEN837 = REPO.parent / "shared" / "tools" / "gen837.py"
STEPS = ("split", "pyx12", "read", "build", "write", "import", "export")


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
    """Writing only, streamed: claims go from the reader through the writer into
    a file as they are read; the time spent reading is taken out."""
    from claimtui.x12.reader import ReadClaim, iter_837p_file
    from claimtui.x12.writer import iter_interchange

    sys.path.insert(0, str(REPO))
    from tests.x12_helpers import HEADER

    reading = 0.0
    count = 0

    def encounters() -> Iterator[Any]:
        nonlocal reading, count
        items = iter_837p_file(path)
        while True:
            start = time.perf_counter()
            item = next(items, None)
            reading += time.perf_counter() - start
            if item is None:
                return
            if isinstance(item, ReadClaim):
                count += 1
                yield item.encounter

    start = time.perf_counter()
    with open(os.devnull, "w", encoding="ascii") as sink:
        for piece in iter_interchange(encounters(), HEADER):
            sink.write(piece)
    return count, time.perf_counter() - start - reading


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


def _measure_export(path: Path) -> tuple[int, float]:
    """Export of every ready claim (rebuild, write, pyx12), into a database
    filled by another process so that the peak is the export's own."""
    from claimtui.review import Config, Workspace

    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite"
        command = [sys.executable, __file__, "--fill", str(path), str(database)]
        subprocess.run(command, check=True, capture_output=True)
        url = f"sqlite:///{database}"
        workspace = Workspace.open(url, user="bench", config=Config())
        start = time.perf_counter()
        report = workspace.export(Path(folder) / "batch.837")
        elapsed = time.perf_counter() - start
        workspace.engine.dispose()
    return report.claim_count, elapsed


def _fill(path: Path, database: Path) -> None:
    from claimtui.review import Config, Workspace

    workspace = Workspace.open(f"sqlite:///{database}", user="bench", config=Config())
    workspace.import_path(path)
    workspace.engine.dispose()


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
    parser.add_argument("--fill", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    if args.fill:
        _fill(Path(args.fill[0]), Path(args.fill[1]))
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
