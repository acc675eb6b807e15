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
3. then the hidden checks run. A hidden check that reads only those values shows its assert's
   message as written. A hidden check that calls the student's functions (so that the kernel answers
   after seeing hidden inputs), or calls a model rebuilt from the kernel's (a function of the student's
   that runs in the grader), shows the test's own words only: the failing assert's message as the test
   file writes it, with each value it interpolates shown only when it is small (a number written
   in the test file, a dtype or type name, or a tuple of them: a shape) and only up to
   :data:`SHOWN_SYMBOLS` such symbols per message, else "…"; strings the kernel sent are cut out
   and numbers not written in the test file masked first. Whatever the grader computed from the
   kernel's answers (a rebuilt model's layer names, activations, losses, widths) is such a value,
   so a model cannot spell what its builder was given. The student's exceptions, and unexpected
   ones in any hidden check, show a type from Python's own list (no text, no line).
   :func:`message_bound_bits` counts what one message can then carry. Every message is cut to a
   fixed length.

Everything the grader takes from the kernel is charged to one :class:`wire.Budget` per judgement,
and all probes share one deadline. An answer that cannot be read is named in the message (`model`,
or what a function returned), so a check that needs an earlier answer says which one failed.
Two names bound to one model in the kernel are one object here too (``model2 is model`` tells the
truth). A function called again with the same plain arguments (numbers, strings, None: ``build_model()``
in q4's checks and in q7's) gets its first answer again, not a new one: checks that compare what a
function returns with a trained answer cannot be told one thing while the function's own checks are
told another (the kernel could count the calls). The tests may read :data:`GRADING_SEED`, a number that
differs between submissions and is the same for every grading of one submission: hidden inputs drawn from
it cannot be learned from one grading's feedback and written into the next submission.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import inspect
import math
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

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
        self._models: dict[int, Any] = {}  # the kernel's id of a model -> the one rebuilt for it
        # (function, plain arguments) -> its first answer, and the kernel's text in it if it came after hidden inputs
        self._answers: dict[tuple, tuple[dict, list[str] | None]] = {}

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
        """The grader's predictions with this model: bounded memory, and within the judge's deadline.

        A rebuilt model is a function of the student's that runs here: called as one (a model bound to
        `one_hot_labels`), it computes on the test's inputs without the kernel, so such a call counts as
        contact, as a kernel's answer would. The tests' own model.predict (on the lesson's data) does not.
        """
        models.guard_predictions(model, peak_values, self._intake.prediction_bytes, self.check_time)
        predict, call, predicting = model.predict, model.call, [False]

        def guarded_predict(*args: Any, **kwargs: Any) -> Any:
            predicting[0] = True
            try:
                return predict(*args, **kwargs)
            finally:
                predicting[0] = False

        def guarded_call(*args: Any, **kwargs: Any) -> Any:
            if not predicting[0]:
                self.contact = self.contact or self.hidden
            return call(*args, **kwargs)

        model.predict, model.call = guarded_predict, guarded_call

    def _fetch_or_error(self, name: str) -> Any:
        try:
            return self._fetch(name)
        except (MissingName, StudentError, PlainDataError, JudgeTimeout) as error:
            return error

    def _fetch(self, name: str) -> Any:
        if self._unavailable:
            raise StudentError(self._unavailable)
        with _naming(f"`{name}`"):
            envelope = self._kernel.fetch(name, self._timeout(), self._read)
        if envelope["status"] == "missing":
            raise MissingName(name)
        if envelope["status"] == "error":
            raise self._student_error(f"reading `{name}` failed", envelope)
        if self.hidden:
            _collect_text(envelope.get("value"), self.received_text)
        if envelope.get("callable") is True:
            return FunctionProxy(self, name)
        return self._same_object(envelope.get("identity"), envelope.get("value"))

    def _same_object(self, identity: Any, value: Any) -> Any:
        """One rebuilt model per model object of the kernel: `model2 = model` stays one object."""
        if type(identity) is not int or not wire.is_keras_model(value):
            return value
        return self._models.setdefault(identity, value)

    def call(self, name: str, args: tuple, kwargs: dict) -> dict:
        if self._unavailable:
            raise StudentError(self._unavailable)
        key = _plain_call(name, args, kwargs)
        if key in self._answers:  # the same question again: the same answer (see the module's docstring)
            envelope, text = self._answers[key]
            if text is not None:  # first given after hidden inputs: still the kernel's words
                self.contact, self.received_text = True, self.received_text + text
        else:
            with _naming(f"What {name} returned"):
                envelope = self._kernel.call(name, args, kwargs, self._timeout(), self._read)
            text = [] if self.hidden else None
            if self.hidden and envelope["status"] == "ok":  # only the kernel's own strings are cut, not the grader's
                sent: list[str] = []
                _collect_text((args, kwargs), sent)
                received: list[str] = []
                _collect_text([envelope.get(part) for part in ("value", "args", "kwargs")], received)
                text += [item for item in received if item not in set(sent)]
                self.received_text += text
            if key is not None:
                self._answers[key] = (envelope, text)
        if envelope["status"] != "ok":
            raise self._student_error(f"{name} raised", envelope)
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


