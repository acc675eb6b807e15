"""The hardened grading pipeline: load -> execute (sandboxed) -> probe -> judge -> report.

``grade_submission`` always returns a GradeResult and writes results.json, whatever the
submission does: a broken file, a crash, a dead kernel or a bug in the grader itself all end
in a valid result with a message.
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .assignments import MNIST, Assignment
from .data import data_module
from .judge import KernelNamespace, empty_results, judge
from .kernel import ExecutionLimits, ExecutionReport, SandboxedKernel
from .paths import DATA, DATA_MODULE
from .report import GradeResult, write_outputs
from .sandbox import Limits, SandboxSpec, SandboxUnavailable, can_drop_user, check_available
from .submission import SubmissionError, load_submission


@dataclass
class GradingOptions:
    assignment: Assignment = MNIST
    tests_dir: Path | None = None  # default: the assignment's hidden tests
    public_tests_dir: Path | None = None  # default: the assignment's public tests
    data_dir: Path = DATA
    limits: ExecutionLimits = field(default_factory=ExecutionLimits)
    sandbox_limits: Limits = field(default_factory=Limits)
    require_sandbox: bool = True
    # Without bubblewrap, never run student code as root: on Gradescope the kernel must be able to
    # switch to an unprivileged user, or grading is refused (the CLI's --allow-no-sandbox is laxer).
    require_unprivileged: bool = False
    threads: int = 2

    def __post_init__(self) -> None:
        self.tests_dir = self.tests_dir or self.assignment.hidden_tests
        self.public_tests_dir = self.public_tests_dir or self.assignment.public_tests


def preamble(seed: int) -> str:
    """Runs in the kernel before the student's first cell: seed everything."""
    return (
        "import random as _r, numpy as _np\n"
        f"_r.seed({seed}); _np.random.seed({seed})\n"
        "try:\n"
        "    import keras as _k\n"
        f"    _k.utils.set_random_seed({seed})\n"
        "    del _k\n"
        "except ImportError:\n"
        "    pass\n"
        "del _r, _np\n"
    )


def summarize_execution(report: ExecutionReport) -> tuple[str, list[str]]:
    """Status for grades.csv and the lines the student reads about how their notebook ran."""
    lines = []
    status = "graded"
    timeout, died = report.first("timeout"), report.first("died")
    if timeout:
        status = "timeout"
        lines.append(f"Code cell {timeout.index} was stopped: it {timeout.error}. Later answers were graded as they stood.")
    if died:
        status = "kernel-died"
        lines.append(
            f"The notebook's kernel stopped in code cell {died.index} ({died.error}): cells after it did not run, "
            "and names they define are missing."
        )
    skipped = [c.index for c in report.cells if c.status == "skipped"]
    if skipped and not died:
        status = "timeout"
        lines.append(f"The notebook ran out of time; code cells {skipped[0]}-{skipped[-1]} did not run.")
    errors = [c for c in report.cells if c.status == "error"]
    if errors:
        shown = ", ".join(f"cell {c.index} ({c.error.splitlines()[0][:80]})" for c in errors[:5])
        lines.append(f"{len(errors)} code cell(s) raised an error: {shown}.")
    if report.output_truncated:
        lines.append("The notebook printed more output than the grader keeps; the rest was dropped.")
    return status, lines


@functools.cache
def warm_up_judge(dataset: str) -> None:
    """Prepare the judge while the notebook runs: Keras imported, the test data loaded once.

    The tests import nn_data in the grader's process; its loader verifies the whole dataset on
    every call, so the grader keeps one verified copy for all of them.
    """
    loader = getattr(data_module(), dataset)
    arrays = loader.load_data()
    for array in (a for pair in arrays for a in pair):
        array.flags.writeable = False  # shared by every test: nobody may change it
    loader.load_data = lambda: arrays
    threading.Thread(target=importlib.import_module, args=("keras",), daemon=True).start()


