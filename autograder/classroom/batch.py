"""Batch grading: the whole pipeline mapped over a class on dask.distributed.

Each submission travels to a worker as bytes and comes back as the text of its result files,
so any Dask cluster works (a LocalCluster here, Slurm or Kubernetes elsewhere) without a
shared file system. Only this process writes to OUT, atomically, and a submission counts as
done once its ``grading.json`` exists: it records the content's SHA-256 and the grader
version, so a rerun skips what is done and regrades what changed. Ctrl-C or a crash loses at
most the gradings in flight.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..atomic import write_atomically
from ..course.assignments import Assignment, get_assignment
from ..course.paths import AUTOGRADER, DATA_MODULE, OTTER_CONFIG, REPO
from ..engine.report import result_files
from ..engine.results import FINAL_STATUSES, GradeResult
from ..limits import WORKER_MEMORY_BYTES
from .collect import Person, Submission

MANIFEST = "grading.json"


@functools.cache
def grader_version(assignment: Assignment) -> str:
    """Changes whenever anything that can change a verdict changes: code, tests, config, packages."""
    digest = hashlib.sha256()
    sources = sorted((AUTOGRADER / "engine").glob("*.py")) + [AUTOGRADER / "limits.py"]
    sources += sorted(assignment.hidden_tests.glob("*.py"))
    sources += sorted(assignment.public_tests.glob("*.py")) + [DATA_MODULE, OTTER_CONFIG, REPO / "requirements.lock"]
    for path in sources:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{__version__}+{assignment.name}.{digest.hexdigest()[:16]}"


def read_payload(path: Path) -> tuple[bytes | None, str]:
    """The submitted bytes and their SHA-256 (one read: the digest is of what gets graded)."""
    try:
        payload = path.read_bytes()
    except OSError:
        return None, "missing"
    return payload, hashlib.sha256(payload).hexdigest()


def workers_for_this_machine() -> int:
    """One grading worker per core, as memory allows (a grading peaks at about 2.1 GB; 3 GB each).

    Each kernel trains with two threads, yet two workers on two cores graded 1.33x faster than one
    (benchmarks/results/batch_throughput.md): kernel start-up, imports and file work overlap training.
    """
    import psutil

    by_memory = psutil.virtual_memory().total // WORKER_MEMORY_BYTES
    return max(1, min(len(os.sched_getaffinity(0)), by_memory))


def grade_payload(submission_id: str, suffix: str, payload: bytes | None, assignment_name: str, require_sandbox: bool) -> dict:
    """Runs on a Dask worker: grade one submission from its bytes, return its result files."""
    from ..engine import GradingOptions, grade_submission

    assignment = get_assignment(assignment_name)
    options = GradingOptions(assignment.task(), require_sandbox=require_sandbox)
    with tempfile.TemporaryDirectory(prefix="autograder-batch-") as tmp:
        source = Path(tmp) / "in" / f"{submission_id}{suffix}"
        source.parent.mkdir()
        if payload is not None:
            source.write_bytes(payload)
        result = grade_submission(source, Path(tmp) / "out", options)
    return _returned(result, assignment)


def _returned(result: GradeResult, assignment: Assignment) -> dict:
    """What travels back from a worker: the result's files and the figures the manifest keeps."""
    return {
        "files": result_files(result, assignment.config()),
        "status": result.status,
        "score": result.score,
        "max_score": result.max_score,
        "questions": {q: list(s) for q, s in result.question_scores().items()},
        "seconds": round(result.seconds, 2),
        "grader_version": grader_version(assignment),
    }


@dataclass
class BatchSettings:
    assignment: Assignment
    out: Path
    workers: int = 0  # 0: workers_for_this_machine()
    scheduler: str | None = None  # address of an existing Dask scheduler
    require_sandbox: bool = True
    similarity: bool = True
    force: bool = False  # regrade even what is already graded


@dataclass
class BatchOutcome:
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # not graded for the grader's reasons: a rerun grades them
    interrupted: bool = False
    version_warning: bool = False
    seconds: float = 0.0
    manifests: dict[str, dict] = field(default_factory=dict)


