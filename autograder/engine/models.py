"""Keras Sequential models as plain data: the layer table, and rebuilding a model from it.

This module runs on both sides of the sandbox wall, like wire.py: inside the student's kernel
:func:`describe_model` turns a model into a spec (layers from :data:`LAYERS`, their settings,
the input shape, the compile settings) plus its weight arrays; in the grader :func:`build_model`
checks that spec against the table before anything is allocated (every setting's type and range,
every weight's exact shape, the parameter count and the multiply-adds per input within the
grader's limits) and only then builds a fresh Keras model and compiles it with allow-listed
settings. A new layer type is one entry of :data:`LAYERS`.

Nothing here imports from the package: the kernel loads this file's source as a module.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Shape = tuple[int, ...]  # one input's shape, without the batch dimension


class ModelRefused(ValueError):
    """A model the grader will not rebuild; the message says why, in the student's terms."""


# ---------------------------------------------------------------- settings and their checks


def _int_in(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if type(value) is not int or not low <= value <= high:
            raise ModelRefused(f"an integer setting outside {low}..{high}")
        return value

    return check


def _pair(low: int, high: int) -> Callable[[Any], tuple[int, int]]:
    """An int or a pair of ints (kernel_size=3 or (3, 3))."""

    def check(value: Any) -> tuple[int, int]:
        items = [value, value] if type(value) is int else value
        if type(items) not in (list, tuple) or len(items) != 2 or any(type(v) is not int or not low <= v <= high for v in items):
            raise ModelRefused(f"a size setting that is not one or two integers in {low}..{high}")
        return int(items[0]), int(items[1])

    return check


def _one_of(*allowed: Any) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in allowed or type(value) not in {type(a) for a in allowed}:
            raise ModelRefused(f"a setting other than {', '.join(map(str, allowed))}")
        return value

    return check


def _boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise ModelRefused("a True/False setting that is neither")
    return value


def _fraction(value: Any) -> float:
    if type(value) not in (int, float) or not 0 <= value < 1:
        raise ModelRefused("a rate outside [0, 1)")
    return float(value)


def _positive_float(value: Any) -> float:
    if type(value) not in (int, float) or not (math.isfinite(value) and 0 <= value <= 1e6):
        raise ModelRefused("a numeric setting out of range")
    return float(value)


ACTIVATIONS = {
    "relu", "softmax", "sigmoid", "tanh", "linear", "elu", "selu", "gelu", "softplus", "softsign",
    "swish", "silu", "leaky_relu", "relu6", "exponential", "hard_sigmoid", "mish", "log_softmax",
}  # fmt: skip


# TensorFlow's own functions as Keras records them (activation=tf.nn.softmax is "softmax_v2").
ACTIVATION_ALIASES = {"softmax_v2": "softmax", "log_softmax_v2": "log_softmax", "relu6": "relu6"}


def _activation(value: Any) -> str:
    value = ACTIVATION_ALIASES.get(value, value) if type(value) is str else value
    if value not in ACTIVATIONS or type(value) is not str:
        raise ModelRefused(f"an activation other than {', '.join(sorted(ACTIVATIONS))}")
    return value


def _target_shape(value: Any) -> tuple[int, ...]:
    if type(value) not in (list, tuple) or not 1 <= len(value) <= 4:
        raise ModelRefused("a Reshape target that is not 1 to 4 sizes")
    if any(type(v) is not int or not (v >= 1 or v == -1) for v in value) or list(value).count(-1) > 1:
        raise ModelRefused("a Reshape target with sizes other than positive integers (and at most one -1)")
    return tuple(value)


# ---------------------------------------------------------------- shape arithmetic


def _window(size: int, kernel: int, stride: int, padding: str) -> int:
    out = -(-size // stride) if padding == "same" else (size - kernel) // stride + 1
    if out < 1:
        raise ModelRefused("a layer whose window is larger than its input")
    return out


def _needs_rank(shape: Shape, rank: int, layer: str) -> None:
    if len(shape) != rank:
        raise ModelRefused(f"a {layer} layer that receives inputs of {len(shape)} dimension(s) instead of {rank}")


def _dense(shape: Shape, cfg: dict) -> tuple[Shape, list[Shape], int]:
    if not shape:
        raise ModelRefused("a Dense layer without an input width")
    units = cfg["units"]
    weights = [(shape[-1], units)] + ([(units,)] if cfg.get("use_bias", True) else [])
    return (*shape[:-1], units), weights, math.prod(shape) * units


def _conv2d(shape: Shape, cfg: dict) -> tuple[Shape, list[Shape], int]:
    _needs_rank(shape, 3, "Conv2D")
    (kh, kw), (sh, sw), filters = cfg["kernel_size"], cfg.get("strides", (1, 1)), cfg["filters"]
    padding = cfg.get("padding", "valid")
    height, width, channels = shape
    out = (_window(height, kh, sh, padding), _window(width, kw, sw, padding), filters)
    weights = [(kh, kw, channels, filters)] + ([(filters,)] if cfg.get("use_bias", True) else [])
    return out, weights, out[0] * out[1] * kh * kw * channels * filters


def _pool2d(shape: Shape, cfg: dict) -> tuple[Shape, list[Shape], int]:
    _needs_rank(shape, 3, "pooling")
    (ph, pw), padding = cfg["pool_size"], cfg.get("padding", "valid")
    sh, sw = cfg.get("strides") or (ph, pw)
    out = (_window(shape[0], ph, sh, padding), _window(shape[1], pw, sw, padding), shape[2])
    return out, [], math.prod(out) * ph * pw


def _global_pool2d(shape: Shape, cfg: dict) -> tuple[Shape, list[Shape], int]:
    _needs_rank(shape, 3, "global pooling")
    return (shape[2],), [], math.prod(shape)


def _flatten(shape: Shape, cfg: dict) -> tuple[Shape, list[Shape], int]:
    return (math.prod(shape),), [], 0


def _reshape(shape: Shape, cfg: dict) -> tuple[Shape, list[Shape], int]:
    target, size = list(cfg["target_shape"]), math.prod(shape)
    if -1 in target:
        known = math.prod(v for v in target if v != -1)
        target[target.index(-1)] = size // known if size % known == 0 else 0
    if math.prod(target) != size:
        raise ModelRefused("a Reshape whose target does not hold the same number of values as its input")
    return tuple(target), [], 0


def _same(shape: Shape, cfg: dict) -> tuple[Shape, list[Shape], int]:
    return shape, [], math.prod(shape)


def _optional_float(value: Any) -> float | None:
    return None if value is None else _positive_float(value)


def _last_axis(value: Any) -> int:
    if value != -1 or type(value) is not int:
        raise ModelRefused("an axis other than the last")
    return value


def _batch_norm(shape: Shape, cfg: dict) -> tuple[Shape, list[Shape], int]:
    if not shape or cfg.get("axis", -1) not in (-1, len(shape)):
        raise ModelRefused("a BatchNormalization layer on another axis than the last")
    channels = (shape[-1],)
    weights = [channels] * (int(cfg.get("scale", True)) + int(cfg.get("center", True)) + 2)
    return shape, weights, 2 * math.prod(shape)


@dataclass(frozen=True)
class LayerRule:
    """One allowed layer type: the settings that cross (with their checks) and its arithmetic."""

    settings: dict[str, Callable[[Any], Any]]
    shapes: Callable[[Shape, dict], tuple[Shape, list[Shape], int]]  # -> output shape, weight shapes, multiply-adds


_SIZE, _PADDING, _FORMAT = _pair(1, 64), _one_of("valid", "same"), _one_of("channels_last")
LAYERS: dict[str, LayerRule] = {
    "Dense": LayerRule({"units": _int_in(1, 100_000), "activation": _activation, "use_bias": _boolean}, _dense),
    "Conv2D": LayerRule(
        {"filters": _int_in(1, 4096), "kernel_size": _SIZE, "strides": _SIZE, "padding": _PADDING, "data_format": _FORMAT,
         "dilation_rate": _one_of((1, 1), [1, 1]), "groups": _one_of(1), "activation": _activation, "use_bias": _boolean},
        _conv2d,
    ),
    "MaxPooling2D": LayerRule({"pool_size": _SIZE, "strides": _SIZE, "padding": _PADDING, "data_format": _FORMAT}, _pool2d),
    "AveragePooling2D": LayerRule({"pool_size": _SIZE, "strides": _SIZE, "padding": _PADDING, "data_format": _FORMAT}, _pool2d),
    "GlobalAveragePooling2D": LayerRule({"data_format": _FORMAT, "keepdims": _one_of(False)}, _global_pool2d),
    "GlobalMaxPooling2D": LayerRule({"data_format": _FORMAT, "keepdims": _one_of(False)}, _global_pool2d),
    "Flatten": LayerRule({"data_format": _FORMAT}, _flatten),
    "Reshape": LayerRule({"target_shape": _target_shape}, _reshape),
    "Dropout": LayerRule({"rate": _fraction}, _same),
    "Activation": LayerRule({"activation": _activation}, _same),
    "Softmax": LayerRule({"axis": _last_axis}, _same),
    "ReLU": LayerRule({"max_value": _optional_float, "negative_slope": _positive_float, "threshold": _positive_float}, _same),
    "LeakyReLU": LayerRule({"negative_slope": _positive_float}, _same),
    "BatchNormalization": LayerRule(
        {"axis": _int_in(-1, 8), "momentum": _positive_float, "epsilon": _positive_float, "center": _boolean, "scale": _boolean},
        _batch_norm,
    ),
}  # fmt: skip
SUPPORTED = ", ".join(LAYERS)

# Compile settings the grader rebuilds (anything else is reported as "unknown").
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


# ---------------------------------------------------------------- kernel side: describe


def _plain_json(value: Any, depth: int = 0) -> Any:
    """Only the JSON-plain parts of a Keras config (NumPy numbers as Python ones: Dropout(np.float64(0.2)))."""
    if depth > 8:
        return None
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        value = value.item()
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) in (list, tuple):
        return [_plain_json(v, depth + 1) for v in value]
    if type(value) is dict:
        return {str(k): _plain_json(v, depth + 1) for k, v in value.items() if type(k) is str}
    return None


def describe_model(model: Any) -> tuple[dict, list[np.ndarray]] | str:
    """A Sequential model as (spec, weights), or the reason it cannot cross (a short code)."""
    import keras

    if type(model) is not keras.Sequential:
        return "model-class"
    layers = []
    for layer in model.layers:
        name = type(layer).__name__
        if name not in LAYERS or type(layer).__module__.split(".")[0] != "keras":
            return "model-layer"
        config = layer.get_config()
        entry = {"class": name, **{key: _plain_json(config.get(key)) for key in LAYERS[name].settings if key in config}}
        if "activation" in entry:
            serialized = keras.activations.serialize(layer.activation)
            if isinstance(serialized, dict) and serialized.get("class_name") == "function":  # tf.nn.softmax and the like
                serialized = serialized.get("config")
            entry["activation"] = serialized if isinstance(serialized, str) else "custom"
        layers.append(entry)
    try:
        input_shape = list(model.input_shape)
    except (AttributeError, ValueError, TypeError):
        return "model-unbuilt"
    compile_config = _plain_json(model.get_compile_config()) if model.compiled else None
    spec = {"class": "Sequential", "input_shape": input_shape, "layers": layers, "compile": compile_config}
    return spec, [np.asarray(w) for w in model.get_weights()]


# ---------------------------------------------------------------- grader side: check, then build


@dataclass(frozen=True)
class Plan:
    """A checked spec: what would be built, and what it costs."""

    input_shape: Shape
    layers: list[tuple[str, dict]]  # class name, checked settings
    weight_shapes: list[Shape]
    macs: int
    peak_values: int  # the most values one input has alive at once (a layer's input and output)

    @property
    def parameters(self) -> int:
        return sum(math.prod(shape) for shape in self.weight_shapes)


def plan_model(spec: Any, max_layers: int) -> Plan:
    """Check a spec against the layer table without Keras and without allocating anything."""
    if type(spec) is not dict or spec.get("class") != "Sequential" or type(spec.get("layers")) is not list:
        raise ModelRefused("it is not a keras.Sequential model")
    if len(spec["layers"]) > max_layers:
        raise ModelRefused(f"it has more than {max_layers} layers")
    raw_shape = spec.get("input_shape")
    if type(raw_shape) is not list or not 2 <= len(raw_shape) <= 5 or not all(
        type(d) is int and 1 <= d <= 100_000 for d in raw_shape[1:]
    ):
        raise ModelRefused("its input shape is unknown or not fixed: start the model with keras.Input(shape=...)")
    shape: Shape = tuple(raw_shape[1:])
    layers, weight_shapes, macs, peak = [], [], 0, math.prod(shape)
    for entry in spec["layers"]:
        name = entry.get("class") if type(entry) is dict else None
        if name not in LAYERS:
            raise ModelRefused(f"it has a layer the grader cannot rebuild (supported: {SUPPORTED})")
        rule = LAYERS[name]
        try:
            settings = {key: check(entry[key]) for key, check in rule.settings.items() if entry.get(key) is not None}
            before = math.prod(shape)
            shape, weights, cost = rule.shapes(shape, settings)
            peak = max(peak, before + math.prod(shape))
        except ModelRefused as refused:
            raise ModelRefused(f"its {name} layer has {refused}") from None
        except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError):
            raise ModelRefused(f"its {name} layer lacks a setting or has one the grader cannot follow") from None
        layers.append((name, settings))
        weight_shapes += weights
        macs += cost
    return Plan(tuple(raw_shape[1:]), layers, weight_shapes, macs, peak)


