"""One mutation run: the reference once, then every mutant applied, judged, classified, undone.

Classes of a mutant:

* killed: a check that reads what the mutant changed failed (checks.py: the checks that read it
  run one by one, through the engine's judge, until one fails);
* timed out: a call of the mutant ran into the run's probe limit (the check then loses points too);
* crashed: the mutant stopped the kernel (the reference is run again for the next mutant);
* survived: every check kept its points, and the mutant behaves differently from the reference on
  the equivalence battery (a value: it has another value);
* accepted: a survivor the instructor listed as a correct answer the question allows (accepted.py),
  or one that behaves exactly like an honest style of the corpus (corpus.py) on the whole battery;
* equivalent: every check kept its points and the mutant behaves like the reference on the whole
  battery (a value: the same value); listed, and left out of the score;
* not judged: no check reads what it changes, the reference itself fails a check of that question,
  or the kernel could not be restarted.

score = detected / (mutants - equivalent - accepted - not judged), where detected = killed + timed
out + crashed: a mutant that times out or stops the kernel costs the student points just as a
killed one does. raw score: the same without leaving out the accepted survivors.

The honest styles of the assignment's corpus are judged too, in the same kernel, like mutants
that must survive: a style that loses a check is reported as rejected (a check that refuses a
correct answer is a defect, as a survivor is). Each question's digest (digest.py) records what
its results depend on.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..course.assignments import Assignment
from ..engine.judge import judge
from ..engine.results import question_key
from ..limits import MutationLimits
from . import equivalence
from .accepted import Accepted, load_accepted
from .checks import Check, relevant, split_checks
from .corpus import CorpusError, Entry, LiveCorpus, top_level_names
from .digest import question_digests
from .kernel import KernelLost, ReferenceKernel, reference_notebook
from .mutants import Mutant, mutants_of
from .targets import Target, affected_names, read_solution

KILLED, TIMED_OUT, CRASHED = "killed", "timed out", "crashed"
SURVIVED, ACCEPTED, EQUIVALENT, NOT_JUDGED = "survived", "accepted", "equivalent", "not judged"
CLASSES = (KILLED, SURVIVED, ACCEPTED, EQUIVALENT, TIMED_OUT, CRASHED, NOT_JUDGED)
DETECTED = (KILLED, TIMED_OUT, CRASHED)


@dataclass
class MutantResult:
    mutant: Mutant
    status: str
    detail: str = ""  # the check that failed, why it was not judged, or why it is accepted
    seconds: float = 0.0  # applying, judging and (for a survivor) comparing it


@dataclass
class RunReport:
    assignment: str
    seconds: float = 0.0
    reference_seconds: float = 0.0
    results: list[MutantResult] = field(default_factory=list)
    generated: dict[str, int] = field(default_factory=dict)  # mutants generated per question, before sampling
    restarts: int = 0
    cpu_seconds: float = 0.0  # the grader's process and the kernels' process trees
    unmatched: list[Accepted] = field(default_factory=list)  # accepted entries that matched no survivor
    digests: dict[str, str] = field(default_factory=dict)  # question -> what its results depend on (digest.py)
    honest: dict[str, dict[str, str]] = field(default_factory=dict)  # honest style -> checks it failed, with messages
    honest_not_judged: dict[str, str] = field(default_factory=dict)  # honest style -> why it was not judged

    def questions(self) -> list[str]:
        return sorted({r.mutant.target.question for r in self.results} | set(self.generated), key=question_key)

    def of(self, question: str) -> list[MutantResult]:
        return [r for r in self.results if r.mutant.target.question == question]


@dataclass
class Planned:
    target: Target
    checks: list[Check]  # the checks that read what the target's mutants change, in the order they run
    mutants: list[Mutant]
    kills: Counter = field(default_factory=Counter)  # check label -> mutants of this target it killed
    battery: list = field(default_factory=list)  # a function's equivalence battery, built at its first survivor
    reference: list | None = None  # the reference's outcomes on the battery, or its values
    honest: dict[str, list] = field(default_factory=dict)  # honest style -> its outcomes on the battery


def sample(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """At most `limit` mutants, spread evenly over the list (all if no limit)."""
    if limit is None or len(mutants) <= limit:
        return mutants
    step = len(mutants) / limit
    return [mutants[int(i * step)] for i in range(limit)]


def plan(assignment: Assignment, checks: list[Check], questions: list[str] | None = None,
         limit: int | None = None) -> tuple[list[Planned], dict]:
    """The targets to mutate with their checks and (sampled) mutants; how many mutants each question has."""
    solution = read_solution(assignment.master)
    by_question: dict[str, list[Planned]] = {}
    for target in solution.targets:
        if not questions or target.question in questions:
            judged_by = relevant(checks, affected_names(target, solution.targets), target.question)
            entry = Planned(target, judged_by, mutants_of(target, solution.notebook_names))
            by_question.setdefault(target.question, []).append(entry)
    generated = {q: sum(len(p.mutants) for p in entries) for q, entries in by_question.items()}
    for entries in by_question.values():
        kept = {id(m) for m in sample([m for p in entries for m in p.mutants], limit)}
        for p in entries:
            p.mutants = [m for m in p.mutants if id(m) in kept]
    return [p for entries in by_question.values() for p in entries], generated


class MutationRun:
    def __init__(self, assignment: Assignment, limits: MutationLimits, notebook: Path | None = None,
                 accepted: dict | None = None, progress: Callable[[str], None] | None = None,
                 honest: list[Entry] | None = None) -> None:
        self.assignment, self.limits = assignment, limits
        self.notebook = notebook or assignment.solution
        self.accepted = accepted or {}
        self.honest = honest or []  # the corpus's honest styles of this assignment
        self.progress = progress or (lambda text: None)
        self.failing: set[str] = set()  # the checks the reference itself fails (label)
        self.calls: dict[str, list] = {}  # function -> the calls the checks made on the reference

    def run(self, planned: list[Planned], generated: dict, bar=None, checks: list[Check] | None = None) -> RunReport:
        started, cpu_started = time.perf_counter(), _own_cpu_seconds()
        report = RunReport(self.assignment.name, generated=generated)
        report.digests = {q: d for q, d in question_digests(self.assignment, self.accepted, self.honest).items()
                          if q in {p.target.question for p in planned}}
        task = self.assignment.task()
        self.progress("running the reference solution in the sandboxed engine ...")
        notebook = reference_notebook(self.notebook)
        with ReferenceKernel(task, notebook, self.limits) as kernel:
            report.reference_seconds = kernel.seconds
            self._baseline(kernel, task.tests_dir)
            self._judge_honest(kernel, notebook, planned, checks or [], report)
            for entry in planned:
                if bar is not None:
                    bar.set_description(f"{entry.target.question} {entry.target.label}"[:28])
                for mutant in entry.mutants:
                    mark = time.perf_counter()
                    result = self._accept(self._one(kernel, entry, mutant))
                    result.seconds = time.perf_counter() - mark
                    report.results.append(result)
                    if bar is not None:
                        bar.update(1)
                self._check_restored(kernel, entry)
            report.restarts = kernel.restarts
        report.cpu_seconds = _own_cpu_seconds() - cpu_started + kernel.cpu_seconds
        matched = {(r.mutant.target.label, r.mutant.changes) for r in report.results if r.status == ACCEPTED}
        labels = {p.target.label for p in planned}
        report.unmatched = [a for key, a in self.accepted.items() if key not in matched and a.target in labels]
        report.seconds = time.perf_counter() - started
        return report

    def _accept(self, result: MutantResult) -> MutantResult:
        """A listed survivor takes the instructor's reason (and keeps an honest style's likeness, if it has one)."""
        entry = self.accepted.get((result.mutant.target.label, result.mutant.changes))
        if entry is None or result.status not in (SURVIVED, ACCEPTED):
            return result
        reason = entry.reason if result.status == SURVIVED else f"{entry.reason} Also: {result.detail}."
        return MutantResult(result.mutant, ACCEPTED, reason, result.seconds)

    # -- the honest styles

    def _judge_honest(self, kernel: ReferenceKernel, notebook, planned: list[Planned], checks: list[Check],
                      report: RunReport) -> None:
        """Judge every honest style that defines a planned target, like a mutant that must keep its points."""
        names = {name for p in planned for name in p.target.names}
        live = LiveCorpus(kernel, notebook, checks, read_solution(self.assignment.master).targets, self.failing)
        for entry in self.honest:
            if not any(entry.defining(name) for name in names):
                continue
            if not kernel.alive and not self._restart(kernel):
                report.honest_not_judged[entry.name] = "the kernel could not be restarted"
                continue
            try:
                verdict = live.judge(entry)
            except CorpusError as error:  # another reference notebook (--notebook) without its cells
                report.honest_not_judged[entry.name] = str(error)
                continue
            except KernelLost as lost:
                report.honest_not_judged[entry.name] = str(lost)
                self._restart(kernel)
                continue
            if verdict.judged:
                report.honest[entry.name] = dict(verdict.failed)
            else:
                report.honest_not_judged[entry.name] = verdict.reason

    def _honest_outcomes(self, kernel: ReferenceKernel, entry: Planned) -> dict[str, list]:
        """Each honest style's outcomes on the target's battery (its own definition of the function, applied alone)."""
        name, found = entry.target.names[0], {}
        for style in self.honest:
            chunk = style.defining(name)
            if chunk is None:
                continue
            if not kernel.apply(chunk, top_level_names(chunk)):  # None: it ran
                found[style.name] = equivalence.outcomes(kernel.namespace()[name], entry.battery)
            kernel.restore()
        return found

    # -- the reference

    def _baseline(self, kernel: ReferenceKernel, tests_dir: Path) -> None:
        """Judge the reference once, recording the calls the checks make (the batteries' seeds)."""
        for case in judge(tests_dir, equivalence.RecordingNamespace(kernel.namespace(), self.calls)):
            if not case.passed:
                self.failing.add(f"{case.question} - {case.name}")

    def _check_restored(self, kernel: ReferenceKernel, entry: Planned) -> None:
        """After a target's mutants the reference must pass again: otherwise the run itself is wrong."""
        if kernel.alive:
            checks = [c for c in entry.checks if c.label not in self.failing]
            lost = self._first_failure(kernel, checks, stop=False)
            if lost:
                raise RuntimeError(f"after the mutants of {entry.target.label} the reference no longer passes {lost}")

    def _first_failure(self, kernel: ReferenceKernel, checks: list[Check], stop: bool = True) -> str | None:
        """The first of `checks` that fails, each judged by the engine's judge on one namespace."""
        namespace, failed = kernel.namespace(), None
        for check in checks:
            for case in judge(check.folder, namespace):
                if not case.passed and failed is None:
                    failed = check.label
            if failed and stop:
                break
        return failed

    # -- one mutant

    def _one(self, kernel: ReferenceKernel, entry: Planned, mutant: Mutant) -> MutantResult:
        if not entry.checks:
            return MutantResult(mutant, NOT_JUDGED, f"no check reads {entry.target.label}")
        # The checks that killed most of this target's mutants so far run first (stable otherwise): a
        # killed mutant then usually costs one check.
        checks = sorted((c for c in entry.checks if c.label not in self.failing), key=lambda c: -entry.kills[c.label])
        if not checks:
            return MutantResult(mutant, NOT_JUDGED, f"the reference itself fails {entry.checks[0].label}")
        if not kernel.alive and not self._restart(kernel):
            return MutantResult(mutant, NOT_JUDGED, "the kernel could not be restarted")
        try:
            return self._judged(kernel, entry, checks, mutant)
        except KernelLost as lost:
            self._restart(kernel)
            return MutantResult(mutant, CRASHED, str(lost))

    def _restart(self, kernel: ReferenceKernel) -> bool:
        if kernel.restarts >= self.limits.kernel_restarts:
            return False
        self.progress("a mutant stopped the kernel: running the reference again ...")
        kernel.restart()
        return True

    def _judged(self, kernel: ReferenceKernel, entry: Planned, checks: list[Check], mutant: Mutant) -> MutantResult:
        raised = kernel.apply(mutant.code, entry.target.names)
        mark = time.perf_counter()
        lost = self._first_failure(kernel, checks)
        seconds = time.perf_counter() - mark
        if not kernel.alive:
            raise KernelLost("the kernel stopped while the mutant was judged")
        if lost and seconds >= self.limits.probe_seconds:
            result = MutantResult(mutant, TIMED_OUT, f"a call ran over {self.limits.probe_seconds:g} s; {lost} lost points")
        elif lost:
            entry.kills[lost] += 1
            result = MutantResult(mutant, KILLED, lost + (f" (it raised {raised} when run)" if raised else ""))
        else:
            result = self._survivor(kernel, entry, mutant)
        kernel.restore()
        return result

    # -- equivalence

    def _survivor(self, kernel: ReferenceKernel, entry: Planned, mutant: Mutant) -> MutantResult:
        """Survived or equivalent (called with the mutant applied): compare it with the reference."""
        if entry.target.kind == "value":
            inputs = equivalence.statement_inputs(entry.target.source, mutant.code) - set(entry.target.names)
            numbers = self._numbers(kernel, inputs)
            if numbers is not None:
                return self._number_survivor(entry, mutant, numbers)
        if entry.reference is None:  # the target's first survivor: take the reference's side once
            kernel.restore()
            entry.reference = self._reference_side(kernel, entry)
            kernel.apply(mutant.code, entry.target.names)
        if entry.target.kind == "value":
            same = self._values(kernel, entry.target) == entry.reference
            return MutantResult(mutant, EQUIVALENT if same else SURVIVED, "the same value" if same else "another value")
        outcomes = equivalence.outcomes(kernel.namespace()[entry.target.names[0]], entry.battery)
        differing = sum(a != b for a, b in zip(outcomes, entry.reference, strict=True))
        inputs = f"{len(entry.battery)} battery inputs"
        if entry.battery and not differing:
            return MutantResult(mutant, EQUIVALENT, f"the same outcome on all {inputs}")
        like = next((style for style, found in entry.honest.items() if entry.battery and found == outcomes), None)
        if like is not None:
            return MutantResult(mutant, ACCEPTED, f"it behaves like the honest corpus style {like} on all {inputs}")
        return MutantResult(mutant, SURVIVED, f"differs from the reference on {differing} of {inputs}")

    def _number_survivor(self, entry: Planned, mutant: Mutant, numbers: dict) -> MutantResult:
        """A value computed from numbers only: both statements on the notebook's numbers and on others."""
        battery = equivalence.number_battery(numbers, self.limits.battery_variants)
        names = entry.target.names
        reference = equivalence.statement_outcomes(entry.target.source, names, battery)
        mutated = equivalence.statement_outcomes(mutant.code, names, battery)
        differing = sum(a != b for a, b in zip(reference, mutated, strict=True))
        if not differing:
            return MutantResult(mutant, EQUIVALENT, f"the same value for the notebook's numbers and {len(battery) - 1} others")
        read = ", ".join(sorted(numbers)) or "nothing"
        return MutantResult(mutant, SURVIVED, f"another value on {differing} of {len(battery)} inputs ({read})")

    def _numbers(self, kernel: ReferenceKernel, names: set[str]) -> dict | None:
        """The reference's values of `names` if every one is a plain number, else None."""
        namespace, found = kernel.namespace(), {}
        for name in sorted(names):
            try:
                value = namespace[name]
            except Exception:
                return None
            if type(value) not in (int, float, bool):
                return None
            found[name] = value
        return found

    def _reference_side(self, kernel: ReferenceKernel, entry: Planned) -> list:
        """The reference's values, or its outcomes on the battery (kept only where they are stable)."""
        if entry.target.kind == "value":
            return self._values(kernel, entry.target)
        name = entry.target.names[0]
        calls = equivalence.battery(self.calls.get(name, []), self.limits.battery_variants, self.limits.battery_calls)
        entry.battery, outcomes = equivalence.stable_calls(kernel.namespace()[name], calls)
        entry.honest = self._honest_outcomes(kernel, entry)
        return outcomes

    def _values(self, kernel: ReferenceKernel, target: Target) -> list:
        namespace = kernel.namespace()
        values = []
        for name in target.names:
            try:
                values.append(equivalence.canonical(namespace[name]))
            except Exception as exc:  # missing, or unreadable
                values.append(("missing", type(exc).__name__))
        return values


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_mutation(assignment: Assignment, questions: list[str] | None = None, limit: int | None = None,
                 notebook: Path | None = None, accepted_file: Path | None = None,
                 limits: MutationLimits | None = None, show_progress: bool = True,
                 honest: list[Entry] | None = None) -> RunReport:
    """Mutation-test one assignment's checks (a progress bar on stderr if asked); `honest`: the corpus's honest styles."""
    say = (lambda text: print(text, file=sys.stderr, flush=True)) if show_progress else None
    accepted = load_accepted(accepted_file, assignment.name)
    run = MutationRun(assignment, limits or MutationLimits(), notebook, accepted, say, honest)
    with tempfile.TemporaryDirectory(prefix="autograder-mutants-") as folder:
        checks = split_checks(assignment.hidden_tests, Path(folder))
        planned, generated = plan(assignment, checks, questions, limit)
        if not show_progress:
            return run.run(planned, generated, checks=checks)
        from tqdm import tqdm

        with tqdm(total=sum(len(p.mutants) for p in planned), unit="mutant", file=sys.stderr, dynamic_ncols=True) as bar:
            return run.run(planned, generated, bar, checks=checks)
