"""Batch grading: the whole pipeline mapped over a class on dask.distributed.

Each submission travels to a worker as bytes and comes back as the text of its result files
(``worker.grade_payload``), so any Dask cluster works (a LocalCluster here, Slurm or Kubernetes
elsewhere; see ``cluster``) without a shared file system. Only this process writes to OUT,
atomically, and a submission counts as done once its manifest exists (``manifest``): a rerun
skips what is done and regrades what changed. Ctrl-C or a crash loses at most the gradings in
flight. At most a window of gradings is submitted at a time, so a class's bytes are never all
in memory at once.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..course.assignments import Assignment
from ..engine.results import Status
from . import cluster
from .collect import Submission
from .manifest import is_current, read_manifest, read_payload, save_result, version_for
from .worker import failed_payload

# Not a verdict on the submission: the grader or the cluster failed, and a rerun grades it again.
GRADER_FAILURES = frozenset({Status.GRADER_ERROR.value, Status.NO_SANDBOX.value})


@dataclass
class BatchSettings:
    assignment: Assignment | None  # None: each submission is graded as the assignment it is identified as
    out: Path
    workers: int = 0  # 0: cluster.workers_for_this_machine()
    scheduler: str | None = None  # address of an existing Dask scheduler
    require_sandbox: bool = True
    similarity: bool = True
    force: bool = False  # regrade even what is already graded

    @property
    def requested(self) -> str | None:
        return self.assignment.name if self.assignment else None


@dataclass
class BatchOutcome:
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    lost: dict[str, str] = field(default_factory=dict)  # id -> why it was not graded (a rerun grades it)
    interrupted: bool = False
    cluster_error: str = ""  # why nothing could be submitted
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    manifests: dict[str, dict] = field(default_factory=dict)

    def grader_failures(self) -> dict[str, str]:
        """Submissions of this run not graded because of the grader or the cluster: id -> status or reason."""
        failures = {i: self.manifests[i]["status"] for i in self.graded if self.manifests[i]["status"] in GRADER_FAILURES}
        return {**failures, **self.lost}


def _progress(total: int, done: int):
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="notebook", desc="grading", dynamic_ncols=True, file=sys.stderr)


def _say(bar, text: str) -> None:
    """A line for the instructor on stderr, above the progress bar (stdout keeps the scores)."""
    bar.write(text, file=sys.stderr)


class _Window:
    """Keeps at most `size` gradings submitted, so a class's bytes are never all in memory at once."""

    def __init__(self, client, settings: BatchSettings, todo: list[Submission], size: int, workers: list[str] | None):
        self.client, self.settings, self.pending, self.size = client, settings, list(reversed(todo)), size
        self.workers = workers
        self.running: dict[str, tuple[Submission, str]] = {}

    def fill(self, completed) -> None:
        while self.pending and len(self.running) < self.size:
            sub = self.pending.pop()
            payload, digest = read_payload(sub.path)
            requested = self.settings.requested
            args = (sub.id, sub.path.name, payload, requested, self.settings.require_sandbox)
            key = f"grade-{requested or 'identified'}-{sub.id}-{digest[:12]}"
            future = cluster.submit_by_name(self.client, key, "grade_payload", args, self.workers)
            self.running[future.key] = (sub, digest)
            completed.add(future)


def _version_warning(outcome: BatchOutcome, worker: str, theirs: str, ours: str, bar) -> None:
    """Said once per batch: a worker whose grader differs makes every rerun regrade everything."""
    if theirs != ours and not outcome.warnings:
        outcome.warnings.append(f"warning: {worker} runs grader {theirs}, this machine {ours}: install the same "
                                "repository revision on every worker, or every rerun regrades everything")
        _say(bar, outcome.warnings[-1])


def _record(settings: BatchSettings, outcome: BatchOutcome, sub: Submission, digest: str, returned: dict, bar) -> None:
    _version_warning(outcome, "a worker", returned["grader_version"], version_for(returned.get("assignment")), bar)
    try:
        manifest = save_result(settings.out, sub, digest, settings.requested, returned)
    except OSError as error:  # e.g. a full disk: the others still get graded
        outcome.lost[sub.id] = f"its result could not be written: {error}"
        _say(bar, f"error: could not write the result of {sub.id}: {error}")
        return
    outcome.manifests[sub.id] = manifest
    outcome.graded.append(sub.id)
    bar.set_postfix_str(f"{sub.id}: {manifest['score']:g}/{manifest['max_score']:g} {manifest['status']}", refresh=False)


