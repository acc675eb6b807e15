"""Equivalent mutants: a survivor that behaves like the reference on a battery of inputs.

A value (``model2_improved = bool(test_acc2 > test_acc)``) whose statement reads only numbers
is a function of them: it is run, mutant and reference, on the notebook's numbers and on random
ones (and on equal ones, for ties), here in the grader: both are the instructor's own code.
Any other value is equivalent when it is the same value.

The battery of a function is built from the calls its own checks made on the reference
(recorded during the baseline judgement), plus random variants of each: arrays and lists keep
their shape, dtype and range but get new values (one variant with few distinct values, to
provoke ties), Keras models get random weights, scalars that size the other arguments are kept;
a call with no array gets new integers. Outputs are compared exactly: type, dtype, shape and
every value, a model by its architecture and compile settings (not its random weights), an
exception by its type.

The same battery runs each honest style of the assignment's corpus (corpus.py) that defines the
function: a survivor that differs from the reference but behaves exactly like an honest style on
every input is a correct answer the corpus already knows, and the run accepts it, naming the style.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ..engine.judge import FunctionProxy
from ..engine.models import describe_model
from ..engine.wire import PlainDataError, StudentError

Call = tuple[tuple, dict]


# ------------------------------------------------------------------ recording the checks' calls


def snapshot(value: Any) -> Any:
    """A copy of the containers and arrays of an argument (the grader's other objects are shared)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(snapshot(v) for v in value)
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    return value


class _RecordingProxy:
    def __init__(self, proxy: FunctionProxy, calls: list[Call]) -> None:
        self._proxy, self._calls = proxy, calls
        self.__name__ = proxy.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._calls.append((snapshot(args), snapshot(kwargs)))
        return self._proxy(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._proxy, name)


class RecordingNamespace(Mapping):
    """The judge's namespace, recording every call the checks make to a student function."""

    def __init__(self, inner: Mapping, calls: dict[str, list[Call]]) -> None:
        self._inner, self.calls = inner, calls

    def __getitem__(self, name: str) -> Any:
        value = self._inner[name]
        if isinstance(value, FunctionProxy):
            return _RecordingProxy(value, self.calls.setdefault(name, []))
        return value

    def get(self, name: str, default: Any = None) -> Any:
        return self[name]  # like the judge's namespace: a missing name is the student's error

    def __iter__(self) -> Iterator[str]:
        return iter(self._inner)

    def __len__(self) -> int:
        return len(self._inner)

    def __getattr__(self, name: str) -> Any:  # the judge's own use of its namespace (phases, budget, deadline)
        return getattr(self._inner, name)


# ------------------------------------------------------------------ the battery


def _has_arrays(value: Any) -> bool:
    if isinstance(value, np.ndarray) or _is_model(value):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_arrays(v) for v in value) or (len(value) > 1 and all(_is_number(v) for v in value))
    if isinstance(value, dict):
        return any(_has_arrays(v) for v in value.values())
    return False


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _is_model(value: Any) -> bool:
    import sys

    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def _random_like(values: np.ndarray, rng: np.random.Generator, coarse: bool) -> np.ndarray:
    if values.size == 0 or values.dtype.kind not in "biuf":
        return values.copy()
    if values.dtype.kind == "b":
        return rng.random(values.shape) < 0.5
    low, high = float(values.min()), float(values.max())
    if low == high:  # an all-zero image: use the dtype's natural range
        low, high = (0.0, 1.0) if values.dtype.kind == "f" else (0.0, float(min(np.iinfo(values.dtype).max, 255)))
    if coarse:
        levels = np.linspace(low, high, 3)
        return rng.choice(levels, size=values.shape).astype(values.dtype)
    if values.dtype.kind == "f":
        return rng.uniform(low, high, size=values.shape).astype(values.dtype)
    return rng.integers(int(low), int(high), endpoint=True, size=values.shape).astype(values.dtype)


def _random_model(model: Any, rng: np.random.Generator) -> Any:
    import keras

    clone = keras.models.clone_model(model)
    clone.set_weights([rng.normal(0, 1, size=w.shape).astype(w.dtype) for w in model.get_weights()])
    return clone


