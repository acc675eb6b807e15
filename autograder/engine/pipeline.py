"""The hardened grading pipeline: load -> execute (sandboxed) -> probe -> judge -> report.

``grade_submission`` always returns a GradeResult and writes results.json, whatever the
submission does: a broken file, a crash, a dead kernel or a bug in the grader itself all end
in a valid result with a message.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import traceback
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from ..limits import LOCAL, Profile, TimeLimits
from .execute import ExecutionReport, SandboxedKernel
from .judge import GRADING_SEED, KernelNamespace, empty_results, judge, submission_seed
from .load import Expected, SubmissionError, WrongAssignment, load_submission
from .report import write_outputs
from .results import CaseResult, GradeResult, Status, test_name
from .sandbox import SandboxSpec, SandboxUnavailable, can_drop_user, check_available, readable_by_others
from .speed import SpeedCheck, machine_speed


@dataclass(frozen=True)
class CellReference:
    """What the course knows of one code cell of a submission: its time limit and where it is."""

    seconds: float | None = None  # how long the matching reference cell ran; None: unknown (the profile's cell_seconds)
    where: str = ""  # where the cell is, for the student's message ("before the q5 check")


@dataclass(frozen=True)
class GradingTask:
    """Everything the engine knows about an assignment; the course builds it from a master notebook."""

    name: str
    notebook_name: str  # what the student's notebook is called (otter.Notebook reads it beside itself)
    tests_dir: Path  # every test of every question, hidden ones included
    public_tests_dir: Path  # copied beside the notebook for its grader.check() cells
    support_files: tuple[Path, ...] = ()  # copied beside the notebook (the data helper)
    data_dir: Path | None = None  # mounted read-only at /data
    config: dict = field(default_factory=dict)  # otter's keys: seed, seed_variable, show_hidden
    # Readies what the tests import in the grader, given data_dir (the tests read the data the kernel gets); runs in
    # a thread while the notebook runs, and judging waits for it.
    prepare_judge: Callable[[Path | None], None] | None = None
    # The name of the assignment a notebook (and its file name) belongs to, None if unknown.
    identify: Callable[[nbformat.NotebookNode, str], str | None] | None = None
    # True for a notebook holding no answer (as distributed): never graded in place of one with answers.
    unanswered: Callable[[nbformat.NotebookNode], bool] | None = None
    # One CellReference per code cell of a submission, in order (None: every cell gets cell_seconds).
    cell_references: Callable[[nbformat.NotebookNode], Sequence[CellReference]] | None = None
    # The workload timed with the reference's cells, to scale their times to this machine (speed.py).
    speed_check: SpeedCheck | None = None

    def expected(self) -> Expected:
        """What the load stage may ask to choose among several notebooks of a submission."""
        return Expected(self.notebook_name, self.name, self.identify, self.unanswered)


GRADER_PACKAGE = Path(__file__).resolve().parents[1]  # autograder/: code and hidden tests


@dataclass
class GradingOptions:
    task: GradingTask
    profile: Profile = LOCAL
    # Without bubblewrap, grading is refused unless this is False (--allow-no-sandbox, Gradescope).
    # Even then student code never runs as root, and never where it could read the hidden tests.
    require_sandbox: bool = True


def preamble(seed: int) -> str:
    """Runs in the kernel before the student's first cell: seed everything, in a namespace of its own."""
    code = (
        "import random, numpy\n"
        f"random.seed({seed}); numpy.random.seed({seed})\n"
        "try:\n"
        "    import keras\n"
        f"    keras.utils.set_random_seed({seed})\n"
        "except ImportError:\n"
        "    pass\n"
    )
    return f"__import__('builtins').exec({code!r}, {{}})"


def _where(index: int, cells: Sequence[CellReference]) -> str:
    """Where code cell `index` is, when the course knows ("before the q3 check"), else ""."""
    return cells[index - 1].where if 0 < index <= len(cells) else ""