def _plan(submissions: list[Submission], settings: BatchSettings, outcome: BatchOutcome) -> list[Submission]:
    """What to grade: everything without a current final verdict (all of it with --force)."""
    todo = []
    for sub in submissions:
        manifest = read_manifest(settings.out, sub)
        graded_as = settings.requested or (manifest or {}).get("assignment")
        current = manifest is not None and is_current(
            manifest, read_payload(sub.path)[1], version_for(graded_as), settings.requested, sub
        )
        if current and not settings.force:
            outcome.skipped.append(sub.id)
            outcome.manifests[sub.id] = manifest
        else:
            todo.append(sub)
    return todo


def _usable_workers(client, outcome: BatchOutcome, bar) -> list[str] | None:
    """The workers to grade on (None: all of them); raises ClusterError when none can."""
    check = cluster.check_workers(client)
    for problem in check.problems:
        _say(bar, f"warning: {problem}; it is left out")
    for address, versions in check.versions.items():
        for name, theirs in versions.items():
            _version_warning(outcome, address, theirs, version_for(name), bar)
    return check.usable if check.problems else None


def _collect_results(client, completed, window: _Window, settings: BatchSettings, outcome: BatchOutcome, bar) -> None:
    from concurrent.futures import CancelledError

    from distributed.comm.core import CommClosedError

    window.fill(completed)
    for future in completed:
        sub, digest = window.running.pop(future.key)
        try:
            returned = future.result()
        except (CancelledError, CommClosedError) as error:  # the scheduler went away: not graded
            returned, outcome.lost[sub.id] = None, f"the cluster went away ({type(error).__name__})"
        except Exception as error:
            if cluster.is_import_failure(error):  # a worker that cannot import the grader
                returned, outcome.lost[sub.id] = None, f"a worker could not import the grader ({error})"
            else:  # the worker died under it (KilledWorker) or the task failed
                note = f"The Dask worker grading this submission failed: {type(error).__name__}: {error}"
                returned = failed_payload(sub.id, settings.requested, note)
        if returned is None:
            _say(bar, f"not graded: {sub.id} ({outcome.lost[sub.id]}); rerun to grade it")
        else:
            _record(settings, outcome, sub, digest, returned, bar)
        bar.update(1)
        window.fill(completed)


def _not_submitted(outcome: BatchOutcome, todo: list[Submission], reason: str) -> None:
    outcome.cluster_error = reason
    outcome.lost.update({sub.id: "not submitted" for sub in todo})


def grade_batch(submissions: list[Submission], settings: BatchSettings) -> BatchOutcome:
    """Grade every submission not already graded with the same content, grader version and request."""
    from dask.distributed import as_completed

    started = time.perf_counter()
    outcome = BatchOutcome()
    todo = _plan(submissions, settings, outcome)
    bar = _progress(len(submissions), len(outcome.skipped))
    if not todo:
        bar.close()
        outcome.seconds = time.perf_counter() - started
        return outcome
    try:
        client, local = cluster.start_client(settings.scheduler, settings.workers, len(todo))
    except (OSError, TimeoutError) as error:  # no scheduler at that address
        bar.close()
        _not_submitted(outcome, todo, f"could not connect to the Dask scheduler at {settings.scheduler}: {error}")
        outcome.seconds = time.perf_counter() - started
        return outcome
    completed = as_completed()
    try:
        workers = _usable_workers(client, outcome, bar)
        size = 2 * len(workers or client.scheduler_info().get("workers", {}) or [1]) + 2
        _collect_results(client, completed, _Window(client, settings, todo, size, workers), settings, outcome, bar)
    except cluster.ClusterError as error:
        _not_submitted(outcome, todo, str(error))
    except KeyboardInterrupt:
        outcome.interrupted = True
        client.cancel(list(completed.futures), force=True)
    finally:
        bar.close()
        client.close()
        if local is not None:
            local.close()
    outcome.seconds = time.perf_counter() - started
    return outcome
