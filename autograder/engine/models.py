"""Keras models that are a linear stack of layers, as plain data: the layer table, and rebuilding a model from it.

This module runs on both sides of the sandbox wall, like wire.py: inside the student's kernel
:func:`describe_model` turns a model into a spec (which API built it, layers from :data:`LAYERS`,
their settings, the input shape, the compile settings) plus its weight arrays; in the grader
:func:`build_model` checks that spec against the table before anything is allocated (every
setting's type and range, every weight's exact shape, the parameter count and the multiply-adds
per input within the grader's limits) and only then builds a fresh Keras model with the same API
and compiles it with allow-listed settings. A new layer type is one entry of :data:`LAYERS`.

Models read: a ``keras.Sequential``, or a functional ``keras.Model(inputs, outputs)`` whose
layers form one chain from one ``keras.Input`` to one output. Subclassed models, branching
graphs, shared or nested layers are refused with a reason. Activations may be given by name, as
Keras's or TensorFlow's own functions (``tf.nn.relu``), as activation layer objects
(``activation=keras.layers.ReLU()``) or as their own layers after a linear one (``Dense(256)``
then ``Activation("relu")``): the plan normalises all of these to the same form
(``Dense(256, activation="relu")``), since they compute the same function.

Nothing here imports from the package: the kernel loads this file's source as a module.
"""

from __future__ import annotations

import json
import math
import sys
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
# Layers that only apply an activation: accepted as a layer's `activation` too (activation=keras.layers.ReLU()).
ACTIVATION_LAYERS = ("Activation", "ReLU", "Softmax", "LeakyReLU")
# What the kernel sends for an activation it cannot name (the grader's words for each).
UNKNOWN_ACTIVATIONS = {
    "custom-function": "an activation given as a function of its own; use a name such as activation=\"relu\" "
    "(Keras's and TensorFlow's own functions, such as tf.nn.relu, work too)",
    "custom-layer": f"an activation given as a layer object other than {', '.join(ACTIVATION_LAYERS)}; "
    "use a name such as activation=\"relu\"",
}


def _activation(value: Any) -> str | dict:
    """A named activation, or an activation layer's entry (checked when it is planned as a layer)."""
    if type(value) is dict and value.get("class") in ACTIVATION_LAYERS:
        return value
    if type(value) is str and value in UNKNOWN_ACTIVATIONS:
        raise ModelRefused(UNKNOWN_ACTIVATIONS[value])
    value = ACTIVATION_ALIASES.get(value, value) if type(value) is str else value
    if type(value) is not str or value not in ACTIVATIONS:
        raise ModelRefused(f"an activation other than {', '.join(sorted(ACTIVATIONS))}")
    return value


def _activation_name(name: str, settings: dict) -> str | None:
    """The named activation an activation layer computes exactly, if there is one (ReLU() is "relu")."""
    if name == "Activation":
        return settings.get("activation", "linear")
    if name == "Softmax":
        return "softmax"  # the table admits the last axis only
    if name == "ReLU":
        threshold, slope, ceiling = settings.get("threshold", 0.0), settings.get("negative_slope", 0.0), settings.get("max_value")
        if threshold == 0 and slope == 0:
            return "relu" if ceiling is None else "relu6" if ceiling == 6 else None
        return None
    if name == "LeakyReLU":  # keras.activations.leaky_relu's own slope
        return "leaky_relu" if settings.get("negative_slope", 0.3) == 0.2 else None
    return None


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
READ = (  # what the grader reads, for refusals
    "the grader reads keras.Sequential models, and functional models built as one chain of layers from one "
    "keras.Input to one output"
)

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


def _known_activations(keras: Any) -> list[tuple[Any, str]]:
    """Keras's and TensorFlow's activation functions, with the name each one computes."""
    known = [(getattr(keras.activations, name), name) for name in sorted(ACTIVATIONS) if hasattr(keras.activations, name)]
    tf = sys.modules.get("tensorflow")  # only if the student's code loaded it
    if tf is not None:
        nn = getattr(tf, "nn", None)
        for attribute, name in (
            ("relu", "relu"), ("softmax", "softmax"), ("sigmoid", "sigmoid"), ("tanh", "tanh"), ("elu", "elu"),
            ("selu", "selu"), ("gelu", "gelu"), ("softplus", "softplus"), ("softsign", "softsign"), ("swish", "swish"),
            ("silu", "silu"), ("leaky_relu", "leaky_relu"), ("relu6", "relu6"), ("log_softmax", "log_softmax"),
        ):  # fmt: skip
            if hasattr(nn, attribute):
                known.append((getattr(nn, attribute), name))
        for attribute, name in (("sigmoid", "sigmoid"), ("tanh", "tanh"), ("exp", "exponential")):
            if hasattr(getattr(tf, "math", None), attribute):
                known.append((getattr(tf.math, attribute), name))
    return known