def _keras_settings(name: str, settings: dict) -> dict:
    return {key: value for key, value in settings.items() if not (name == "BatchNormalization" and key == "axis")}


def _vetted(item: Any, classes: set[str], module: str) -> Any:
    """An allow-listed optimizer/loss/metric in its serialized form, reduced to what tests read; else "unknown"."""
    if type(item) is str:  # "categorical_crossentropy", or a class name such as "CategoricalCrossentropy"
        return item if item in NAMED_FUNCTIONS or item in classes else "unknown"
    # Keras records a loss or metric given as its function (keras.losses.categorical_crossentropy) as "builtins".
    if type(item) is not dict or item.get("module") not in (f"keras.{module}", "builtins", None):
        return "unknown"
    if item.get("class_name") == "function" and item.get("config") in NAMED_FUNCTIONS:  # e.g. keras.losses.mse itself
        return {"module": f"keras.{module}", "class_name": "function", "config": item["config"]}
    if item.get("class_name") in classes:
        config = item.get("config") if type(item.get("config")) is dict else {}
        numbers = {k: v for k, v in config.items() if type(k) is str and len(k) <= 40 and type(v) in (int, float, bool)}
        return {"module": f"keras.{module}", "class_name": item["class_name"], "config": dict(list(numbers.items())[:32])}
    return "unknown"


