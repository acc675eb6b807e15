"""Judge stage: run the tests in the grader's process against the student's answers.

The tests are the exception-based otter test files generated from the master notebook. Their
arguments resolve through :class:`KernelNamespace`: each student name is fetched from the live
kernel as plain data (wire.py), and each student function becomes a :class:`FunctionProxy`
whose calls run in the sandboxed kernel. The grader's own objects never change: a call sends
copies, and the arguments as the student's function left them come back as new objects in
``proxy.arguments_after_call``.

What the student reads is built so that it cannot carry the hidden inputs back out:

1. every public check runs first, before the kernel has received any hidden input: there the
   student's own exception messages are shown (they help honest students);
2. then every global value the hidden checks need is fetched, still before any hidden input;
3. then the hidden checks run. A hidden check that reads only those values shows its message as
   written. A hidden check that calls the student's functions (so that the kernel answers after
   seeing hidden inputs) shows the test's own words only: exceptions show a type from Python's own
   list (no text, no line), strings the kernel sent are cut out, and every number that is not
   written in the test file itself is replaced by "…" (a width, a line number or a returned value
   could spell the inputs). Every message is cut to a fixed length.

Everything the grader takes from the kernel is charged to one :class:`wire.Budget` per judgement,
and all probes share one deadline.
"""

from __future__ import annotations

import builtins
import inspect
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..limits import LOCAL, IntakeLimits, TimeLimits
from . import models, wire
from .results import CaseResult
from .wire import BudgetExceeded, PlainDataError, StudentError

if TYPE_CHECKING:
    from otter.test_files.exception_test import ExceptionTestFile

BUILTIN_ERRORS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)


class MissingName(LookupError):
    """The notebook never defined a name a test needs."""


class JudgeTimeout(Exception):
    """The time for checking this notebook ran out."""


class FunctionProxy:
    """Calls the student's function inside the sandboxed kernel; returns plain data only."""

    def __init__(self, namespace: KernelNamespace, name: str) -> None:
        self._namespace, self.__name__ = namespace, name
        self.arguments_after_call: tuple = ()  # the positional arguments as the function left them
        self.keyword_arguments_after_call: dict = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        envelope = self._namespace.call(self.__name__, args, kwargs)
        after, keywords = envelope.get("args"), envelope.get("kwargs")
        self.arguments_after_call = tuple(after) if type(after) is list and len(after) == len(args) else ()
        self.keyword_arguments_after_call = keywords if type(keywords) is dict else {}
        return envelope.get("value")

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"


