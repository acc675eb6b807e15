"""Runs inside the student's kernel, after their notebook: answers the grader's probes.

The grader sends this file's source (and wire.py's) into the kernel; every answer is written
with wire.write into the exchange folder. Nothing here is trusted by the grader.
"""

from __future__ import annotations

import traceback
from typing import Any

import _autograder_wire as wire  # the grader loads wire.py into the kernel under this name


def _namespace() -> dict:
    from IPython import get_ipython

    return get_ipython().user_ns


def _failure(exc: BaseException) -> dict:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "ipykernel_" in f.filename or "<ipython" in f.filename]
    where = f"line {frames[-1].lineno} of {frames[-1].name}" if frames else ""
    return {"status": "error", "type": type(exc).__name__, "message": str(exc)[:1000], "where": where}


def fetch(name: str, out_path: str) -> None:
    """Describe the student's global `name`: missing, callable, or its value."""
    namespace = _namespace()
    if name not in namespace:
        envelope: dict[str, Any] = {"status": "missing"}
    else:
        value = namespace[name]
        is_model = wire._is_keras_model(value)
        envelope = {"status": "ok", "callable": callable(value) and not is_model, "value": None}
        if not envelope["callable"]:
            envelope["value"] = value
    try:
        wire.write(envelope, out_path)
    except Exception as exc:
        wire.write(_failure(exc), out_path)


def call(name: str, request_path: str, out_path: str) -> None:
    """Call the student's function with the grader's arguments; return the result and the arguments."""
    try:
        args, kwargs = wire.read(request_path)
        result = _namespace()[name](*args, **kwargs)
        envelope = {"status": "ok", "value": result, "args": list(args)}
    except BaseException as exc:  # noqa: B036  the student's KeyboardInterrupt or SystemExit is an answer too
        envelope = _failure(exc)
    try:
        wire.write(envelope, out_path)
    except Exception as exc:
        wire.write(_failure(exc), out_path)