def summarize_execution(
    report: ExecutionReport, cells: Sequence[CellReference] = (), limits: TimeLimits | None = None
) -> tuple[Status, list[str]]:
    """Status for grades.csv and the lines the student reads about how their notebook ran."""
    lines = []
    status = Status.GRADED
    timeout, died = report.first("timeout"), report.first("died")
    if timeout:
        status = Status.TIMEOUT
        where = _where(timeout.index, cells)
        lines.append(
            f"Code cell {timeout.index} was stopped{f' ({where})' if where else ''}: it {timeout.error}. "
            "Later answers were graded as they stood."
        )
        if limits is not None and any(c.seconds is not None for c in cells):
            lines.append(
                f"Each cell may run {limits.cell_multiple:g} times as long as the same step of the reference solution, "
                f"plus {limits.cell_floor_seconds:g} s: look for an endless loop or much more work than the question asks."
            )
    if died:
        status = Status.KERNEL_DIED
        where = _where(died.index, cells)
        lines.append(
            f"The notebook's kernel stopped in code cell {died.index}{f', {where}' if where else ''} ({died.error}): "
            "cells after it did not run, and names they define are missing."
        )
    skipped = [c.index for c in report.cells if c.status == "skipped"]
    if skipped and not died:
        status = Status.TIMEOUT
        lines.append(f"The notebook ran out of time; code cells {skipped[0]}-{skipped[-1]} did not run.")
    errors = [c for c in report.cells if c.status == "error"]
    if errors:
        shown = ", ".join(f"cell {c.index} ({c.error.splitlines()[0][:80]})" for c in errors[:5])
        lines.append(f"{len(errors)} code cell(s) raised an error: {shown}.")
    if report.background_ended:
        lines.append(
            f"{report.background_ended} process(es) the notebook started were still running after its last cell "
            "and were ended: the checks talk to the notebook's kernel alone."
        )
    return status, lines


def _spec_factory(options: GradingOptions):
    def make(workdir: Path, ipc: Path, requests: Path, uid: int) -> SandboxSpec:
        return SandboxSpec(
            workdir, ipc, requests, options.task.data_dir, options.profile.tree, uid, isolated
        )

    isolated = True
    try:
        check_available(options.profile.tree, options.task.data_dir)  # the very options the kernel gets
    except SandboxUnavailable as unavailable:
        if options.require_sandbox:
            raise
        if os.geteuid() == 0 and not can_drop_user():
            raise SandboxUnavailable(
                f"{unavailable}; and the kernel cannot run as an unprivileged user: the Python installation "
                "or environment is not readable by others (check the umask used by setup.sh)"
            ) from None
        # The grading package holds every assignment's hidden tests (and, in a course checkout,
        # the solutions sit beside it): both must be closed to the kernel's uid.
        exposed = [f for f in (options.task.tests_dir, GRADER_PACKAGE) if readable_by_others(f)]
        if exposed:
            raise SandboxUnavailable(
                f"{unavailable}; and without a sandbox the kernel could read the hidden tests in "
                f"{exposed[0]}: make the grader's files unreadable to other users (chmod -R go-rwx, as the "
                "Gradescope zip's lockdown.sh does) or install bubblewrap"
            ) from None
        isolated = False
    return make, isolated


class _Preparation:
    """The task's prepare_judge, run in a thread beside the kernel's start and the notebook's run (loading and
    verifying the MNIST test data took 1.7 s at a load average of 8, all of it before the kernel could start)."""

    def __init__(self, prepare: Callable[[], None]) -> None:
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(prepare,), name="autograder-prepare-judge", daemon=True)
        self.thread.start()

    def _run(self, prepare: Callable[[], None]) -> None:
        try:
            prepare()
        except BaseException as error:  # noqa: B036  re-raised in the grading's own thread by wait()
            self.error = error

    def wait(self) -> float:
        """Seconds waited until the judge was ready; raises what prepare_judge raised."""
        mark = time.perf_counter()
        self.thread.join()
        if self.error is not None:
            raise self.error
        return time.perf_counter() - mark