def _rebuilt(item: Any, module: str) -> Any:
    import keras

    namespace = getattr(keras, module)
    if type(item) is str:
        return None if item == "unknown" else item
    if item["class_name"] == "function":
        return getattr(namespace, item["config"], None)
    return getattr(namespace, item["class_name"])()


def _compile(model: Any, config: Any) -> None:
    """Compile with the student's settings where all are allow-listed; tests read the vetted record."""
    if type(config) is not dict:
        return
    metrics = config.get("metrics") if type(config.get("metrics")) is list else []
    vetted = {
        "optimizer": _vetted(config.get("optimizer"), OPTIMIZERS, "optimizers"),
        "loss": _vetted(config.get("loss"), LOSSES, "losses"),
        "metrics": [_vetted(m, METRICS, "metrics") for m in metrics[:16]],
    }
    optimizer, loss = _rebuilt(vetted["optimizer"], "optimizers"), _rebuilt(vetted["loss"], "losses")
    rebuilt = [_rebuilt(m, "metrics") for m in vetted["metrics"]]
    if optimizer is not None and loss is not None and None not in rebuilt:
        model.compile(optimizer=optimizer, loss=loss, metrics=rebuilt or None)
    model.get_compile_config = lambda: json.loads(json.dumps(vetted))


def guard_predictions(model: Any, peak_values: int, max_bytes: int, before_batch: Callable[[], None]) -> None:
    """Make model.predict run in batches whose activations fit `max_bytes`, calling `before_batch` first.

    Whatever batch size a test asks for, the grader's memory for one prediction stays bounded, and
    `before_batch` (the judge's deadline) can stop a long prediction between batches.
    """
    whole = model.predict
    largest = max(1, max_bytes // (4 * max(1, peak_values)))

    def predict(x: Any, batch_size: int | None = None, verbose: Any = "auto", **kwargs: Any) -> np.ndarray:
        inputs = np.asarray(x)
        size = max(1, min(batch_size or 32, largest))
        parts = []
        for start in range(0, len(inputs), size):
            before_batch()
            parts.append(np.asarray(whole(inputs[start : start + size], batch_size=size, verbose=0, **kwargs)))
        return np.concatenate(parts) if parts else np.asarray(whole(inputs, verbose=0, **kwargs))

    model.predict = predict


def build_model(
    spec: Any,
    weights: list[np.ndarray],
    max_layers: int,
    max_parameters: int,
    max_macs: int,
    guard: Callable[[Any, int], None] | None = None,
) -> Any:
    """A fresh Keras model from a checked spec and exactly matching weights; raises ModelRefused.

    `guard(model, peak_values)` may bound the rebuilt model's predictions (see guard_predictions).
    """
    plan = plan_model(spec, max_layers)
    if plan.parameters > max_parameters:
        raise ModelRefused(f"it has {plan.parameters:,} parameters, more than the {max_parameters:,} the grader rebuilds")
    if plan.macs > max_macs:
        raise ModelRefused(f"it needs more than {max_macs:,} multiply-adds per input, more than the grader evaluates")
    if [tuple(w.shape) for w in weights] != plan.weight_shapes:
        raise ModelRefused("its weights do not match its layers")
    import keras

    try:
        layers = [getattr(keras.layers, name)(**_keras_settings(name, settings)) for name, settings in plan.layers]
        model = keras.Sequential([keras.Input(shape=plan.input_shape), *layers])
        if weights:
            model.set_weights(weights)
    except (TypeError, ValueError) as error:
        raise ModelRefused(f"Keras could not rebuild it ({type(error).__name__})") from None
    _compile(model, spec.get("compile"))
    if guard is not None:
        guard(model, plan.peak_values)
    return model
