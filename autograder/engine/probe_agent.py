"""Runs inside the student's kernel, after their notebook: answers the grader's probes.

The grader loads this file's source (with wire.py's and models.py's) into the kernel as private
modules, never into the student's namespace. Each probe writes one answer file with wire.write.
Nothing here is trusted by the grader: a student can replace any of it, and the grader checks
every answer it reads.
"""

from __future__ import annotations

import traceback
from typing import Any

import _autograder_wire as wire  # the grader loads wire.py into the kernel under this name


def _namespace() -> dict:
    from IPython import get_ipython

    return get_ipython().user_ns


def _failure(exc: BaseException) -> dict:
    """What went wrong in the student's code: its type, its message and the line in their notebook."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "ipykernel_" in f.filename or "<ipython" in f.filename]
    try:
        message = str(exc)[:1000]
    except Exception:  # an exception whose __str__ raises
        message = ""
    return {"status": "error", "type": type(exc).__name__, "message": message, "line": frames[-1].lineno if frames else None}


def _answer(envelope: dict, out_path: str) -> None:
    try:
        wire.write(envelope, out_path)
    except Exception as exc:
        wire.write(_failure(exc), out_path)


def fetch(name: str, out_path: str) -> None:
    """Describe the student's global `name`: missing, callable, or its value."""
    namespace = _namespace()
    if name not in namespace:
        envelope: dict[str, Any] = {"status": "missing"}
    else:
        value = namespace[name]
        is_model = wire.is_keras_model(value)
        is_callable = callable(value) and not is_model
        envelope = {"status": "ok", "callable": is_callable, "value": None if is_callable else value}
        if is_model:  # two names bound to one model are one model in the grader too
            envelope["identity"] = id(value)
    _answer(envelope, out_path)


def call(name: str, request_path: str, out_path: str) -> None:
    """Call the student's function with the grader's arguments; answer the result and the arguments after the call."""
    try:
        args, kwargs = wire.read(request_path)
        result = _namespace()[name](*args, **kwargs)
        envelope = {"status": "ok", "value": result, "args": list(args), "kwargs": kwargs}
    except BaseException as exc:  # noqa: B036  the student's KeyboardInterrupt or SystemExit is an answer too
        envelope = _failure(exc)
    _answer(envelope, out_path)