class LiveSubmission:
    """A notebook executed in its sandboxed kernel, kept alive to be judged (and judged again).

    ``grade_submission`` uses it once per submission; instructor tools (mutation testing) use it
    to run grader code in the live kernel between judgements. Entering starts the sandbox and
    runs every cell; leaving ends every process of the submission.
    """

    def __init__(self, notebook: nbformat.NotebookNode, options: GradingOptions, result: GradeResult) -> None:
        self.notebook, self.options, self.result = notebook, options, result
        self.kernel: SandboxedKernel | None = None
        self._unavailable: str | None = None  # why the kernel cannot be asked, once probes were tried
        self._preparation: _Preparation | None = None

    def __enter__(self) -> LiveSubmission:
        task, stages = self.options.task, self.result.stages
        spec_factory, isolated = _spec_factory(self.options)
        if not isolated:
            who = "an unprivileged user" if can_drop_user() else "the grader's own user"
            self.result.instructor_notes.append(
                f"Graded WITHOUT a sandbox (no usable bubblewrap): no namespaces, the kernel ran as {who}; "
                "the containment line below says what bounded it."
            )
        # While the kernel starts and the notebook runs, the grader gets its test data and imports ready.
        self._preparation = (
            None if task.prepare_judge is None else _Preparation(functools.partial(task.prepare_judge, task.data_dir))
        )
        # What the notebook expects beside it: itself (otter.Notebook reads it), the support files, and
        # the public tests for its grader.check() cells.
        files = {task.notebook_name: self.notebook, **{p.name: p for p in task.support_files}, "tests": task.public_tests_dir}
        mark = time.perf_counter()
        self.kernel = SandboxedKernel(spec_factory, files, self.options.profile)
        try:
            self.kernel.start()
            stages["sandbox start"] = time.perf_counter() - mark
            config = task.config
            seed_variable, seed = config.get("seed_variable"), int(config.get("seed", 42))
            cells = list(task.cell_references(self.notebook)) if task.cell_references is not None else []
            limits = self.options.profile.time
            mark = time.perf_counter()
            report = self.kernel.execute(
                self.notebook, preamble(seed), f"{seed_variable} = {seed}" if seed_variable else "",
                lambda: self._cell_budgets(cells, limits),  # after the preamble: Keras is imported, everything seeded
            )
            stages["execution"] = time.perf_counter() - mark - stages.get("speed check", 0.0)
            self.result.status, lines = summarize_execution(report, cells, limits)
            self.result.summary += lines
        except BaseException:
            self._close()
            raise
        return self

    def _cell_budgets(self, cells: Sequence[CellReference], limits: TimeLimits) -> list[float]:
        """Each cell's limit, its reference time scaled to this machine's speed; the instructor is told which and why."""
        if not cells:
            if self.options.task.cell_references is None:
                self.result.instructor_notes.append(
                    f"Time limits: no reference cell times (the assignment was built without executing its solution): "
                    f"every cell {limits.cell_seconds:g} s, the notebook {limits.notebook_seconds:g} s."
                )
            return []
        mark = time.perf_counter()
        speed = machine_speed(self.kernel, self.options.task.speed_check, limits)
        self.result.stages["speed check"] = time.perf_counter() - mark
        budgets = [limits.cell_budget(cell.seconds, speed.scale) for cell in cells]
        self.result.instructor_notes.append(speed.note(budgets, limits))
        return budgets

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _close(self) -> None:
        """End the kernel's whole tree; say how it was contained, and which limit stopped it."""
        if self.kernel is None or self.result.containment is not None:
            return
        self.kernel.close()
        if self.kernel.log is not None:
            self.result.kernel_log = self.kernel.log.text()
        record = self.kernel.containment.record
        self.result.containment = record
        self.result.instructor_notes.append(record.note())
        self.result.summary += [f"The notebook was stopped: {hit}." for hit in record.limit_hits]

    def namespace(self) -> KernelNamespace:
        """A fresh view of the student's globals as the tests see them (probes installed on first use).

        Each judgement gets its own: nothing fetched for one is reused by the next, so grader code
        run in the kernel in between (a redefined function) is seen.
        """
        if self._unavailable is None:
            self._unavailable = "" if self.kernel.alive else "the notebook's kernel had stopped, so its answers were lost"
            if not self._unavailable:
                try:
                    self.kernel.install_probes()
                except Exception:
                    self._unavailable = "the notebook stopped the grader from reading its answers"
        profile = self.options.profile
        code = "\n".join(cell.source for cell in self.notebook.cells if cell.cell_type == "code")
        trusted = {"np": np, GRADING_SEED: submission_seed(code, self.options.task.tests_dir)}
        return KernelNamespace(self.kernel, trusted, self._unavailable, profile.intake, profile.time)

    def judge(self, questions: Collection[str] | None = None) -> list[CaseResult]:
        """Run the checks of `questions` (default: all) against the live kernel."""
        if self._preparation is not None:  # raises what failed there: a grader error, not the student's
            self.result.stages["waiting for the judge's data"] = self._preparation.wait()
        mark = time.perf_counter()
        cases = judge(self.options.task.tests_dir, self.namespace(), questions)
        self.result.stages["probe + judge"] = time.perf_counter() - mark
        self.result.instructor_notes += [f"{test_name(c.question, c.name)}: {c.note}" for c in cases if c.note]
        return cases