def vary(value: Any, rng: np.random.Generator, coarse: bool, integers: bool) -> Any:
    """A value of the same structure with new random contents (see the module's docstring)."""
    if isinstance(value, np.ndarray):
        return _random_like(value, rng, coarse)
    if _is_model(value):
        return _random_model(value, rng)
    if isinstance(value, (list, tuple)) and len(value) > 1 and all(_is_number(v) for v in value):
        kind = float if any(type(v) is float for v in value) else int
        varied = _random_like(np.asarray(value, dtype=kind), rng, coarse).tolist()
        return type(value)(varied)
    if isinstance(value, (list, tuple)):
        return type(value)(vary(v, rng, coarse, integers) for v in value)
    if isinstance(value, dict):
        return {k: vary(v, rng, coarse, integers) for k, v in value.items()}
    if integers and type(value) is int and value > 0:
        return int(rng.integers(1, 2 * value + 1))
    return value


def _key(call: Call) -> str:
    return repr(canonical(call))


def battery(calls: list[Call], variants: int, limit: int, seed: int = 0) -> list[Call]:
    """The recorded calls (each once) and random variants of each, at most `limit` in all."""
    rng = np.random.default_rng(seed)
    unique = list({_key(c): c for c in calls}.values())
    items = list(unique)
    for args, kwargs in unique:
        integers = not _has_arrays((args, kwargs))
        for i in range(variants + 1):
            coarse = i == variants
            items.append((vary(args, rng, coarse, integers), vary(kwargs, rng, coarse, integers)))
    return list({_key(c): c for c in items}.values())[:limit]


# ------------------------------------------------------------------ comparing outcomes

_RAISED = re.compile(r"raised (\w+)")


def canonical(value: Any) -> Any:
    """A hashable description of a value that two equal behaviours share (model weights excluded)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return ("numpy", value.dtype.str, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((str(k), canonical(v)) for k, v in value.items()))
    if isinstance(value, float):
        return ("float", value.hex())
    if value is None or type(value) in (bool, int, str):
        return (type(value).__name__, value)
    if _is_model(value):
        described = describe_model(value)
        spec = described[0] if isinstance(described, tuple) else described  # or why it cannot be described
        return ("model", json.dumps(spec, sort_keys=True, default=str))
    return ("object", type(value).__name__)


def outcome(function: Callable, call: Call) -> Any:
    """What one call gives: its canonical value, or the type of what it raised."""
    args, kwargs = snapshot(call)
    try:
        return canonical(function(*args, **kwargs))
    except StudentError as exc:
        found = _RAISED.search(str(exc))
        return ("raised", found.group(1) if found else str(exc))
    except PlainDataError:
        return ("unreadable",)


def outcomes(function: Callable, calls: list[Call]) -> list[Any]:
    return [outcome(function, call) for call in calls]


def stable_calls(function: Callable, calls: list[Call]) -> tuple[list[Call], list[Any]]:
    """The calls on which the reference gives the same outcome twice, with that outcome."""
    first, second = outcomes(function, calls), outcomes(function, calls)
    kept = [(c, a) for c, a, b in zip(calls, first, second, strict=True) if a == b]
    return [c for c, _ in kept], [a for _, a in kept]


# ------------------------------------------------------------------ values


def statement_inputs(*codes: str) -> set[str]:
    """The names the statements read that are not Python's builtins."""
    loads = {n.id for code in codes for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return loads - set(vars(builtins))


def number_battery(actual: dict[str, Any], variants: int, seed: int = 0) -> list[dict[str, Any]]:
    """The notebook's numbers, random ones of the same types, and one with every float equal (ties)."""
    rng = np.random.default_rng(seed)

    def draw(value: Any, tie: bool) -> Any:
        if type(value) is bool:
            return bool(rng.random() < 0.5)
        if type(value) is int:
            return int(rng.integers(0, 2 * abs(value) + 2))
        return 0.5 if tie else float(rng.random())

    inputs = [dict(actual)]
    inputs += [{k: draw(v, tie=False) for k, v in actual.items()} for _ in range(variants)]
    inputs.append({k: draw(v, tie=True) for k, v in actual.items()})
    return inputs


def statement_outcomes(code: str, bound: tuple[str, ...], inputs: list[dict[str, Any]]) -> list[Any]:
    """What the statement binds, on each set of inputs (or the type of what it raised)."""
    found = []
    for values in inputs:
        scope = {"__builtins__": builtins, **values}
        try:
            exec(compile(code, "<statement>", "exec"), scope)
            found.append(canonical([scope.get(name) for name in bound]))
        except Exception as exc:
            found.append(("raised", type(exc).__name__))
    return found