def _spec_factory(options: GradingOptions):
    def make(workdir: Path, ipc: Path, requests: Path, uid: int) -> SandboxSpec:
        return SandboxSpec(
            workdir, ipc, requests, options.data_dir, options.sandbox_limits, options.threads, uid, isolated
        )

    isolated = True
    try:
        check_available()
    except SandboxUnavailable as unavailable:
        if options.require_sandbox:
            raise
        if options.require_unprivileged and os.geteuid() == 0 and not can_drop_user():
            raise SandboxUnavailable(
                f"{unavailable}; and the kernel cannot run as an unprivileged user: the Python installation "
                "or environment is not readable by others (check the umask used by setup.sh)"
            ) from None
        isolated = False
    return make, isolated


def _run(path: Path, options: GradingOptions, result: GradeResult, config: dict) -> None:
    stages = result.stages
    started = time.perf_counter()
    notebook_name = options.assignment.notebook_name
    loaded = load_submission(path, notebook_name)
    result.summary += [f"Note: {note}." for note in loaded.notes]
    stages["load"] = time.perf_counter() - started

    spec_factory, isolated = _spec_factory(options)
    if not isolated:
        who = "an unprivileged user" if can_drop_user() else "the grader's own user"
        result.instructor_notes.append(f"Graded WITHOUT a sandbox (no usable bubblewrap): resource limits only, as {who}.")
    warm_up_judge(options.assignment.dataset)
    # What the notebook expects beside it: itself (otter.Notebook reads it), the data helper, and
    # the public tests for its grader.check() cells.
    files = {notebook_name: loaded.notebook, DATA_MODULE.name: DATA_MODULE, "tests": options.public_tests_dir}
    mark = time.perf_counter()
    with SandboxedKernel(spec_factory, files, options.limits) as kernel:
        kernel.start(loaded.notebook)
        stages["sandbox start"] = time.perf_counter() - mark
        mark = time.perf_counter()
        seed_variable = config.get("seed_variable")
        seed = int(config.get("seed", 42))
        report = kernel.execute(loaded.notebook, preamble(seed), f"{seed_variable} = {seed}" if seed_variable else "")
        stages["execution"] = time.perf_counter() - mark
        result.status, lines = summarize_execution(report)
        result.summary += lines
        mark = time.perf_counter()
        unavailable = "" if kernel.alive else "the notebook's kernel had stopped, so its answers were lost"
        if not unavailable:
            try:
                kernel.install_probes()
            except Exception:
                unavailable = "the notebook stopped the grader from reading its answers"
        namespace = KernelNamespace(kernel, {"np": np}, unavailable)
        result.cases = judge(options.tests_dir, namespace)
        stages["probe + judge"] = time.perf_counter() - mark


def not_graded(result: GradeResult, options: GradingOptions, status: str, student: str, reason: str, note: str = "") -> None:
    """Turn result into a zero for every check, saying why to the student (and to the instructor)."""
    result.status = status
    result.summary.append(student)
    if note:
        result.instructor_notes.append(note)
    result.cases = empty_results(options.tests_dir, f"Not graded: {reason}.")


def grader_failed(result: GradeResult, options: GradingOptions, note: str) -> None:
    """The grader, not the submission, failed: the student is told so, the instructor gets the details."""
    student = "The grader failed on this submission; your instructor has been told."
    not_graded(result, options, "grader-error", student, "the grader failed (see above)", note)


def grade_submission(path: Path, out_dir: Path, options: GradingOptions | None = None) -> GradeResult:
    """Grade one submission and write OUT/<stem>/results.json; never raises for bad input."""
    options = options or GradingOptions()
    path = Path(path)
    config = options.assignment.config()
    result = GradeResult(submission=path.stem, cases=[])
    started = time.perf_counter()
    try:
        _run(path, options, result, config)
    except SubmissionError as exc:
        not_graded(result, options, "unreadable", str(exc), "the submission could not be read (see above)")
    except SandboxUnavailable as exc:
        student = "This submission could not be graded safely on this machine; your instructor has been told."
        not_graded(result, options, "no-sandbox", student, "the grader could not start its sandbox", str(exc))
    except Exception:
        grader_failed(result, options, traceback.format_exc())
    result.seconds = time.perf_counter() - started
    mark = time.perf_counter()
    write_outputs(result, out_dir, config)
    result.stages["report"] = time.perf_counter() - mark
    return result
