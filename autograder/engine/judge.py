"""Judge stage: run the hidden tests in the grader's process against the student's answers.

The tests are the exception-based otter test files generated from the master notebook. Their
arguments resolve through :class:`KernelNamespace`: each student name is fetched from the live
kernel as plain data, and each student function becomes a :class:`FunctionProxy` whose calls
run in the sandboxed kernel. Failure messages are the tests' own assertion messages, never
their code.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from otter.test_files.exception_test import ExceptionTestFile

from .results import CaseResult
from .wire import PlainDataError, StudentError


class MissingName(LookupError):
    """The notebook never defined a name a test needs."""


class FunctionProxy:
    """Calls the student's function inside the sandboxed kernel; returns plain data only."""

    def __init__(self, kernel: Any, name: str) -> None:
        self._kernel, self.__name__ = kernel, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        envelope = self._kernel.call(self.__name__, args, kwargs)
        if envelope["status"] != "ok":
            where = f" ({envelope.get('where')})" if envelope.get("where") else ""
            raise StudentError(f"{self.__name__} raised {envelope.get('type')}{where}", str(envelope.get("message")))
        _copy_back(args, envelope.get("args"))
        return envelope.get("value")

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"


def _copy_back(originals: tuple, after: Any) -> None:
    """Make the student's changes to array arguments visible, so tests can catch mutation."""
    if type(after) is not list:
        return
    for original, changed in zip(originals, after, strict=False):
        if type(original) is not np.ndarray or type(changed) is not np.ndarray or not original.flags.writeable:
            continue
        if changed.shape != original.shape and changed.size == original.size:
            try:
                original.shape = changed.shape
            except AttributeError:
                continue
        if changed.shape == original.shape and changed.dtype == original.dtype:
            np.copyto(original, changed)


class KernelNamespace(Mapping):
    """The student's globals, as the tests see them: proxies and plain data."""

    def __init__(self, kernel: Any, trusted: dict[str, Any], unavailable: str = "") -> None:
        self._kernel, self._trusted, self._cache = kernel, trusted, {}
        self._unavailable = unavailable  # why the kernel cannot be asked, if it cannot

    def __getitem__(self, name: str) -> Any:
        if name in self._trusted:
            return self._trusted[name]
        if name not in self._cache:
            self._cache[name] = self._fetch(name)
        return self._cache[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self[name]

    def _fetch(self, name: str) -> Any:
        if self._unavailable:
            raise StudentError(self._unavailable)
        envelope = self._kernel.fetch(name)
        if envelope["status"] == "missing":
            raise MissingName(name)
        if envelope["status"] == "error":
            raise StudentError(f"reading `{name}` failed: {envelope.get('type')}: {envelope.get('message')}")
        return FunctionProxy(self._kernel, name) if envelope.get("callable") else envelope.get("value")

    def __iter__(self) -> Iterator[str]:
        return iter(self._trusted)

    def __len__(self) -> int:
        return len(self._trusted)


def describe_failure(exc: BaseException, hidden: bool) -> str:
    """A student-facing message: the test's own words, or what went wrong with the answer."""
    if isinstance(exc, AssertionError):
        return str(exc) or "This check failed."
    if isinstance(exc, MissingName):
        return f"`{exc.args[0]}` is not defined. Run the cell that defines it, and check its spelling."
    if isinstance(exc, StudentError):
        detail = f": {exc.detail[:500]}" if exc.detail and not hidden else ""
        return f"Running your code failed: {exc}{detail}"
    if isinstance(exc, PlainDataError):
        return f"Your answer could not be read by the grader: {exc}"
    return f"Your answer has an unexpected type or value ({type(exc).__name__}: {str(exc)[:300]})."


def case_title(test_function: Any) -> str:
    """test_reshape_is_row_major -> 'reshape is row major'."""
    return re.sub(r"^test_", "", getattr(test_function, "__name__", "check")).replace("_", " ")


def question_files(tests_dir: Path) -> list[ExceptionTestFile]:
    files = [ExceptionTestFile.from_file(str(p)) for p in tests_dir.glob("q*.py")]
    return sorted(files, key=lambda f: (len(f.name), f.name))


def empty_results(tests_dir: Path, message: str) -> list[CaseResult]:
    """Zero on every check, with one message: for submissions that could not run at all."""
    return [
        CaseResult(f.name, case_title(tc.body.test_func), 0.0, float(tc.points), tc.hidden, message)
        for f in question_files(tests_dir)
        for tc in f.test_cases
    ]


def judge(tests_dir: Path, namespace: Mapping, questions: Collection[str] | None = None) -> list[CaseResult]:
    """Run every test case of every question file (or of `questions`); never raises for the student's answers."""
    results = []
    for test_file in question_files(tests_dir):
        if questions is not None and test_file.name not in questions:
            continue
        for tc in test_file.test_cases:
            title = case_title(tc.body.test_func)
            try:
                tc.body.call_func(namespace)
            except Exception as exc:
                message = describe_failure(exc, tc.hidden)
                results.append(CaseResult(test_file.name, title, 0.0, float(tc.points), tc.hidden, message))
            else:
                results.append(CaseResult(test_file.name, title, float(tc.points), float(tc.points), tc.hidden, "passed"))
    return results