def _layer_entry(layer: Any) -> dict:
    name = type(layer).__name__
    config = layer.get_config()
    return {"class": name, **{key: _plain_json(config.get(key)) for key in LAYERS[name].settings if key in config}}


def _is_keras_class(value: Any, names: Any) -> bool:
    kind = type(value)
    return kind.__name__ in names and kind.__module__.split(".")[0] == "keras"


def _describe_activation(function: Any, known: list[tuple[Any, str]]) -> str | dict:
    """A layer's activation: its name, an activation layer's entry, or why it cannot be named."""
    for candidate, name in known:
        if function is candidate:
            return name
    if _is_keras_class(function, ACTIVATION_LAYERS):
        return _layer_entry(function)
    import keras

    return "custom-layer" if isinstance(function, keras.layers.Layer) else "custom-function"


def _single_link(reference: Any) -> str | None:
    """The layer a functional config's [name, node, tensor] reference points at, if it is one tensor of a first call."""
    if type(reference) in (list, tuple) and len(reference) == 1:
        reference = reference[0]
    if type(reference) in (list, tuple) and len(reference) == 3 and type(reference[0]) is str and tuple(reference[1:]) == (0, 0):
        return reference[0]
    return None


def _functional_chain(model: Any) -> list | str:
    """The layers of a functional model that is one chain from one Input to one output, else a refusal code."""
    config = model.get_config()
    entries, layers = config.get("layers", []), list(model.layers)
    if not layers or type(layers[0]).__name__ != "InputLayer" or len(entries) != len(layers):
        return "model-graph"
    first, last = _single_link(config.get("input_layers")), _single_link(config.get("output_layers"))
    previous = entries[0].get("name")
    if first != previous:
        return "model-graph"
    for entry in entries[1:]:
        nodes = entry.get("inbound_nodes")
        if type(nodes) is not list or len(nodes) != 1:
            return "model-shared" if type(nodes) is list and len(nodes) > 1 else "model-graph"
        args, kwargs = nodes[0].get("args"), nodes[0].get("kwargs") or {}
        if type(args) not in (list, tuple) or len(args) != 1 or type(args[0]) is not dict:
            return "model-graph"
        source = _single_link((args[0].get("config") or {}).get("keras_history"))
        # Keras records the call's defaults (training=False, mask=None); anything else changes what the layer does.
        defaults = type(kwargs) is dict and all(
            value is None or (key == "training" and value is False) for key, value in kwargs.items()
        )
        if source != previous or not defaults:
            return "model-graph"
        previous = entry.get("name")
    if last != previous:
        return "model-graph"
    return layers[1:]


def describe_model(model: Any) -> tuple[dict, list[np.ndarray]] | str:
    """A Sequential or linear functional model as (spec, weights), or the reason it cannot cross (a short code)."""
    import keras

    kind = type(model)
    if kind is keras.Sequential:
        api, layers = "Sequential", list(model.layers)
    elif kind.__name__ == "Functional" and kind.__module__.startswith("keras."):
        api, layers = "Functional", _functional_chain(model)
        if isinstance(layers, str):
            return layers
    else:
        return "model-subclassed" if isinstance(model, keras.Model) else "model-class"
    if len({id(layer) for layer in layers}) != len(layers):  # Sequential([dense, dense]): one set of weights, used twice
        return "model-shared"
    known, entries = _known_activations(keras), []
    for layer in layers:
        if isinstance(layer, keras.Model):
            return "model-nested"
        if not _is_keras_class(layer, LAYERS):
            return "model-layer"
        entry = _layer_entry(layer)
        if "activation" in entry:
            entry["activation"] = _describe_activation(layer.activation, known)
        entries.append(entry)
    try:
        input_shape = list(model.input_shape)
    except (AttributeError, ValueError, TypeError):
        return "model-unbuilt"
    compile_config = _plain_json(model.get_compile_config()) if model.compiled else None
    spec = {"class": api, "input_shape": input_shape, "layers": entries, "compile": compile_config}
    return spec, [np.asarray(w) for w in model.get_weights()]


# ---------------------------------------------------------------- grader side: check, then build


APIS = ("Sequential", "Functional")  # how a model was built; rebuilt the same way