def _check_assignment(notebook: nbformat.NotebookNode, file_name: str, task: GradingTask) -> None:
    """Refuse another assignment's notebook rather than grade it against the wrong tests (file_name: the
    notebook's own, a zip's member rather than the zip)."""
    other = task.identify(notebook, file_name) if task.identify is not None else None
    if other is not None and other != task.name:
        raise WrongAssignment(
            f"This notebook is the {other} assignment, but it was submitted to be graded as {task.name}. "
            f"Submit your {task.name} notebook ({task.notebook_name}) here."
        )


def _run(path: Path, options: GradingOptions, result: GradeResult) -> None:
    started = time.perf_counter()
    loaded = load_submission(path, options.task.expected())
    _check_assignment(loaded.notebook, loaded.file_name or path.name, options.task)
    result.summary += [f"Note: {note}." for note in loaded.notes]
    result.stages["load"] = time.perf_counter() - started
    with LiveSubmission(loaded.notebook, options, result) as live:
        result.cases = live.judge()


def not_graded(result: GradeResult, options: GradingOptions, status: Status, student: str, reason: str, note: str = "") -> None:
    """Turn result into a zero for every check, saying why to the student (and to the instructor)."""
    result.status = status
    result.summary.append(student)
    if note:
        result.instructor_notes.append(note)
    result.cases = empty_results(options.task.tests_dir, f"Not graded: {reason}.")


def grader_failed(result: GradeResult, options: GradingOptions, note: str) -> None:
    """The grader, not the submission, failed: the student is told so, the instructor gets the details."""
    student = "The grader failed on this submission; your instructor has been told."
    not_graded(result, options, Status.GRADER_ERROR, student, "the grader failed (see above)", note)


def grade_submission(path: Path, out_dir: Path, options: GradingOptions) -> GradeResult:
    """Grade one submission and write OUT/<stem>/results.json; never raises for bad input."""
    path = Path(path)
    config = options.task.config
    result = GradeResult(submission=path.stem, cases=[])
    started = time.perf_counter()
    try:
        _run(path, options, result)
    except WrongAssignment as exc:
        note = f"Not graded: the notebook belongs to another assignment. {exc}"
        not_graded(result, options, Status.WRONG_ASSIGNMENT, str(exc), "this is another assignment's notebook", note)
    except SubmissionError as exc:
        not_graded(result, options, Status.UNREADABLE, str(exc), "the submission could not be read (see above)")
    except SandboxUnavailable as exc:
        student = "This submission could not be graded safely on this machine; your instructor has been told."
        not_graded(result, options, Status.NO_SANDBOX, student, "the grader could not start its sandbox", str(exc))
    except Exception:
        grader_failed(result, options, traceback.format_exc())
    result.seconds = time.perf_counter() - started
    mark = time.perf_counter()
    write_outputs(result, out_dir, config)
    result.stages["report"] = time.perf_counter() - mark
    return result
