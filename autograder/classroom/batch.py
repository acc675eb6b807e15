"""Batch grading: the whole pipeline mapped over a class on dask.distributed.

Each submission travels to a worker as bytes and comes back as the text of its result files
(``worker.grade_payload``), so any Dask cluster works (a LocalCluster here, Slurm or Kubernetes
elsewhere; see ``cluster``) without a shared file system. Only this process writes to OUT,
atomically, and a submission counts as done once its manifest exists (``manifest``): a rerun
skips what is done and regrades what changed. Ctrl-C or a crash loses at most the gradings in
flight. At most a window of gradings is submitted at a time, so a class's bytes are never all
in memory at once.

One submission to grade on a local cluster is graded in this process instead (``worker.grade_payload``,
the very function workers run): starting a cluster, its workers' imports and the worker check cost
seconds and buy no parallelism for one grading. A regrade keeps the earlier results and records
what changed (``regrade``).
"""

from __future__ import annotations

import functools
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..course.assignments import Assignment
from ..engine.results import Status
from . import cluster
from .collect import Submission
from .manifest import read_manifest, read_payload, same_identity, save_result, version_for
from .regrade import Archive, Change, regrade_reasons
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
    changes: list[Change] = field(default_factory=list)  # submissions graded before and graded again in this run
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (benchmarks/one_notebook_grade.py)

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


@dataclass
class _Earlier:
    """The gradings this run replaces: each one's manifest and why, and where their files are kept."""

    archive: Archive
    manifests: dict[str, tuple[dict, list[str]]] = field(default_factory=dict)


def _record(settings: BatchSettings, outcome: BatchOutcome, sub: Submission, digest: str, returned: dict, bar,
            earlier: _Earlier) -> None:
    _version_warning(outcome, "a worker", returned["grader_version"], version_for(returned.get("assignment")), bar)
    old, reasons = earlier.manifests.get(sub.id, (None, []))
    try:
        regraded = None
        if old is not None:  # keep the earlier files before anything of them is replaced
            kept = earlier.archive.keep(sub.id)
            figures = {k: old.get(k) for k in ("score", "max_score", "status", "questions", "grader_version",
                                               "content_sha256", "graded_at")}
            regraded = {"reasons": reasons, "previous": figures, "kept_in": kept}
        manifest = save_result(settings.out, sub, digest, settings.requested, returned, regraded)
    except OSError as error:  # e.g. a full disk: the others still get graded
        outcome.lost[sub.id] = f"its result could not be written: {error}"
        _say(bar, f"error: could not write the result of {sub.id}: {error}")
        return
    if regraded:
        outcome.changes.append(Change(sub, reasons, old, manifest, regraded["kept_in"]))
    outcome.manifests[sub.id] = manifest
    outcome.graded.append(sub.id)
    bar.set_postfix_str(f"{sub.id}: {manifest['score']:g}/{manifest['max_score']:g} {manifest['status']}", refresh=False)


def _plan(submissions: list[Submission], settings: BatchSettings, outcome: BatchOutcome, earlier: _Earlier) -> list[Submission]:
    """What to grade: everything without a current final verdict (all of it with --force); earlier
    gradings that will be replaced are remembered with the reasons."""
    todo = []
    for sub in submissions:
        manifest = read_manifest(settings.out, sub)
        if manifest is None:
            todo.append(sub)
            continue
        graded_as = settings.requested or manifest.get("assignment")
        reasons = regrade_reasons(manifest, read_payload(sub.path)[1], version_for(graded_as), settings.requested,
                                  settings.force, functools.partial(same_identity, manifest, sub, settings.requested))
        if reasons:
            todo.append(sub)
            earlier.manifests[sub.id] = (manifest, reasons)
        else:
            outcome.skipped.append(sub.id)
            outcome.manifests[sub.id] = manifest
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


def _collect_results(client, completed, window: _Window, settings: BatchSettings, outcome: BatchOutcome, bar,
                     earlier: _Earlier) -> None:
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
            _record(settings, outcome, sub, digest, returned, bar, earlier)
        bar.update(1)
        window.fill(completed)