def _plain_call(name: str, args: tuple, kwargs: dict) -> tuple | None:
    """A call's key when its arguments are plain numbers, strings, booleans or None (else None: not repeated)."""
    values = [*args, *kwargs.values()]
    if any(value is not None and type(value) not in (bool, int, float, str) for value in values):
        return None
    return name, tuple((type(value).__name__, repr(value)) for value in args), tuple(
        sorted((key, type(value).__name__, repr(value)) for key, value in kwargs.items())
    )


class _naming:
    """Name the answer in a PlainDataError raised while reading it ("`model` could not be read ...")."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, trace: Any) -> bool:
        if isinstance(error, PlainDataError) and not isinstance(error, BudgetExceeded) and not hasattr(error, "answer"):
            error.answer = self.answer
        return False


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


# ---------------------------------------------------------------- what a hidden check in contact shows

# How many values the kernel's answers decide (numbers, names) one message may show: a 3-D shape, or a
# count and two dtypes; everything beyond is "…". message_bound_bits counts what that can carry (25 bits
# at most in this project's tests; tests/test_judge.py keeps it so).
SHOWN_SYMBOLS = 3
# The only words a value may show: NumPy's dtype names and the type names of what crosses the wire.
SHOWN_WORDS = frozenset(
    {np.dtype(code).name for code in wire.DTYPES}
    | {"NoneType", "bool", "int", "float", "str", "list", "tuple", "dict", "ndarray", "Sequential", "Functional"}
    | {"True", "False", "None", "…"}
)
_SYMBOL = re.compile(r"…|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[A-Za-z_]\w*")
_SHAPE = re.compile(rf"\((?:(?:{_SYMBOL.pattern})(?:, (?:{_SYMBOL.pattern}))*,?)?\)")
# Messages a hidden check in contact can show besides its asserts' templates: "This check failed.", an
# exception type from Python's own list, the grader's own refusals of an answer (wire.REFUSALS, and a
# model refused for one of ~20 reasons in one of its ~15 layer types); an upper bound on their number.
OTHER_MESSAGES = 1_000


def _template(tree: ast.Module | None, function: str, line: int) -> list[str | None] | None:
    """The failing assert's message as its test writes it: literal parts (str) and interpolated values (None)."""
    found = [
        node for top in (tree.body if tree is not None else []) if isinstance(top, ast.FunctionDef) and top.name == function
        for node in ast.walk(top)
        if isinstance(node, ast.Assert) and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]  # fmt: skip
    if not found:
        return None
    message = min(found, key=lambda node: (node.end_lineno or 0) - node.lineno).msg
    if message is None:
        return [""]
    if isinstance(message, ast.Constant) and isinstance(message.value, str):
        return [message.value]
    if isinstance(message, ast.JoinedStr):
        return [part.value if isinstance(part, ast.Constant) else None for part in message.values]
    return None  # a message built another way: nothing of it is shown


def _holes(message: str, template: list[str | None]) -> list[str | None]:
    """The interpolated values' text, found between the template's literal parts (left to right, linear time)."""
    unknown: list[str | None] = [None] * template.count(None)
    holes: list[str | None] = []
    position = 0
    for index, part in enumerate(template):
        if part is not None:
            if not message.startswith(part, position):
                return unknown
            position += len(part)
            continue
        following = next((p for p in template[index + 1 :] if p), None)
        end = len(message) if following is None else message.find(following, position)
        if end < 0:
            return unknown
        holes.append(message[position:end])
        position = end
    return holes if position == len(message) else unknown


def _small(text: str, allowed: frozenset[str]) -> tuple[str, int] | None:
    """A value's text if it is one symbol or a flat tuple of symbols (a shape), each allowed; and how many."""
    if text in ("'…'", '"…"', "…"):
        return None  # already nothing: shown as "…" at no cost
    if not (_SYMBOL.fullmatch(text) or _SHAPE.fullmatch(text)):
        return None
    symbols = _SYMBOL.findall(text)
    if any(symbol.lstrip("-") not in allowed and symbol not in SHOWN_WORDS for symbol in symbols):
        return None
    return text, len(symbols)


