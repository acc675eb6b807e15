"""Plain data across the sandbox wall: a strict codec for values and Keras models.

This module runs on both sides. The grader imports it; its source is also executed inside the
student's kernel, where it encodes answers (and decodes the grader's arguments). A value
crosses as one .npz file: a JSON tree under ``__meta__`` plus numeric arrays, read with
``allow_pickle=False``. Only these kinds exist: None, bool, int, float, str, list, tuple,
dict with str keys, numeric ndarrays and numpy scalars, and Keras Sequential models described
as layers from an allow-list plus their weights. Everything else becomes an opaque
:class:`StudentObject` that only knows its type's name.

The kernel side can be tampered with by the student, so :func:`read` re-checks everything
and builds fresh objects of exact builtin types: what the grader gets back can be wrong,
but never anything but plain data.
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
import sys
import zipfile
from typing import Any

import numpy as np

MAX_FILE_BYTES = 768 * 1024**2
MAX_DEPTH = 16
MAX_ITEMS = 100_000
MAX_TEXT = 200_000
MAX_META_BYTES = 16 * 1024**2
MAX_LAYERS = 64
NUMERIC_KINDS = "biuf"

# Allow-lists for rebuilding models: what the lesson's networks (and reasonable variants) use.
LAYER_KEYS = {
    "Dense": ("units", "activation", "use_bias"),
    "Dropout": ("rate",),
    "Flatten": (),
    "Activation": ("activation",),
    "BatchNormalization": ("axis", "momentum", "epsilon", "center", "scale"),
}
ACTIVATIONS = {
    "relu", "softmax", "sigmoid", "tanh", "linear", "elu", "selu", "gelu", "softplus", "softsign",
    "swish", "silu", "leaky_relu", "relu6", "exponential", "hard_sigmoid", "mish", "log_softmax",
}  # fmt: skip
OPTIMIZERS = {"Adam", "AdamW", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion"}
LOSSES = {
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryCrossentropy", "MeanSquaredError",
    "MeanAbsoluteError", "KLDivergence", "Hinge", "CategoricalHinge", "Poisson", "Huber",
}  # fmt: skip
METRICS = {
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "BinaryAccuracy", "Accuracy", "TopKCategoricalAccuracy",
    "AUC", "Precision", "Recall", "MeanSquaredError", "MeanAbsoluteError",
}  # fmt: skip
NAMED_FUNCTIONS = {
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mean_squared_error",
    "mean_absolute_error", "mse", "mae", "kl_divergence", "hinge", "categorical_hinge", "poisson", "huber",
    "accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy", "binary_accuracy",
    "top_k_categorical_accuracy", "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
    "ftrl", "lion",
}  # fmt: skip


class PlainDataError(ValueError):
    """A value that cannot cross the wall (too big, malformed, or of a forbidden kind)."""


class StudentObject:
    """Stands in for a student's value of a kind that does not cross the wall."""

    type_name = "object"

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


def opaque(type_name: str) -> StudentObject:
    """A fresh, behaviourless object whose type is named like the student's value."""
    name = type_name if type_name.isidentifier() else "object"
    return type(name, (StudentObject,), {"type_name": name})()