def _not_submitted(outcome: BatchOutcome, todo: list[Submission], reason: str) -> None:
    outcome.cluster_error = reason
    outcome.lost.update({sub.id: "not submitted" for sub in todo})


def _grade_here(todo: list[Submission], settings: BatchSettings, outcome: BatchOutcome, bar, earlier: _Earlier) -> None:
    """Grade in this process, one after another, with the function a worker runs. Ctrl-C ends the grading
    in flight (the engine ends the kernel's whole tree) and keeps every result already written."""
    from .worker import grade_payload

    try:
        for sub in todo:
            payload, digest = read_payload(sub.path)
            try:
                returned = grade_payload(sub.id, sub.path.name, payload, settings.requested, settings.require_sandbox)
            except Exception as error:  # the engine returns a result for anything a submission does: a bug of ours
                note = f"Grading this submission failed outside the engine: {type(error).__name__}: {error}"
                returned = failed_payload(sub.id, settings.requested, note)
            _record(settings, outcome, sub, digest, returned, bar, earlier)
            bar.update(1)
    except KeyboardInterrupt:  # a result being written is whole or absent: its manifest is written last
        outcome.interrupted = True


def _grade_on_cluster(todo: list[Submission], settings: BatchSettings, outcome: BatchOutcome, bar,
                      earlier: _Earlier) -> None:
    from dask.distributed import as_completed

    mark = time.perf_counter()
    try:
        client, local = cluster.start_client(settings.scheduler, settings.workers, len(todo))
    except (OSError, TimeoutError) as error:  # no scheduler at that address
        _not_submitted(outcome, todo, f"could not connect to the Dask scheduler at {settings.scheduler}: {error}")
        return
    outcome.timings["cluster start"] = time.perf_counter() - mark
    completed = as_completed()
    try:
        mark = time.perf_counter()
        workers = _usable_workers(client, outcome, bar)
        outcome.timings["worker check"] = time.perf_counter() - mark
        size = 2 * len(workers or client.scheduler_info().get("workers", {}) or [1]) + 2
        mark = time.perf_counter()
        window = _Window(client, settings, todo, size, workers)
        _collect_results(client, completed, window, settings, outcome, bar, earlier)
        outcome.timings["gradings"] = time.perf_counter() - mark
    except cluster.ClusterError as error:
        _not_submitted(outcome, todo, str(error))
    except KeyboardInterrupt:
        outcome.interrupted = True
        client.cancel(list(completed.futures), force=True)
    finally:
        mark = time.perf_counter()
        client.close()
        if local is not None:
            local.close()
        outcome.timings["cluster stop"] = time.perf_counter() - mark


def grades_here(settings: BatchSettings, pending: int) -> bool:
    """One grading and no cluster named: this process grades it (no cluster to start, nothing to overlap)."""
    return settings.scheduler is None and pending == 1


def _where(settings: BatchSettings, pending: int) -> str:
    if not pending:
        return "nothing to grade: all already graded"
    if grades_here(settings, pending):
        return "graded in this process"
    workers = min(settings.workers or cluster.workers_for_this_machine(), pending)
    return f"graded on {settings.scheduler}" if settings.scheduler else f"graded on {workers} local worker(s)"


def grade_batch(submissions: list[Submission], settings: BatchSettings) -> BatchOutcome:
    """Grade every submission not already graded with the same content, grader version and request."""
    started = time.perf_counter()
    outcome = BatchOutcome()
    earlier = _Earlier(Archive(settings.out))
    todo = _plan(submissions, settings, outcome, earlier)
    outcome.timings["plan"] = time.perf_counter() - started
    what = settings.assignment.name if settings.assignment else "identified assignments"
    print(f"{len(submissions)} submission(s) of {what}, {_where(settings, len(todo))}", file=sys.stderr, flush=True)
    bar = _progress(len(submissions), len(outcome.skipped))
    try:
        if todo and grades_here(settings, len(todo)):
            mark = time.perf_counter()
            _grade_here(todo, settings, outcome, bar, earlier)
            outcome.timings["gradings"] = time.perf_counter() - mark
        elif todo:
            _grade_on_cluster(todo, settings, outcome, bar, earlier)
    finally:
        bar.close()
    outcome.seconds = time.perf_counter() - started
    return outcome