class KernelNamespace(Mapping):
    """The student's globals, as the tests see them: proxies and plain data, within a budget and a deadline."""

    def __init__(
        self,
        kernel: Any,
        trusted: dict[str, Any],
        unavailable: str = "",
        intake: IntakeLimits = LOCAL.intake,
        time_limits: TimeLimits = LOCAL.time,
    ) -> None:
        self._kernel, self._trusted, self._unavailable = kernel, trusted, unavailable
        self._intake, self._time = intake, time_limits
        self._cache: dict[str, Any] = {}  # name -> value, proxy, or the exception its fetch raised
        self.budget = wire.Budget(intake.grading_bytes, intake.grading_items)
        self.deadline = time.monotonic() + time_limits.judge_seconds
        self.hidden = False  # True once a hidden input may have reached the kernel
        self.contact = False  # the current hidden check got something from the kernel
        self.received_text: list[str] = []  # strings the kernel sent during the current hidden check

    # -- the Mapping the tests read

    def __getitem__(self, name: str) -> Any:
        if name in self._trusted:
            return self._trusted[name]
        if name not in self._cache:
            self._cache[name] = self._fetch_or_error(name)
        found = self._cache[name]
        if isinstance(found, BaseException):
            raise found
        return found

    def get(self, name: str, default: Any = None) -> Any:
        return self[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._trusted)

    def __len__(self) -> int:
        return len(self._trusted)

    # -- phases

    def enter_hidden_phase(self, names: Collection[str]) -> None:
        """Fetch every global the hidden checks read, then forget what they do not read.

        Values fetched now were computed before any hidden input reached the kernel, so their
        text may be shown; after this, nothing fetched later is.
        """
        for name in names:
            if name not in self._trusted and name not in self._cache:
                self._cache[name] = self._fetch_or_error(name)
        for name in [n for n in self._cache if n not in names]:
            del self._cache[name]  # e.g. the public checks' test images: not kept for the rest
        self.hidden = True

    def start_check(self) -> None:
        self.received_text, self.contact = [], False
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise JudgeTimeout()

    # -- talking to the kernel

    def _timeout(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise JudgeTimeout()
        return min(self._time.probe_seconds, remaining)

    def _read(self, path: str) -> Any:
        self.contact = self.contact or self.hidden
        return wire.read(path, self._intake, self.budget, self._guard)

    def _guard(self, model: Any, peak_values: int) -> None:
        """The grader's predictions with this model: bounded memory, and within the judge's deadline."""
        models.guard_predictions(model, peak_values, self._intake.prediction_bytes, self.check_time)

    def _fetch_or_error(self, name: str) -> Any:
        try:
            return self._fetch(name)
        except (MissingName, StudentError, PlainDataError, JudgeTimeout) as error:
            return error

    def _fetch(self, name: str) -> Any:
        if self._unavailable:
            raise StudentError(self._unavailable)
        envelope = self._kernel.fetch(name, self._timeout(), self._read)
        if envelope["status"] == "missing":
            raise MissingName(name)
        if envelope["status"] == "error":
            raise self._student_error(f"reading `{name}` failed", envelope)
        if self.hidden:
            _collect_text(envelope.get("value"), self.received_text)
        return FunctionProxy(self, name) if envelope.get("callable") is True else envelope.get("value")

    def call(self, name: str, args: tuple, kwargs: dict) -> dict:
        if self._unavailable:
            raise StudentError(self._unavailable)
        envelope = self._kernel.call(name, args, kwargs, self._timeout(), self._read)
        if envelope["status"] != "ok":
            raise self._student_error(f"{name} raised", envelope)
        if self.hidden:  # strings the grader sent itself carry nothing new: only the kernel's own are cut
            sent: list[str] = []
            _collect_text((args, kwargs), sent)
            received: list[str] = []
            _collect_text([envelope.get(part) for part in ("value", "args", "kwargs")], received)
            self.received_text += [text for text in received if text not in set(sent)]
        return envelope

    def _student_error(self, what: str, envelope: dict) -> StudentError:
        """The student's exception: its type and line; its own text only while no hidden input was sent."""
        kind, line = envelope.get("type"), envelope.get("line")
        if self.hidden:  # a type from Python's own list, and no line: the student chooses both
            kind, line = (kind if kind in BUILTIN_ERRORS else "an exception of its own type"), None
        elif type(kind) is not str or not kind.isidentifier():
            kind = "an exception"
        where = f" (line {line})" if type(line) is int and 0 < line < 1_000_000 else ""
        detail = envelope.get("message") if type(envelope.get("message")) is str else ""
        return StudentError(f"{what} {kind[:60]}{where}", detail)


def _collect_text(value: Any, found: list[str]) -> None:
    """Every string inside a received value (keys included)."""
    if type(value) is str:
        found.append(value)
    elif type(value) in (list, tuple):
        for item in value:
            _collect_text(item, found)
    elif type(value) is dict:
        for key, item in value.items():
            found.append(key)
            _collect_text(item, found)


def _without_received_text(message: str, received: list[str]) -> str:
    """Cut the kernel's strings out of a message (quoted, and bare when long enough to mean anything)."""
    for text in sorted(set(received), key=len, reverse=True):
        for form in {repr(text), repr(text).replace("'", '"')}:
            message = message.replace(form, "'…'")
        if len(text) >= 4:
            message = message.replace(text, "…")
    return message


_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def numbers_in(text: str) -> frozenset[str]:
    """Every number written in a test file: the only numbers a hidden check in contact may show."""
    return frozenset(_NUMBER.findall(text))


def _with_own_numbers_only(message: str, allowed: frozenset[str]) -> str:
    return _NUMBER.sub(lambda match: match.group(0) if match.group(0) in allowed else "…", message)


def describe_failure(exc: BaseException, hidden: bool, intake: IntakeLimits = LOCAL.intake) -> str:
    """A student-facing message: the test's own words, or what went wrong with the answer."""
    if isinstance(exc, AssertionError):
        return str(exc) or "This check failed."
    if isinstance(exc, MissingName):
        return f"`{exc.args[0]}` is not defined. Run the cell that defines it, and check its spelling."
    if isinstance(exc, JudgeTimeout):
        return "The grader's time for checking this notebook's answers ran out before this check."
    if isinstance(exc, StudentError):
        detail = f": {exc.detail[: intake.student_error_chars]}" if exc.detail and not hidden else ""
        return f"Running your code failed: {exc}{detail}"
    if isinstance(exc, BudgetExceeded):
        return (
            f"Your answers are larger than the grader accepts from one notebook ({intake.grading_bytes // 1024**2} MB "
            "in total): keep large arrays out of the values and function results the checks read."
        )
    if isinstance(exc, PlainDataError):
        return f"Your answer could not be read by the grader: {exc}."
    return f"Your answer has an unexpected type or value ({type(exc).__name__}: {str(exc)[:300]})."


def case_title(test_function: Any) -> str:
    """test_reshape_is_row_major -> 'reshape is row major'."""
    return re.sub(r"^test_", "", getattr(test_function, "__name__", "check")).replace("_", " ")


def question_files(tests_dir: Path) -> list[ExceptionTestFile]:
    # Imported here, not with the engine: otter's package takes seconds to import, which a grading overlaps
    # with the notebook's run (GradingTask.prepare_judge imports what the tests import, this included).
    from otter.test_files.exception_test import ExceptionTestFile

    files = [ExceptionTestFile.from_file(str(p)) for p in tests_dir.glob("q*.py")]
    return sorted(files, key=lambda f: (len(f.name), f.name))


def empty_results(tests_dir: Path, message: str) -> list[CaseResult]:
    """Zero on every check, with one message: for submissions that could not run at all."""
    return [
        CaseResult(f.name, case_title(tc.body.test_func), 0.0, float(tc.points), tc.hidden, message)
        for f in question_files(tests_dir)
        for tc in f.test_cases
    ]


def _parameters(test_function: Callable) -> list[str]:
    return list(inspect.signature(test_function).parameters)


def _run_case(question: str, tc: Any, namespace: KernelNamespace, intake: IntakeLimits, own: frozenset[str]) -> CaseResult:
    title, points = case_title(tc.body.test_func), float(tc.points)
    try:
        namespace.start_check()
        tc.body.call_func(namespace)
    except Exception as exc:
        message, note = describe_failure(exc, namespace.hidden, intake), ""
        if namespace.hidden and namespace.contact:
            message = _with_own_numbers_only(_without_received_text(message, namespace.received_text), own)
        if namespace.hidden and isinstance(exc, StudentError) and exc.detail:  # for the instructor only
            note = f"{exc}: {exc.detail[: intake.student_error_chars]}"
        if len(message) > intake.message_chars:
            message = message[: intake.message_chars - 1] + "…"
        return CaseResult(question, title, 0.0, points, tc.hidden, message, note)
    return CaseResult(question, title, points, points, tc.hidden, "passed")


def judge(tests_dir: Path, namespace: KernelNamespace, questions: Collection[str] | None = None) -> list[CaseResult]:
    """Run the checks of every question (or of `questions`), public ones first; never raises for the answers."""
    intake = namespace._intake
    files = [f for f in question_files(tests_dir) if questions is None or f.name in questions]
    own = {f.name: numbers_in(Path(f.path).read_text()) for f in files}
    cases = [(position, f.name, tc) for position, (f, tc) in enumerate((f, tc) for f in files for tc in f.test_cases)]
    results: dict[int, CaseResult] = {}
    for position, question, tc in (c for c in cases if not c[2].hidden):
        results[position] = _run_case(question, tc, namespace, intake, own[question])
    hidden = [c for c in cases if c[2].hidden]
    if hidden:
        namespace.enter_hidden_phase({name for _, _, tc in hidden for name in _parameters(tc.body.test_func)})
    for position, question, tc in hidden:
        results[position] = _run_case(question, tc, namespace, intake, own[question])
    return [results[position] for position, _, _ in cases]
