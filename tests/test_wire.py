"""The wire codec between kernel and grader, without a kernel: round trips, refusals, budgets, models.

These run in seconds, so a change to the most security-critical code is checked at once; the
attack notebooks in tests/attacks/ check the same promises through real kernels.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from autograder.engine import models, wire
from autograder.engine.wire import BudgetExceeded, PlainDataError
from autograder.limits import LOCAL, IntakeLimits

LIMITS = LOCAL.intake


def round_trip(value, tmp_path: Path, limits: IntakeLimits = LIMITS, budget: wire.Budget | None = None):
    path = tmp_path / f"answer-{os.urandom(4).hex()}"
    wire.write(value, str(path))
    return wire.read(str(path), limits, budget)


def crafted(tmp_path: Path, meta: dict | bytes, data: bytes = b"", magic: bytes = wire.MAGIC) -> str:
    """An answer file written by hand, as a hostile kernel could."""
    raw = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
    head = magic + struct.pack("<Q", len(raw)) + raw
    path = tmp_path / f"crafted-{os.urandom(4).hex()}"
    path.write_bytes(head + b"\0" * (-len(head) % wire.ALIGNMENT) + data)
    return str(path)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -7, 10**300, 0.25, float("inf"), "", "héllo\n", [1, [2, (3, "x")]], (), {"a": [1.5, None]}],
    ids=repr,
)
def test_plain_values_cross_as_exact_builtins(value, tmp_path):
    back = round_trip(value, tmp_path)
    assert back == value and type(back) is type(value)


def test_nan_crosses(tmp_path):
    assert np.isnan(round_trip(float("nan"), tmp_path))


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
                                   "float16", "float32", "float64"])
def test_numeric_arrays_cross_with_dtype_and_shape(dtype, tmp_path):
    array = (np.arange(24).reshape(2, 3, 4) % 2).astype(dtype)
    back = round_trip(array, tmp_path)
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == (2, 3, 4)
    assert np.array_equal(back, array) and back.flags.writeable


@pytest.mark.parametrize("array", [np.array(3.5), np.zeros((0, 784), np.float32), np.arange(10)[::3],
                                   np.arange(6, dtype=">f8").reshape(2, 3), np.asfortranarray(np.eye(3))],
                         ids=["0-d", "empty", "strided", "big-endian", "fortran"])
def test_unusual_arrays_keep_their_values(array, tmp_path):
    back = round_trip(array, tmp_path)
    assert back.shape == array.shape and np.array_equal(back, array)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(np.float64(0.97), 0.97), (np.float32(0.5), 0.5), (np.int64(717210), 717210), (np.uint8(7), 7),
     (np.bool_(True), True), (np.str_("Coat"), "Coat")],
    ids=lambda v: type(v).__name__,
)
def test_numpy_scalars_cross_as_the_python_values_they_stand_for(value, expected, tmp_path):
    back = round_trip(value, tmp_path)
    assert back == expected and type(back) is type(expected)


def test_numpy_scalars_inside_containers(tmp_path):
    back = round_trip((np.intp(2), np.intp(4)), tmp_path)
    assert back == (2, 4) and all(type(v) is int for v in back)


def test_arrays_are_fresh_copies_each_time(tmp_path):
    array = np.ones(5)
    first, second = round_trip(array, tmp_path), round_trip(array, tmp_path)
    first[0] = 9
    assert second[0] == 1 and array[0] == 1


# ---------------------------------------------------------------- what does not cross


class Lies(int):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize(("value", "type_name"), [({1, 2}, "set"), (object(), "object"), (Lies(1), "object"),
                                                  (np.array([1]).view(type("Sub", (np.ndarray,), {})), "object"),
                                                  ({1: "int key"}, "dict")])
def test_other_values_become_behaviourless_placeholders(value, type_name, tmp_path):
    back = round_trip(value, tmp_path)
    assert isinstance(back, wire.StudentObject) and type(back).__name__ == type_name
    assert back != 1 and not isinstance(back, (int, np.ndarray))


def test_type_names_outside_the_vocabulary_show_as_object(tmp_path):
    hidden_input = type("images_were_0_12_255", (), {})()
    assert type(round_trip(hidden_input, tmp_path)).__name__ == "object"


def test_placeholders_share_one_class_per_name(tmp_path):
    before = len(wire._OPAQUE_TYPES)
    for n in range(200):
        round_trip(type(f"Kind{n}", (), {})(), tmp_path)
    assert len(wire._OPAQUE_TYPES) <= before + 1


@pytest.mark.parametrize(
    ("value", "words"),
    [(10**200_000, "integer with more digits"), (np.array(["a", "b"]), "only numbers and booleans"),
     (np.array([object()]), "only numbers and booleans")],
    ids=["huge int", "string array", "object array"],
)
def test_refused_values_say_why_in_the_students_terms(value, words, tmp_path):
    with pytest.raises(PlainDataError, match=words):
        round_trip(value, tmp_path)


def test_deep_nesting_is_refused(tmp_path):
    value: list = []
    for _ in range(40):
        value = [value]
    with pytest.raises(PlainDataError):
        round_trip(value, tmp_path)


# ---------------------------------------------------------------- hostile files


def test_files_not_in_the_format_are_refused(tmp_path):
    for raw in (b"", b"PK\x03\x04 a zip", b"\x93NUMPY an npy", wire.MAGIC + b"\x01"):
        path = tmp_path / "bad"
        path.write_bytes(raw)
        with pytest.raises(PlainDataError):
            wire.read(str(path), LIMITS)


@pytest.mark.parametrize(
    "meta",
    [b"{not json", b"[1, 2]", b"[" * 100_000 + b"]" * 100_000, {"tree": {"kind": "pickle", "value": "x"}},
     {"tree": {"kind": "int", "value": "12x"}}, {"tree": {"kind": "dict", "items": [[1, {"kind": "none"}]]}},
     {"tree": {"kind": "ndarray", "ref": 0}, "arrays": [{"dtype": "|O", "shape": [1], "offset": 0}]},
     {"tree": {"kind": "ndarray", "ref": 0}, "arrays": [{"dtype": "<U4", "shape": [1], "offset": 0}]},
     {"tree": {"kind": "ndarray", "ref": 0}, "arrays": [{"dtype": "<f8", "shape": [100], "offset": 0}]},
     {"tree": {"kind": "ndarray", "ref": 0}, "arrays": [{"dtype": "<f8", "shape": [1], "offset": -8}]},
     {"tree": {"kind": "ndarray", "ref": 3}, "arrays": []}],
    ids=["json", "not-a-dict", "deep-json", "unknown-kind", "bad-int", "int-key", "object-dtype", "str-dtype",
         "past-end", "negative-offset", "missing-ref"],
)
def test_malformed_answers_are_refused(meta, tmp_path):
    with pytest.raises(PlainDataError):
        wire.read(crafted(tmp_path, meta, b"\0" * 8), LIMITS)


def test_an_array_may_be_used_once(tmp_path):
    tree = {"kind": "list", "items": [{"kind": "ndarray", "ref": 0}] * 3}
    meta = {"tree": tree, "arrays": [{"dtype": "<f8", "shape": [1], "offset": 0}]}
    with pytest.raises(PlainDataError, match="already used"):
        wire.read(crafted(tmp_path, meta, b"\0" * 8), LIMITS)


def test_arrays_may_not_share_bytes(tmp_path):
    tree = {"kind": "list", "items": [{"kind": "ndarray", "ref": 0}, {"kind": "ndarray", "ref": 1}]}
    meta = {"tree": tree, "arrays": [{"dtype": "<f8", "shape": [2], "offset": 0}, {"dtype": "<f8", "shape": [2], "offset": 8}]}
    with pytest.raises(PlainDataError, match="overlap"):
        wire.read(crafted(tmp_path, meta, b"\0" * 24), LIMITS)


def test_predictions_of_a_rebuilt_model_run_in_bounded_batches_within_the_deadline(tmp_path):
    import keras

    calls = []
    back = wire.read(_written(lesson_model(), tmp_path), LIMITS, guard=lambda model, peak: models.guard_predictions(
        model, peak, max_bytes=4 * (784 + 128) * 100, before_batch=lambda: calls.append(1)))
    assert type(back) is keras.Sequential
    assert back.predict(np.zeros((1000, 784), np.float32), batch_size=1000).shape == (1000, 10)
    assert len(calls) == 10  # 100 images per batch fit the budget, whatever batch size was asked for

    def deadline():
        raise TimeoutError("the judge's time is up")

    models.guard_predictions(back, 912, 10**9, deadline)
    with pytest.raises(TimeoutError):
        back.predict(np.zeros((10, 784), np.float32))


def _written(value, tmp_path: Path) -> str:
    path = tmp_path / f"answer-{os.urandom(4).hex()}"
    wire.write(value, str(path))
    return str(path)


def test_a_shape_cannot_carry_large_numbers_for_free(tmp_path):
    meta = {"tree": {"kind": "ndarray", "ref": 0}, "arrays": [{"dtype": "<f8", "shape": [0, 10**12, 7], "offset": 0}]}
    with pytest.raises(PlainDataError, match="shape"):
        wire.read(crafted(tmp_path, meta), LIMITS)
    meta["arrays"][0]["shape"] = [1] * (LIMITS.array_dims + 1)
    with pytest.raises(PlainDataError, match="dimensions"):
        wire.read(crafted(tmp_path, meta, b"\0" * 8), LIMITS)


@pytest.mark.parametrize("kind", ["symlink", "fifo", "directory", "missing"])
def test_only_regular_files_are_read_and_no_path_is_shown(kind, tmp_path):
    path = tmp_path / "answer"
    if kind == "symlink":
        secret = tmp_path / "secret"
        wire.write(717210, str(secret))
        path.symlink_to(secret)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    with pytest.raises(PlainDataError) as refused:
        wire.read(str(path), LIMITS)
    assert str(tmp_path) not in str(refused.value) and "answer" not in str(refused.value).split("kernel")[0]


# ---------------------------------------------------------------- budgets


def test_one_answer_larger_than_the_limit_is_refused_before_it_is_read(tmp_path):
    small = IntakeLimits(answer_bytes=1024)
    with pytest.raises(PlainDataError, match="larger than"):
        round_trip(np.zeros(1000), tmp_path, small)


def test_the_grading_budget_covers_every_answer_together(tmp_path):
    budget = wire.Budget(total_bytes=50_000, total_items=10**6)
    round_trip(np.zeros(4000), tmp_path, budget=budget)  # 32 kB
    with pytest.raises(BudgetExceeded):
        round_trip(np.zeros(4000), tmp_path, budget=budget)
    with pytest.raises(BudgetExceeded):  # and it stays exhausted
        round_trip(1, tmp_path, budget=budget)


def test_items_are_counted_per_answer_and_per_grading(tmp_path):
    with pytest.raises(PlainDataError, match="items"):
        round_trip(list(range(2000)), tmp_path, IntakeLimits(answer_items=1000))
    budget = wire.Budget(total_bytes=10**9, total_items=1500)
    round_trip(list(range(1000)), tmp_path, budget=budget)
    with pytest.raises(BudgetExceeded):
        round_trip(list(range(1000)), tmp_path, budget=budget)


def test_long_text_is_refused(tmp_path):
    with pytest.raises(PlainDataError, match="string longer"):
        round_trip("x" * 101, tmp_path, IntakeLimits(text_chars=100))


# ---------------------------------------------------------------- models


def lesson_model():
    import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def small_cnn():
    import keras

    return keras.Sequential([
        keras.Input(shape=(12, 12, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(2),
        keras.layers.BatchNormalization(),
        keras.layers.Conv2D(6, (3, 3), strides=2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(3, activation="softmax"),
    ])


@pytest.mark.parametrize("build", [lesson_model, small_cnn])
def test_models_cross_with_their_layers_weights_and_predictions(build, tmp_path):
    import keras

    model = build()
    back = round_trip(model, tmp_path)
    assert type(back) is keras.Sequential and back is not model
    assert [type(layer).__name__ for layer in back.layers] == [type(layer).__name__ for layer in model.layers]
    assert back.count_params() == model.count_params()
    inputs = np.random.default_rng(0).random((4, *model.input_shape[1:]), dtype=np.float32)
    assert np.allclose(back.predict(inputs, verbose=0), model.predict(inputs, verbose=0), atol=1e-6)


def test_compile_settings_are_vetted(tmp_path):
    config = round_trip(lesson_model(), tmp_path).get_compile_config()
    assert config["optimizer"]["class_name"] == "Adam" and config["loss"] == "categorical_crossentropy"
    assert config["metrics"] == ["accuracy"]


def test_a_model_without_an_input_shape_is_refused(tmp_path):
    import keras

    unbuilt = keras.Sequential([keras.layers.Dense(10_000), keras.layers.Dense(10_000)])
    with pytest.raises(PlainDataError, match=r"keras\.Input"):
        round_trip(unbuilt, tmp_path)


def spec_of(model) -> tuple[dict, list]:
    spec, weights = models.describe_model(model)
    return spec, weights


def test_parameters_are_counted_from_the_configuration_before_anything_is_built():
    spec, weights = spec_of(lesson_model())
    plan = models.plan_model(spec, max_layers=64)
    assert plan.parameters == 101_770 and plan.macs == 784 * 128 + 128 * 10
    spec["layers"][0]["units"] = 100_000  # 78 M parameters claimed, no weights sent for them
    with pytest.raises(models.ModelRefused, match="parameters"):
        models.build_model(spec, weights, 64, LIMITS.parameters, LIMITS.macs_per_input)


def test_weights_must_match_the_layers_exactly():
    spec, weights = spec_of(lesson_model())
    swapped = [weights[0].reshape(128, 784), *weights[1:]]
    with pytest.raises(models.ModelRefused, match="weights"):
        models.build_model(spec, swapped, 64, LIMITS.parameters, LIMITS.macs_per_input)


def test_expensive_models_are_refused_by_multiply_adds():
    spec, weights = spec_of(small_cnn())
    with pytest.raises(models.ModelRefused, match="multiply-adds"):
        models.build_model(spec, weights, 64, LIMITS.parameters, max_macs=1000)


@pytest.mark.parametrize(
    ("change", "words"),
    [(lambda s: s["layers"].append({"class": "Lambda"}), "cannot rebuild"),
     (lambda s: s["layers"][0].update(activation="custom"), "activation"),
     (lambda s: s["layers"][0].update(units=-3), "integer setting"),
     (lambda s: s.update(input_shape=[None, None]), "input shape"),
     (lambda s: s.update({"class": "MyModel"}), "Sequential")],
    ids=["layer", "activation", "units", "input", "class"],
)
def test_specs_outside_the_table_are_refused(change, words):
    spec, weights = spec_of(lesson_model())
    change(spec)
    with pytest.raises(models.ModelRefused, match=words):
        models.build_model(spec, weights, 64, LIMITS.parameters, LIMITS.macs_per_input)


def test_every_layer_of_the_table_matches_keras_parameter_count():
    """The table's arithmetic agrees with Keras for each layer type, so no model is refused or mis-sized by it."""
    import keras

    layers = {
        "Dense": keras.layers.Dense(5), "Conv2D": keras.layers.Conv2D(3, 2, strides=(1, 2), padding="valid"),
        "MaxPooling2D": keras.layers.MaxPooling2D(2, padding="same"), "AveragePooling2D": keras.layers.AveragePooling2D(3),
        "GlobalAveragePooling2D": keras.layers.GlobalAveragePooling2D(), "GlobalMaxPooling2D": keras.layers.GlobalMaxPooling2D(),
        "Flatten": keras.layers.Flatten(), "Reshape": keras.layers.Reshape((-1,)), "Dropout": keras.layers.Dropout(0.1),
        "Activation": keras.layers.Activation("tanh"), "BatchNormalization": keras.layers.BatchNormalization(center=False),
        "Softmax": keras.layers.Softmax(), "ReLU": keras.layers.ReLU(max_value=6.0), "LeakyReLU": keras.layers.LeakyReLU(0.1),
    }
    assert set(layers) == set(models.LAYERS)
    for name, layer in layers.items():
        model = keras.Sequential([keras.Input(shape=(9, 9, 2)), layer])
        spec, weights = spec_of(model)
        plan = models.plan_model(spec, 64)
        assert plan.parameters == model.count_params(), name
        assert [tuple(w.shape) for w in weights] == plan.weight_shapes, name
