"""Building newly imported claims, in this process or in worker processes.

An import reads a chunk of claims, stores their encounters, and builds each one
(rules, segments check, summary, findings, line keys). Builds are independent
but for one thing: a claim's ``history`` facts include the lines of the same
patient's earlier claims in the chunk, *as built*. Workers therefore build with
history worked out from the claims *as received*, and the importer checks each
guess in claim order against the history the built claims give; a claim whose
guess was wrong (a rule changed a line of an earlier claim of the same patient)
is built again here. The stored result is the same as a build in one process.

Workers are forked, so they start at once with the loaded rule set; they are
used only where forking is safe: a process with one thread (the command line).
The console imports from a background thread and builds in its own process.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from claimtui.engine import RuleSet, build_claim
from claimtui.engine.codesets import load_for
from claimtui.model import ClaimStatus, Encounter
from claimtui.review import claims as claim_ops
from claimtui.review.history import line_key_rows
from claimtui.x12.writer import load_element_limits

MAX_WORKERS = 8
"""Workers used at most, whatever the number of cores."""


@dataclass
class BuildJob:
    """One new claim to build: what a worker needs and nothing else."""

    claim_id: int
    encounter_json: str
    facts: dict[str, Any]
    issues_json: str


@dataclass
class BuiltClaim:
    """The rows a new claim's build gives."""

    status: str
    summary: dict[str, Any]
    findings: list[dict[str, Any]]
    line_keys: list[dict[str, Any]]


def build_new(
    rule_set: RuleSet,
    today: dt.date | None,
    claim_id: int,
    encounter: Encounter,
    facts: dict[str, Any],
    issues_json: str,
) -> BuiltClaim:
    """Build a new claim as ``claim_ops.build_stored`` would from its rows."""
    facts = {**facts, "read_errors": claim_ops.read_error_count(issues_json)}
    result = build_claim(encounter, rule_set, [], today=today, facts=facts)
    claim_ops.add_read_findings(result, issues_json, [])
    claim_ops.add_write_findings(result)
    status = claim_ops.released_status(result.status, approved=False)
    summary = claim_ops.summary_values(result, [], status)
    return BuiltClaim(
        status=status,
        summary={"claim_id": claim_id, **summary},
        findings=claim_ops.finding_rows(claim_id, result),
        line_keys=line_key_rows(claim_id, result.encounter),
    )


@contextmanager
def collector_paused() -> Iterator[Callable[[], object]]:
    """Pause the cyclic garbage collector while claims are read, built and stored;
    gives a function that collects only the young generations, for between chunks.
    The importer pauses it for the whole import, a worker for each batch.

    Reading and building allocate many objects that stay alive until their chunk
    is written, and a reader holds a transaction set's parsed claims until it
    ends. The collector kept tracing all of them in full collections
    that found next to nothing to free: reading and building leave almost no
    reference cycles. Collecting the young generations after each chunk frees
    the few there are (whoever made them), so memory stays bounded; objects
    that outlive a chunk are left to the full collections after the import. A
    collector paused by the caller is left paused and not run.
    """
    if not gc.isenabled():
        yield _no_collection
        return
    gc.disable()
    try:
        yield functools.partial(gc.collect, 1)
    finally:
        gc.enable()


def _no_collection() -> None:
    return None


def worker_count(configured: int | None) -> int:
    """How many workers to use: the configured number, else one per core."""
    if configured is not None:
        return min(configured, MAX_WORKERS)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # platforms without CPU affinity
        cores = os.cpu_count() or 1
    return min(cores, MAX_WORKERS) if cores > 1 else 0


# What a worker process builds with, set once when it starts.
_worker_rule_set: RuleSet | None = None
_worker_today: dt.date | None = None


def _start_worker(rule_set: RuleSet, today: dt.date | None) -> None:
    global _worker_rule_set, _worker_today
    # Ctrl-C is the importer's to handle: it stops the workers and rolls the
    # import back. A worker interrupted too would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked worker inherits the importer's objects and its paused collector:
    # set the inherited objects aside for good, and collect what it makes.
    gc.freeze()
    gc.enable()
    _worker_rule_set = rule_set
    _worker_today = today


def _build_jobs(jobs: list[BuildJob]) -> list[BuiltClaim] | None:
    rule_set = _worker_rule_set
    if rule_set is None:
        return None
    with collector_paused():
        return [
            build_new(
                rule_set,
                _worker_today,
                job.claim_id,
                Encounter.model_validate_json(job.encounter_json),
                job.facts,
                job.issues_json,
            )
            for job in jobs
        ]


@dataclass
class Batch:
    """Jobs handed to one worker, and how many there are."""

    future: Future[list[BuiltClaim] | None]
    count: int

    def results(self) -> list[BuiltClaim | None]:
        """The builds in job order, or None for each job the worker did not build."""
        try:
            built = self.future.result()
        except Exception:  # a worker that failed leaves its claims to the importer
            built = None
        if built is None or len(built) != self.count:
            return [None] * self.count
        return list(built)


def can_fork() -> bool:
    """True when workers can be forked: one thread here, and a platform with fork.

    Forking a process that runs other threads (the console) can leave a lock
    held in the child, so there claims are built in the importing process.
    """
    return (
        threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


class BuildPool:
    """Worker processes building chunks of new claims while the importer reads on."""

    def __init__(self, rule_set: RuleSet, today: dt.date | None, workers: int) -> None:
        self.workers = workers
        load_for(rule_set.identifiers)
        load_element_limits()
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(rule_set, today),
        )

    def submit(self, jobs: list[BuildJob]) -> list[Batch]:
        """Start building ``jobs``, split evenly over the workers."""
        size = -(-len(jobs) // self.workers)
        return [
            Batch(
                self.executor.submit(_build_jobs, jobs[start : start + size]),
                len(jobs[start : start + size]),
            )
            for start in range(0, len(jobs), size)
        ]

    def close(self) -> None:
        """Stop the workers; work not started is dropped."""
        self.executor.shutdown(wait=True, cancel_futures=True)


def held(built: BuiltClaim) -> bool:
    """True when the build holds the claim."""
    return built.status == ClaimStatus.HELD.value