def _in_contact(message: str, template: list[str | None] | None, received: list[str], own: frozenset[str]) -> str:
    """What a hidden check that talked to the kernel shows: its literal words, and a few small values."""
    if template is None:
        return "This check failed."
    budget, shown = SHOWN_SYMBOLS, []
    holes = iter(_holes(message, template))
    for part in template:
        if part is not None:
            shown.append(part)
            continue
        text = next(holes)
        small = _small(_with_own_numbers_only(_without_received_text(text, received), own), own) if text else None
        if small is not None and small[1] <= budget:
            shown.append(small[0])
            budget -= small[1]
        else:
            shown.append("…")
    return "".join(shown)


def message_bound_bits(source: str) -> float:
    """At most how many bits one hidden message of this test file can carry when its check talked to the kernel.

    Counts the distinct messages: for each assert, its renderings (each value "…", "()", a symbol, or a
    tuple of symbols, at most SHOWN_SYMBOLS symbols in all, each a number written in the file or a
    shown word), plus OTHER_MESSAGES. Which check failed, and whether it passed, is not counted here.
    """
    tree, own = ast.parse(source), numbers_in(source)
    alphabet = 2 * len(own) + len(SHOWN_WORDS)  # a number with or without its sign, or a word
    renderings = {0: 2} | {c: alphabet**c * (2 if c == 1 else 1) for c in range(1, SHOWN_SYMBOLS + 1)}
    total = OTHER_MESSAGES
    hidden = [node for node in tree.body if isinstance(node, ast.FunctionDef) and _hidden_check(node)]
    for node in (inner for check in hidden for inner in ast.walk(check)):  # public checks run before any hidden input
        if isinstance(node, ast.Assert):
            holes = sum(isinstance(part, ast.FormattedValue) for part in ast.walk(node.msg)) if node.msg else 0
            ways = {0: 1}  # symbols used so far -> number of renderings
            for _ in range(holes):
                ways = _add_hole(ways, renderings)
            total += sum(ways.values())
    return math.log2(total)


def _hidden_check(function: ast.FunctionDef) -> bool:
    """Whether a test function is declared @test_case(..., hidden=True) (or in a way this cannot tell: counted)."""
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "hidden":
                    return not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False)
    return True


def _add_hole(ways: dict[int, int], renderings: dict[int, int]) -> dict[int, int]:
    combined: dict[int, int] = {}
    for used, count in ways.items():
        for cost, options in renderings.items():
            if used + cost <= SHOWN_SYMBOLS:
                combined[used + cost] = combined.get(used + cost, 0) + count * options
    return combined


def submission_seed(code: str, tests_dir: Path) -> int:
    """GRADING_SEED for one submission: from its code and the hidden tests (which the kernel cannot read)."""
    digest = hashlib.sha256()
    for path in sorted(tests_dir.glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(code.encode())
    return int.from_bytes(digest.digest()[:8], "little")


GRADING_SEED = "grading_seed"  # the trusted name under which tests read submission_seed


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
        return f"{getattr(exc, 'answer', 'Your answer')} could not be read by the grader: {exc}."
    if hidden:  # its text can hold hidden inputs even when the kernel never saw them: a model the grader rebuilt
        # is a function of the student's, run here (Keras's errors repeat their inputs), so its type only
        kind = type(exc).__name__ if type(exc).__name__ in BUILTIN_ERRORS else "an error"
        return f"Your answer has an unexpected type or value ({kind})."
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


def _failing_line(exc: BaseException, function: Any) -> int:
    """The line of `function` (a test) where `exc` was raised, 0 if it was raised elsewhere."""
    line, trace = 0, exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code is getattr(function, "__code__", None):
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _contact_message(exc: Exception, message: str, namespace: KernelNamespace, test: Any, source: Source) -> str:
    """A hidden check's message once the kernel answered it after hidden inputs (see the module's docstring)."""
    if isinstance(exc, AssertionError):
        template = _template(source.tree, test.__name__, _failing_line(exc, test))
        return _in_contact(message, template, namespace.received_text, source.numbers)
    # other exceptions: describe_failure already gave a hidden check's unexpected ones their type only
    return _with_own_numbers_only(_without_received_text(message, namespace.received_text), source.numbers)


class Source:
    """A test file as the judge reads it: its syntax tree (for messages' templates) and its own numbers."""

    def __init__(self, text: str) -> None:
        self.numbers = numbers_in(text)
        try:
            self.tree: ast.Module | None = ast.parse(text)
        except SyntaxError:
            self.tree = None


def _run_case(question: str, tc: Any, namespace: KernelNamespace, intake: IntakeLimits, source: Source) -> CaseResult:
    title, points = case_title(tc.body.test_func), float(tc.points)
    try:
        namespace.start_check()
        tc.body.call_func(namespace)
    except Exception as exc:
        message, note = describe_failure(exc, namespace.hidden, intake), ""
        if namespace.hidden and namespace.contact:
            message = _contact_message(exc, message, namespace, tc.body.test_func, source)
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
    own = {f.name: Source(Path(f.path).read_text()) for f in files}
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
