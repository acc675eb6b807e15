"""The wire codec between the student's kernel and the grader: plain data only, within a budget.

This module runs on both sides. The grader imports it; its source is also executed inside the
student's kernel, where it encodes answers (and decodes the grader's arguments). A value crosses
as one file in a format of our own, so that reading it can be bounded before anything is parsed:

    b"AGWIRE1\\n" | meta length (8 bytes, little-endian) | meta (UTF-8 JSON) | raw array bytes

The meta holds a tree of nodes (:data:`KINDS`) and a table of arrays (dtype, shape, offset).
Only these kinds exist: None, bool, int, float, str, list, tuple, dict with str keys, numeric
arrays, Keras models that are a linear stack of layers (Sequential, or functional with one chain;
a spec checked by models.py plus weight arrays), and
placeholders for everything else: an opaque object that knows only a type name from a fixed
vocabulary, or a refusal with a reason code. NumPy scalars (and 0-d tensors) cross as the
Python values they stand for: ``np.mean(...)`` is a float, ``np.int64(5)`` an int.

The kernel side can be tampered with by the student, so :func:`read` re-checks everything
against :class:`IntakeLimits`-like limits and a per-grading :class:`Budget`, and builds fresh
objects of exact builtin types: what the grader gets back can be wrong, but never anything but
plain data, and never more of it than the limits allow.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import stat
import struct
import sys
from typing import Any

import numpy as np

try:  # in the grader, a package module; in the kernel, loaded by source beside this one
    from . import models
except ImportError:
    import _autograder_models as models  # type: ignore[no-redef]

MAGIC = b"AGWIRE1\n"
HEADER = struct.Struct("<Q")
ALIGNMENT = 64  # array data starts on 64-byte boundaries, so the grader can use it where it lies
DTYPES = {"|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f2", "<f4", "<f8"}
KINDS = ("none", "bool", "int", "float", "str", "list", "tuple", "dict", "ndarray", "model", "function", "opaque", "refused")

# Type names an opaque value may show; any other name shows as "object" (a name is text the
# student chooses, and could otherwise carry what their function was given).
TYPE_NAMES = {
    "object", "dict", "list", "tuple", "function", "method", "builtin_function_or_method", "type", "module", "set",
    "frozenset", "bytes",
    "bytearray", "complex", "range", "generator", "map", "filter", "zip", "NoneType", "ndarray", "matrix",
    "EagerTensor", "Tensor", "Variable", "KerasVariable", "KerasTensor", "DataFrame", "Series", "Index",
    "Functional", "Model", "Sequential", "History", "Dense", "Layer", "str_", "bytes_", "datetime64", "timedelta64",
    "Counter", "defaultdict", "OrderedDict", "deque", "dict_keys", "dict_values", "dict_items", "Figure", "Axes",
}  # fmt: skip

# Why a value did not cross (codes the kernel side sends; messages are the grader's own words).
REFUSALS = {
    "int-too-large": "an integer with more digits than the grader reads",
    "text-too-long": "a string longer than the grader reads",
    "array-dtype": "an array of a kind the grader does not read (only numbers and booleans cross)",
    "array-rank": "an array with more dimensions than the grader reads",
    "too-deep": "a value nested more deeply than the grader reads",
    "model-class": f"a model of a kind the grader does not read ({models.READ})",
    "model-subclassed": f"a model of a class of its own (a subclass of keras.Model), which the grader cannot "
    f"rebuild from its layers ({models.READ})",
    "model-graph": f"a functional model that is not one chain of layers: it branches, has several inputs or outputs, "
    f"applies a function between layers (keras.ops, +, *) or calls a layer with settings of its own ({models.READ})",
    "model-shared": f"a model that uses one layer object twice (a shared layer): give each place a layer of its own "
    f"({models.READ})",
    "model-nested": f"a model with another model inside it as a layer: put that model's layers in the outer model "
    f"instead ({models.READ})",
    "model-layer": f"a model with a layer the grader cannot rebuild (supported: {models.SUPPORTED})",
    "model-unbuilt": "a model whose input shape is unknown: start it with keras.Input(shape=...)",
}


class PlainDataError(ValueError):
    """A value that cannot cross the wall (too big, malformed, or of a forbidden kind)."""


class BudgetExceeded(PlainDataError):
    """This grading has taken in all the answer data the grader accepts from one notebook."""


class StudentError(Exception):
    """The student's code raised while the grader called it.

    `detail` (the exception's own text) may echo the grader's inputs: the judge shows it only
    before any hidden input was sent.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class StudentObject:
    """Stands in for a student's value of a kind that does not cross the wall."""

    type_name = "object"

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


_OPAQUE_TYPES: dict[str, type] = {}


def opaque(type_name: Any) -> StudentObject:
    """A fresh, behaviourless object named like the student's value (names from TYPE_NAMES only)."""
    name = type_name if type_name in TYPE_NAMES else "object"
    if name not in _OPAQUE_TYPES:  # one class per name: a flood of odd values cannot grow the grader
        _OPAQUE_TYPES[name] = type(name, (StudentObject,), {"type_name": name})
    return _OPAQUE_TYPES[name]()


class _KernelDefaults:
    """Limits for reading the grader's own requests inside the kernel (trusted data)."""

    answer_bytes = 1 << 40
    meta_bytes = 1 << 40
    answer_items = 1 << 40
    depth = 64
    text_chars = 1 << 40
    int_digits = 1 << 20
    array_dims = 32
    layers = 1 << 20
    parameters = 1 << 60
    macs_per_input = 1 << 60


class Budget:
    """What one grading may still take in from the kernel: bytes and items, across all answers."""

    def __init__(self, total_bytes: int, total_items: int) -> None:
        self.bytes_left, self.items_left = total_bytes, total_items

    def take(self, nbytes: int = 0, items: int = 0) -> None:
        """Charge an answer; once anything was refused, everything after is too (one clear verdict)."""
        self.bytes_left -= nbytes
        self.items_left -= items
        if self.bytes_left < 0 or self.items_left < 0:
            self.bytes_left = self.items_left = -1
            raise BudgetExceeded("this notebook's answers are larger than the grader accepts in total")


# ---------------------------------------------------------------- encoding (both sides)


def _numpy_value(value: Any) -> Any:
    """Tensors and NumPy scalars as NumPy arrays or Python scalars; anything else unchanged."""
    module = type(value).__module__.split(".")[0]
    if module in ("tensorflow", "keras") and callable(getattr(value, "numpy", None)):
        try:
            value = np.asarray(value.numpy())
        except Exception:
            return value
        if value.ndim == 0:
            value = value[()]
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        if value.dtype.kind == "U":
            return str(value)
        if value.dtype.kind == "b":
            return bool(value)
        if value.dtype.kind in "iu":
            return int(value)
        if value.dtype.kind == "f":
            return float(value)
    return value


def _refused(code: str) -> dict:
    return {"kind": "refused", "code": code}


class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []

    def array(self, value: np.ndarray) -> int:
        dtype = value.dtype.newbyteorder("<") if value.dtype.byteorder == ">" else value.dtype
        self.arrays.append(value.astype(dtype, copy=False))
        return len(self.arrays) - 1

    def encode(self, value: Any, depth: int = 0) -> dict:
        if depth > 16:
            return _refused("too-deep")
        value = _numpy_value(value)
        kind = type(value)
        if value is None:
            return {"kind": "none"}
        if kind is bool:
            return {"kind": "bool", "value": value}
        if kind is int:
            return {"kind": "int", "value": str(value)} if value.bit_length() < 14_000 else _refused("int-too-large")
        if kind is float:
            return {"kind": "float", "value": repr(value)}
        if kind is str:
            return {"kind": "str", "value": value} if len(value) <= 10_000_000 else _refused("text-too-long")
        if kind in (list, tuple):
            return {"kind": kind.__name__, "items": [self.encode(item, depth + 1) for item in value]}
        if kind is dict and all(type(k) is str for k in value):
            return {"kind": "dict", "items": [[k, self.encode(v, depth + 1)] for k, v in value.items()]}
        if kind is np.ndarray:
            if value.dtype.str.replace(">", "<") not in DTYPES:
                return _refused("array-dtype")
            return {"kind": "ndarray", "ref": self.array(value)} if value.ndim <= 32 else _refused("array-rank")
        if is_keras_model(value):
            return self.model(value)
        if callable(value) and type(value).__name__ in ("function", "method", "builtin_function_or_method"):
            return {"kind": "function"}
        return {"kind": "opaque", "type": type(value).__name__}

    def model(self, model: Any) -> dict:
        described = models.describe_model(model)
        if isinstance(described, str):
            return _refused(described)
        spec, weights = described
        return {"kind": "model", "spec": spec, "weights": [self.array(w) for w in weights]}


def is_keras_model(value: Any) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def encode(value: Any) -> bytes:
    """The whole answer file for `value`."""
    encoder = _Encoder()
    tree = encoder.encode(value)
    table, chunks, offset = [], [], 0
    for array in encoder.arrays:
        padding = -offset % ALIGNMENT
        chunks += [b"\0" * padding, np.ascontiguousarray(array).tobytes()]
        offset += padding
        table.append({"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset})
        offset += array.nbytes
    meta = json.dumps({"tree": tree, "arrays": table}).encode()
    head = MAGIC + HEADER.pack(len(meta)) + meta
    return b"".join([head, b"\0" * (-len(head) % ALIGNMENT), *chunks])


def write(value: Any, path: str) -> None:
    """Encode `value` into a new file at `path`, readable by the other side whatever the umask."""
    data = encode(value)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    os.fchmod(fd, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


# ---------------------------------------------------------------- decoding (strict)


def _read_regular_file(path: str, limit: int, budget: Budget | None) -> bytearray:
    """The bytes of a regular file of at most `limit` bytes; symlinks, devices and FIFOs refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        raise PlainDataError("the kernel left no readable answer") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise PlainDataError("the kernel's answer is not a regular file")
    with os.fdopen(fd, "rb", buffering=0) as handle:
        if info.st_size > limit:
            raise PlainDataError(f"the value is larger than the {limit // 1024**2} MB the grader reads")
        if budget is not None and info.st_size > budget.bytes_left:
            budget.take(nbytes=info.st_size)  # refuses, and keeps refusing
        data = bytearray(info.st_size)
        view, done = memoryview(data), 0
        while done < info.st_size:
            got = handle.readinto(view[done:])
            if not got:
                break
            done += got
        del view
        return data[:done] if done < info.st_size else data


class _Decoder:
    def __init__(self, data: bytearray, start: int, table: Any, limits: Any, guard: Any) -> None:
        self.data, self.start, self.limits, self.guard = data, start, limits, guard
        self.table = table if type(table) is list else None
        self.used: set[int] = set()
        self.spans: list[tuple[int, int]] = []  # byte ranges already given to arrays, sorted
        self.count = 0

    def array(self, ref: Any) -> np.ndarray:
        # Each stored array may be used once: a tree that names one array thousands of times would
        # otherwise make the grader copy it thousands of times.
        if type(ref) is not int or self.table is None or not 0 <= ref < len(self.table) or ref in self.used:
            raise PlainDataError("a reference to a missing or already used array")
        self.used.add(ref)
        entry = self.table[ref]
        if type(entry) is not dict or entry.get("dtype") not in DTYPES or type(entry.get("offset")) is not int:
            raise PlainDataError("a malformed array")
        shape = entry.get("shape")
        if type(shape) is not list or len(shape) > self.limits.array_dims or any(type(d) is not int or d < 0 for d in shape):
            raise PlainDataError(f"an array with a malformed shape or more than {self.limits.array_dims} dimensions")
        dtype = np.dtype(entry["dtype"])
        # Even an empty array may not claim sizes it could not hold: a shape is not a free channel.
        if math.prod(max(d, 1) for d in shape) * dtype.itemsize > self.limits.answer_bytes:
            raise PlainDataError("an array whose shape is larger than the grader reads")
        nbytes, begin = math.prod(shape) * dtype.itemsize, self.start + entry["offset"]
        if entry["offset"] < 0 or begin + nbytes > len(self.data):
            raise PlainDataError("an array that runs past the end of the answer")
        self._claim(begin, begin + nbytes)
        # A view of the answer's own buffer: the grader holds each answer's bytes once, no copy.
        return np.frombuffer(self.data, dtype=dtype, count=math.prod(shape), offset=begin).reshape(shape)

    def _claim(self, begin: int, end: int) -> None:
        """Arrays may not share bytes: each one the grader gets is its own."""
        if begin == end:
            return
        place = bisect.bisect(self.spans, (begin, end))
        if (place and self.spans[place - 1][1] > begin) or (place < len(self.spans) and self.spans[place][0] < end):
            raise PlainDataError("arrays that overlap")
        self.spans.insert(place, (begin, end))

    def decode(self, node: Any, depth: int = 0) -> Any:
        self.count += 1
        if self.count > self.limits.answer_items:
            raise PlainDataError(f"a value with more than {self.limits.answer_items:,} items")
        if depth > self.limits.depth or type(node) is not dict:
            raise PlainDataError("a value nested too deeply, or malformed")
        kind, value = node.get("kind"), node.get("value")
        if kind == "none":
            return None
        if kind == "bool" and type(value) is bool:
            return bool(value)
        if kind == "int" and type(value) is str:
            if len(value) > self.limits.int_digits + 1:
                raise PlainDataError(REFUSALS["int-too-large"])
            return _parse(int, value)
        if kind == "float" and type(value) is str and len(value) <= 64:
            return _parse(float, value)
        if kind == "str" and type(value) is str:
            if len(value) > self.limits.text_chars:
                raise PlainDataError(REFUSALS["text-too-long"])
            return str(value)
        if kind in ("list", "tuple") and type(node.get("items")) is list:
            items = [self.decode(item, depth + 1) for item in node["items"]]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and type(node.get("items")) is list:
            return self.mapping(node["items"], depth)
        if kind == "ndarray":
            return self.array(node.get("ref"))
        if kind == "model":
            return self.model(node)
        if kind == "function":
            return opaque("function")
        if kind == "opaque":
            return opaque(node.get("type"))
        if kind == "refused":
            raise PlainDataError(f"it is {REFUSALS.get(node.get('code'), 'a value the grader does not read')}")
        raise PlainDataError("a value of a kind the grader does not read")

    def mapping(self, pairs: list, depth: int) -> dict:
        result = {}
        for pair in pairs:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str or len(pair[0]) > self.limits.text_chars:
                raise PlainDataError("a malformed dict")
            result[str(pair[0])] = self.decode(pair[1], depth + 1)
        return result

    def model(self, node: dict) -> Any:
        weights = node.get("weights")
        if type(weights) is not list:
            raise PlainDataError("a malformed model")
        arrays = [self.array(ref) for ref in weights]
        if not all(a.dtype.kind == "f" for a in arrays):
            raise PlainDataError("a model whose weights are not floating-point numbers")
        limits = self.limits
        try:
            return models.build_model(
                node.get("spec"), arrays, limits.layers, limits.parameters, limits.macs_per_input, self.guard
            )
        except models.ModelRefused as refused:
            raise PlainDataError(f"it is a model the grader cannot rebuild ({refused})") from None


def _parse(kind: type, text: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise PlainDataError(f"a malformed {kind.__name__}") from None


def decode(data: bytearray, limits: Any = None, budget: Budget | None = None, guard: Any = None) -> Any:
    """The value held by an answer file's bytes, checked against `limits` and charged to `budget`.

    `guard(model, peak_values)` is called on every model rebuilt (models.guard_predictions).
    """
    limits = limits or _KernelDefaults
    if budget is not None:
        budget.take(nbytes=len(data))
    if data[: len(MAGIC)] != MAGIC or len(data) < len(MAGIC) + HEADER.size:
        raise PlainDataError("the kernel's answer is not in the grader's format")
    (meta_size,) = HEADER.unpack_from(data, len(MAGIC))
    start = len(MAGIC) + HEADER.size + meta_size
    start += -start % ALIGNMENT  # the arrays begin on the next boundary
    if meta_size > limits.meta_bytes or start > len(data) + ALIGNMENT:
        raise PlainDataError("the kernel's answer has a malformed or oversized description")
    try:
        meta = json.loads(bytes(data[len(MAGIC) + HEADER.size : len(MAGIC) + HEADER.size + meta_size]).decode("utf-8"))
    except (ValueError, RecursionError, MemoryError):
        raise PlainDataError("the kernel's answer has an unreadable description") from None
    if type(meta) is not dict:
        raise PlainDataError("the kernel's answer has a malformed description")
    decoder = _Decoder(data, start, meta.get("arrays"), limits, guard)
    try:
        value = decoder.decode(meta.get("tree"))
    except RecursionError:
        raise PlainDataError("a value nested too deeply") from None
    finally:
        if budget is not None:
            budget.take(items=decoder.count)
    return value


def read(path: str, limits: Any = None, budget: Budget | None = None, guard: Any = None) -> Any:
    """Decode the answer file at `path` (see :func:`decode`)."""
    limits = limits or _KernelDefaults
    return decode(_read_regular_file(path, limits.answer_bytes, budget), limits, budget, guard)