def read_manifest(out: Path, submission: Submission) -> dict | None:
    try:
        return json.loads((out / submission.id / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def is_current(manifest: dict | None, digest: str, version: str) -> bool:
    """Done: a final verdict on this very content by this very grader."""
    return (
        bool(manifest)
        and manifest.get("status") in FINAL_STATUSES
        and manifest.get("content_sha256") == digest
        and manifest.get("grader_version") == version
    )


def save_result(out: Path, submission: Submission, digest: str, returned: dict) -> dict:
    """Write a worker's files, the Markdown feedback, and last the manifest that marks it done."""
    from .class_report import feedback_markdown

    folder = out / submission.id
    (folder / MANIFEST).unlink(missing_ok=True)  # not done until the new manifest is written
    results = json.loads(returned["files"]["results.json"])
    files = {**returned["files"], "feedback.md": feedback_markdown(results, submission.id)}
    for name, text in files.items():
        write_atomically(folder / Path(name).name, text)
    for stale in folder.iterdir():  # e.g. instructor notes of an earlier grading
        if stale.is_file() and stale.name not in files and not stale.name.startswith("."):
            stale.unlink()
    manifest = {
        "submission": submission.id,
        "source": str(submission.path),
        "people": [vars(p) for p in submission.people],
        "content_sha256": digest,
        **{k: v for k, v in returned.items() if k != "files"},
    }
    write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest


def crashed_payload(submission: Submission, settings: BatchSettings, error: BaseException) -> dict:
    """What a submission gets when its worker died under it (killed, out of memory, lost)."""
    from ..engine import GradingOptions
    from ..engine.pipeline import grader_failed

    result = GradeResult(submission.id, [])
    note = f"The Dask worker grading this submission failed: {type(error).__name__}: {error}"
    grader_failed(result, GradingOptions(settings.assignment.task()), note)
    return _returned(result, settings.assignment)


def _start_client(settings: BatchSettings, pending: int):
    import logging

    from dask.distributed import Client, LocalCluster

    if settings.scheduler:
        return Client(settings.scheduler), None
    workers = min(settings.workers or workers_for_this_machine(), max(1, pending))
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,  # one grading at a time per worker: each kernel already uses two cores
        processes=True,
        memory_limit=0,  # the sandbox caps the kernel's memory; a nanny restart would only lose work
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def _progress(total: int, done: int):
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="notebook", desc="grading", dynamic_ncols=True, file=sys.stderr)


class _Window:
    """Keeps at most `size` gradings submitted, so a class's bytes are never all in memory at once."""

    def __init__(self, client, settings: BatchSettings, todo: list[Submission], size: int) -> None:
        self.client, self.settings, self.pending, self.size = client, settings, list(reversed(todo)), size
        self.running: dict[str, tuple[Submission, str]] = {}

    def fill(self, completed) -> None:
        while self.pending and len(self.running) < self.size:
            sub = self.pending.pop()
            payload, digest = read_payload(sub.path)
            future = self.client.submit(
                grade_payload, sub.id, sub.path.suffix, payload, self.settings.assignment.name, self.settings.require_sandbox,
                key=f"grade-{self.settings.assignment.name}-{sub.id}-{digest[:12]}", pure=False,
            )
            self.running[future.key] = (sub, digest)
            completed.add(future)


def _record(settings: BatchSettings, outcome: BatchOutcome, sub: Submission, digest: str, returned: dict, bar) -> None:
    version = grader_version(settings.assignment)
    if returned["grader_version"] != version and not outcome.version_warning:
        outcome.version_warning = True
        bar.write(f"warning: a worker runs grader {returned['grader_version']}, this machine {version}: "
                  "install the same repository revision on every worker, or every rerun regrades everything")
    try:
        manifest = save_result(settings.out, sub, digest, returned)
    except OSError as error:  # e.g. a full disk: the others still get graded
        bar.write(f"error: could not write the result of {sub.id}: {error}")
        outcome.lost.append(sub.id)
        return
    outcome.manifests[sub.id] = manifest
    outcome.graded.append(sub.id)
    bar.set_postfix_str(f"{sub.id}: {manifest['score']:g}/{manifest['max_score']:g} {manifest['status']}", refresh=False)


def grade_batch(submissions: list[Submission], settings: BatchSettings) -> BatchOutcome:
    """Grade every submission not already graded with the same content and grader version."""
    from concurrent.futures import CancelledError

    from dask.distributed import as_completed
    from distributed.comm.core import CommClosedError

    started = time.perf_counter()
    outcome = BatchOutcome()
    version = grader_version(settings.assignment)
    todo = []
    for sub in submissions:
        manifest = read_manifest(settings.out, sub)
        if not settings.force and is_current(manifest, read_payload(sub.path)[1], version):
            outcome.skipped.append(sub.id)
            outcome.manifests[sub.id] = manifest
        else:
            todo.append(sub)
    bar = _progress(len(submissions), len(outcome.skipped))
    if not todo:
        bar.close()
        outcome.seconds = time.perf_counter() - started
        return outcome
    client, cluster = _start_client(settings, len(todo))
    window = _Window(client, settings, todo, size=2 * max(1, len(client.scheduler_info().get("workers", {})) or 1) + 2)
    completed = as_completed()
    try:
        window.fill(completed)
        for future in completed:
            sub, digest = window.running.pop(future.key)
            try:
                returned = future.result()
            except (CancelledError, CommClosedError) as error:  # the scheduler went away: not graded
                bar.write(f"not graded: {sub.id} ({type(error).__name__}); rerun to grade it")
                outcome.lost.append(sub.id)
                returned = None
            except Exception as error:  # the worker died under it (KilledWorker) or the task failed
                returned = crashed_payload(sub, settings, error)
            if returned is not None:
                _record(settings, outcome, sub, digest, returned, bar)
            bar.update(1)
            window.fill(completed)
    except KeyboardInterrupt:
        outcome.interrupted = True
        client.cancel(list(completed.futures), force=True)
    finally:
        bar.close()
        client.close()
        if cluster is not None:
            cluster.close()
    outcome.seconds = time.perf_counter() - started
    return outcome


def _cell(text: str) -> str:
    """A spreadsheet must not run a student's name as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_grades_csv(submissions: list[Submission], manifests: dict[str, dict], path: Path) -> None:
    """One row per student (each member of a group submission gets the group's row), gradebook
    style: identity, per-question scores, total, status."""
    questions = sorted({q for m in manifests.values() for q in m.get("questions", {})}, key=lambda q: (len(q), q))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "SID", "Email", "Submission", *questions, "Total", "Max", "Status"])
    for sub in submissions:
        manifest = manifests.get(sub.id)
        if manifest is None:
            marks = [*[""] * len(questions), "", "", "not graded"]
        else:
            scores = [f"{manifest['questions'].get(q, [0.0])[0]:g}" for q in questions]
            marks = [*scores, f"{manifest['score']:g}", f"{manifest['max_score']:g}", manifest["status"]]
        for person in sub.people or (Person(),):
            writer.writerow([_cell(person.name), _cell(person.sid), _cell(person.email), sub.id, *marks])
    write_atomically(path, buffer.getvalue())


def write_class_outputs(submissions: list[Submission], manifests: dict[str, dict], settings: BatchSettings) -> dict[str, Path]:
    """grades.csv, report.html and (optionally) similarity.csv for the submissions graded so far."""
    from .class_report import write_class_report

    out = settings.out
    paths = {"grades": out / "grades.csv", "report": out / "report.html"}
    write_grades_csv(submissions, manifests, paths["grades"])
    entries = []
    for sub in submissions:
        if sub.id in manifests:
            results = json.loads((out / sub.id / "results.json").read_text())
            entries.append({"submission": sub.id, "name": sub.name, "email": sub.email,
                            "status": manifests[sub.id]["status"], "results": results})
    similar = None
    if settings.similarity:
        from .similarity import write_similarity_csv

        similar = similar_submissions(submissions, settings.assignment)
        paths["similarity"] = out / "similarity.csv"
        write_similarity_csv(similar, paths["similarity"])
    write_class_report(entries, paths["report"], f"{settings.assignment.title}: {len(entries)} submissions", similar)
    return paths


def similar_submissions(submissions: list[Submission], assignment: Assignment) -> list:
    """Pairs whose own code (starter code removed) is suspiciously alike; unreadable ones are left out."""
    import nbformat

    from ..engine.load import SubmissionError, load_submission
    from .similarity import code_of, similar_pairs

    codes = {}
    for sub in submissions:
        try:
            codes[sub.id] = code_of(load_submission(sub.path, assignment.notebook_name).notebook)
        except SubmissionError:
            continue
    template = code_of(nbformat.read(assignment.student_notebook, as_version=4))
    return similar_pairs(codes, template)