@dataclass(frozen=True)
class Plan:
    """A checked spec: what would be built, and what it costs."""

    input_shape: Shape
    layers: list[tuple[str, dict]]  # class name, checked settings (activations normalised)
    weight_shapes: list[Shape]
    macs: int
    peak_values: int  # the most values one input has alive at once (a layer's input and output)
    api: str = "Sequential"  # which Keras API built it (APIS)

    @property
    def parameters(self) -> int:
        return sum(math.prod(shape) for shape in self.weight_shapes)


def _checked_layer(entry: Any, shape: Shape) -> tuple[str, dict, Shape, list[Shape], int]:
    """One layer entry against the table: (name, settings, output shape, weight shapes, multiply-adds)."""
    name = entry.get("class") if type(entry) is dict else None
    if name not in LAYERS:
        raise ModelRefused(f"it has a layer the grader cannot rebuild (supported: {SUPPORTED})")
    rule = LAYERS[name]
    try:
        settings = {key: check(entry[key]) for key, check in rule.settings.items() if entry.get(key) is not None}
        if type(settings.get("activation")) is dict:  # only a layer's own activation may be a layer (see _unfolded)
            raise ModelRefused("an activation layer inside another activation layer")
        output, weights, cost = rule.shapes(shape, settings)
    except ModelRefused as refused:
        raise ModelRefused(f"its {name} layer has {refused}") from None
    except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError):
        raise ModelRefused(f"its {name} layer lacks a setting or has one the grader cannot follow") from None
    return name, settings, output, weights, cost


def _unfolded(entries: list) -> list:
    """Activation layer objects given as a layer's activation become their own layer after it (then folded back
    where they compute a named activation): Dense(8, activation=ReLU()) is Dense(8) then ReLU()."""
    flat = []
    for entry in entries:
        activation = entry.get("activation") if type(entry) is dict else None
        if type(activation) is dict and activation.get("class") in ACTIVATION_LAYERS:
            flat += [{**entry, "activation": "linear"}, activation]
        else:
            flat.append(entry)
    return flat


def _folded(layers: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """An activation layer right after a layer with a linear activation becomes that layer's activation:
    Dense(256) then Activation("relu") (or ReLU()) is Dense(256, activation="relu"): the same function."""
    result: list[tuple[str, dict]] = []
    for name, settings in layers:
        named = _activation_name(name, settings) if name in ACTIVATION_LAYERS else None
        before = result[-1] if result else None
        if named is not None and before is not None and before[1].get("activation", "linear") == "linear" and (
            "activation" in LAYERS[before[0]].settings
        ):
            result[-1] = (before[0], {**before[1], "activation": named})
        else:
            result.append((name, settings))
    return result


def plan_model(spec: Any, max_layers: int) -> Plan:
    """Check a spec against the layer table without Keras and without allocating anything."""
    if type(spec) is not dict or spec.get("class") not in APIS or type(spec.get("layers")) is not list:
        raise ModelRefused("it is not a keras.Sequential model or a functional model that is one chain of layers")
    entries = _unfolded(spec["layers"][: max_layers + 1])
    if len(entries) > max_layers:  # counted as built: an activation object is a layer of its own
        raise ModelRefused(f"it has more than {max_layers} layers")
    raw_shape = spec.get("input_shape")
    if type(raw_shape) is not list or not 2 <= len(raw_shape) <= 5 or not all(
        type(d) is int and 1 <= d <= 100_000 for d in raw_shape[1:]
    ):
        raise ModelRefused("its input shape is unknown or not fixed: start the model with keras.Input(shape=...)")
    shape: Shape = tuple(raw_shape[1:])
    layers, weight_shapes, macs, peak = [], [], 0, math.prod(shape)
    for entry in entries:
        name, settings, output, weights, cost = _checked_layer(entry, shape)
        peak = max(peak, math.prod(shape) + math.prod(output))
        shape = output
        layers.append((name, settings))
        weight_shapes += weights
        macs += cost
    return Plan(tuple(raw_shape[1:]), _folded(layers), weight_shapes, macs, peak, spec["class"])


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
        if plan.api == "Functional":
            inputs = outputs = keras.Input(shape=plan.input_shape)
            for layer in layers:
                outputs = layer(outputs)
            model = keras.Model(inputs, outputs)
        else:
            model = keras.Sequential([keras.Input(shape=plan.input_shape), *layers])
        if weights:
            model.set_weights(weights)
    except (TypeError, ValueError) as error:
        raise ModelRefused(f"Keras could not rebuild it ({type(error).__name__})") from None
    _compile(model, spec.get("compile"))
    if guard is not None:
        guard(model, plan.peak_values)
    return model