class StudentError(Exception):
    """The student's code raised while the grader called it.

    `detail` (the exception's own message) may echo the grader's inputs, so it is shown only
    for public checks.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


# ---------------------------------------------------------------- encoding (both sides)


class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, value: np.ndarray) -> str:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.ascontiguousarray(value)
        return key

    def encode(self, value: Any, depth: int = 0) -> dict:
        if depth > MAX_DEPTH:
            return {"kind": "opaque", "type": "deeply nested value"}
        kind = type(value)
        if value is None:
            return {"kind": "none"}
        if kind is bool:
            return {"kind": "bool", "value": value}
        if kind is int:
            return {"kind": "int", "value": str(value)}
        if kind is float:
            return {"kind": "float", "value": repr(value)}
        if kind is str:
            return {"kind": "str", "value": value}
        if kind in (list, tuple):
            return {"kind": kind.__name__, "items": [self.encode(item, depth + 1) for item in value]}
        if kind is dict and all(type(k) is str for k in value):
            return {"kind": "dict", "items": [[k, self.encode(v, depth + 1)] for k, v in value.items()]}
        if kind is np.ndarray and value.dtype.kind in NUMERIC_KINDS:
            return {"kind": "ndarray", "ref": self.array(value)}
        if isinstance(value, np.generic) and kind.__module__ == "numpy" and value.dtype.kind in NUMERIC_KINDS:
            return {"kind": "npscalar", "ref": self.array(np.asarray(value))}
        if _is_keras_model(value):
            return self.model(value)
        if callable(value) and type(value).__name__ in ("function", "method", "builtin_function_or_method"):
            return {"kind": "function", "name": getattr(value, "__name__", "function")}
        return {"kind": "opaque", "type": type(value).__name__}

    def model(self, model: Any) -> dict:
        described = describe_model(model)
        if described is None:
            return {"kind": "opaque", "type": type(model).__name__}
        spec, weights = described
        return {"kind": "model", "spec": spec, "weights": [self.array(w) for w in weights]}


def _is_keras_model(value: Any) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def _plain_json(value: Any, depth: int = 0) -> Any:
    """Keep only JSON-plain parts of a config (compile settings)."""
    if depth > MAX_DEPTH:
        return None
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) in (list, tuple):
        return [_plain_json(v, depth + 1) for v in value]
    if type(value) is dict:
        return {str(k): _plain_json(v, depth + 1) for k, v in value.items() if type(k) is str}
    return None


def describe_model(model: Any) -> tuple[dict, list[np.ndarray]] | None:
    """A Sequential model as (spec, weights), or None if it is not one we can describe."""
    import keras

    if type(model) is not keras.Sequential:
        return None
    layers = []
    for layer in model.layers:
        name = type(layer).__name__
        if name not in LAYER_KEYS or type(layer).__module__.split(".")[0] != "keras":
            return None
        config = layer.get_config()
        entry = {"class": name}
        for key in LAYER_KEYS[name]:
            entry[key] = _plain_json(config.get(key))
        if "activation" in entry:
            entry["activation"] = keras.activations.serialize(layer.activation)
            if not isinstance(entry["activation"], str):
                entry["activation"] = "custom"
        layers.append(entry)
    try:
        input_shape = list(model.input_shape)
    except (AttributeError, ValueError):
        input_shape = None
    compile_config = _plain_json(model.get_compile_config()) if model.compiled else None
    spec = {"class": "Sequential", "input_shape": input_shape, "layers": layers, "compile": compile_config}
    return spec, [np.asarray(w) for w in model.get_weights()]


def write(value: Any, path: str) -> None:
    """Encode a value into an .npz file."""
    encoder = _Encoder()
    meta = encoder.encode(value)
    payload = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez(handle, __meta__=payload, **encoder.arrays)


# ---------------------------------------------------------------- decoding (strict)


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], build_models: bool) -> None:
        self.arrays, self.build_models, self.count = arrays, build_models, 0

    def array(self, ref: Any) -> np.ndarray:
        # Each stored array may be used once: a tree that names one array thousands of times
        # would otherwise make the grader copy it thousands of times.
        if type(ref) is not str or ref not in self.arrays:
            raise PlainDataError("reference to a missing or already used array")
        array = self.arrays.pop(ref)
        if type(array) is not np.ndarray or array.dtype.kind not in NUMERIC_KINDS or array.dtype.hasobject:
            raise PlainDataError(f"array of unsupported dtype {array.dtype}")
        return np.array(array, copy=True)

    def decode(self, node: Any, depth: int = 0) -> Any:
        self.count += 1
        if depth > MAX_DEPTH or self.count > MAX_ITEMS or type(node) is not dict:
            raise PlainDataError("value is too large or malformed")
        kind = node.get("kind")
        if kind == "none":
            return None
        if kind == "bool" and type(node.get("value")) is bool:
            return bool(node["value"])
        if kind == "int" and type(node.get("value")) is str and len(node["value"]) <= 4300:
            return int(node["value"])
        if kind == "float" and type(node.get("value")) is str and len(node["value"]) <= 64:
            return float(node["value"])
        if kind == "str" and type(node.get("value")) is str and len(node["value"]) <= MAX_TEXT:
            return str(node["value"])
        if kind in ("list", "tuple") and type(node.get("items")) is list:
            items = [self.decode(item, depth + 1) for item in node["items"]]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and type(node.get("items")) is list:
            result = {}
            for pair in node["items"]:
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                    raise PlainDataError("malformed dict")
                result[str(pair[0])] = self.decode(pair[1], depth + 1)
            return result
        if kind == "ndarray":
            return self.array(node.get("ref"))
        if kind == "npscalar":
            scalar = self.array(node.get("ref"))
            if scalar.shape != ():
                raise PlainDataError("malformed numpy scalar")
            return scalar[()]
        if kind == "model":
            return self.model(node)
        if kind == "function":
            return opaque("function")
        if kind == "opaque" and type(node.get("type")) is str:
            return opaque(node["type"][:100])
        raise PlainDataError(f"unknown kind {str(kind)[:40]!r}")

    def model(self, node: dict) -> Any:
        weights = node.get("weights")
        if type(weights) is not list:
            raise PlainDataError("malformed model")
        arrays = [self.array(ref) for ref in weights]
        if not all(a.dtype.kind == "f" for a in arrays):
            raise PlainDataError("model weights must be floating-point arrays")
        if not self.build_models:
            return {"spec": node.get("spec"), "weights": arrays}
        return build_model(node.get("spec"), arrays)


def _read_regular_file(path: str) -> bytes:
    """The bytes of a regular file, refusing symlinks, devices and FIFOs the kernel may plant."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise PlainDataError(f"no readable answer ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise PlainDataError("the answer is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise PlainDataError(f"the value is larger than {MAX_FILE_BYTES // 1024**2} MB")
        return handle.read(MAX_FILE_BYTES + 1)


def read(path: str, build_models: bool = True) -> Any:
    """Decode an .npz written by :func:`write`, checking sizes, kinds and dtypes."""
    data = io.BytesIO(_read_regular_file(path))
    try:
        with zipfile.ZipFile(data) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_FILE_BYTES:
                raise PlainDataError(f"the value is larger than {MAX_FILE_BYTES // 1024**2} MB")
        data.seek(0)
        with np.load(data, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = arrays.pop("__meta__")
        if meta.dtype != np.uint8 or meta.ndim != 1 or meta.size > MAX_META_BYTES:
            raise PlainDataError("malformed or oversized metadata")
        tree = json.loads(meta.tobytes().decode("utf-8"))
    except PlainDataError:
        raise
    except Exception as exc:  # zip, npy header, JSON, UTF-8: all mean "not plain data"
        raise PlainDataError(f"unreadable value ({type(exc).__name__})") from None
    return _Decoder(arrays, build_models).decode(tree)


# ---------------------------------------------------------------- rebuilding models


def _compile_item(item: Any, classes: set[str], module: str) -> Any:
    """An allow-listed optimizer/loss/metric from its serialized form, or None."""
    import keras

    namespace = getattr(keras, module)
    if type(item) is str:
        return item if item in NAMED_FUNCTIONS else None
    if type(item) is not dict or item.get("module") not in (f"keras.{module}", None):
        return None
    if item.get("class_name") == "function" and item.get("config") in NAMED_FUNCTIONS:
        return getattr(namespace, item["config"], None)
    if item.get("class_name") in classes:
        return getattr(namespace, item["class_name"])()
    return None


def _compile(model: Any, config: Any) -> None:
    """Compile with the student's settings where all are allow-listed; report them as they were."""
    if type(config) is not dict:
        return
    optimizer = _compile_item(config.get("optimizer"), OPTIMIZERS, "optimizers")
    loss = _compile_item(config.get("loss"), LOSSES, "losses")
    metrics = config.get("metrics") if type(config.get("metrics")) is list else []
    rebuilt = [_compile_item(m, METRICS, "metrics") for m in metrics]
    if optimizer is not None and loss is not None and None not in rebuilt:
        model.compile(optimizer=optimizer, loss=loss, metrics=rebuilt or None)
    # Tests read the settings through get_compile_config(): give them the student's own record.
    model.get_compile_config = lambda: json.loads(json.dumps(config))


MAX_PARAMETERS = 20_000_000


def _implied_parameters(input_shape: list, layers: list[dict]) -> int | None:
    """How many weights the spec would allocate; None if shapes cannot be followed."""
    if not input_shape or any(type(d) is not int for d in input_shape[1:]):
        return None
    width, total = int(np.prod(input_shape[1:])), 0
    for entry in layers:
        if entry["class"] == "Dense":
            units = entry.get("units")
            total += width * units + (units if entry.get("use_bias", True) else 0)
            width = units
        elif entry["class"] == "BatchNormalization":
            total += 4 * width
    return total


def build_model(spec: Any, weights: list[np.ndarray]) -> Any:
    """Rebuild a Sequential model from an allow-listed spec; an opaque object if not allowed."""
    import keras

    if type(spec) is not dict or spec.get("class") != "Sequential" or type(spec.get("layers")) is not list:
        return opaque("Model")
    if len(spec["layers"]) > MAX_LAYERS:
        return opaque("Sequential")
    layers = []
    input_shape = spec.get("input_shape")
    if input_shape is not None:
        if type(input_shape) is not list or not input_shape or not all(
            d is None or (type(d) is int and 0 < d < 1_000_000) for d in input_shape[1:]
        ):
            return opaque("Sequential")
        layers.append(keras.Input(shape=tuple(input_shape[1:])))
    for entry in spec["layers"]:
        if type(entry) is not dict or entry.get("class") not in LAYER_KEYS:
            return opaque("Sequential")
        kwargs = {key: entry.get(key) for key in LAYER_KEYS[entry["class"]] if entry.get(key) is not None}
        if "activation" in kwargs and kwargs["activation"] not in ACTIVATIONS:
            return opaque("Sequential")
        if "units" in kwargs and not (type(kwargs["units"]) is int and 0 < kwargs["units"] <= 100_000):
            return opaque("Sequential")
        try:
            layers.append(getattr(keras.layers, entry["class"])(**kwargs))
        except (TypeError, ValueError):
            return opaque("Sequential")
    implied = _implied_parameters(input_shape, spec["layers"]) if input_shape is not None else 0
    if implied is None or implied > MAX_PARAMETERS or implied != sum(w.size for w in weights):
        return opaque("Sequential")  # never allocate more than the weights the student sent
    model = keras.Sequential(layers)
    try:
        if weights:
            model.set_weights(weights)
    except ValueError:
        return opaque("Sequential")
    _compile(model, spec.get("compile"))
    return model
