"""Reading a student's model as plain data, without a kernel: which models cross, in which form, and which are refused.

Every honest way of writing the same linear stack (keras.Sequential or the functional API;
activations by name, as Keras's or TensorFlow's functions, as layer objects or as their own
layers) gives the same checked plan and a rebuilt model that predicts exactly like the original;
every model the grader cannot rebuild faithfully is refused with a reason the student can act on.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import numpy as np
import pytest

from autograder.engine import models, wire
from autograder.engine.wire import PlainDataError
from autograder.limits import LOCAL

LIMITS = LOCAL.intake


def round_trip(value, tmp_path: Path):
    path = tmp_path / f"answer-{os.urandom(4).hex()}"
    wire.write(value, str(path))
    return wire.read(str(path), LIMITS)


def plan_of(model) -> models.Plan:
    described = models.describe_model(model)
    assert not isinstance(described, str), described
    return models.plan_model(described[0], LIMITS.layers)


def sequential(*layers, width=6):
    import keras

    return keras.Sequential([keras.Input(shape=(width,)), *layers])


def functional(*layers, width=6):
    import keras

    inputs = outputs = keras.Input(shape=(width,))
    for layer in layers:
        outputs = layer(outputs)
    return keras.Model(inputs, outputs)


def same_predictions(a, b, width=6) -> bool:
    inputs = np.random.default_rng(0).normal(size=(5, width)).astype("float32")
    return np.allclose(a.predict(inputs, verbose=0), b.predict(inputs, verbose=0), atol=1e-5)


# ---------------------------------------------------------------- which API built it


def test_a_functional_chain_crosses_as_a_functional_model(tmp_path):
    import keras

    model = functional(
        keras.layers.Dense(5, activation="relu"), keras.layers.Dropout(0.2), keras.layers.Dense(3, activation="softmax")
    )
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
    back = round_trip(model, tmp_path)
    # The truth about its class: what `isinstance(model, keras.Sequential)` says in the notebook, it says here.
    assert type(back).__name__ == "Functional" and not isinstance(back, keras.Sequential)
    assert [type(layer).__name__ for layer in back.layers] == ["InputLayer", "Dense", "Dropout", "Dense"]
    assert back.count_params() == model.count_params() and same_predictions(back, model)
    config = back.get_compile_config()
    assert config["optimizer"]["class_name"] == "Adam" and config["loss"]["class_name"] == "CategoricalCrossentropy"


def test_a_sequential_model_stays_sequential(tmp_path):
    import keras

    back = round_trip(sequential(keras.layers.Dense(3, activation="softmax")), tmp_path)
    assert type(back) is keras.Sequential


def test_a_rebuilt_functional_model_crosses_back_into_the_kernel(tmp_path):
    """The grader sends the model it rebuilt to the student's functions (predict_labels(model, ...))."""
    import keras

    once = round_trip(functional(keras.layers.Dense(3, activation="softmax")), tmp_path)
    twice = round_trip(once, tmp_path)
    assert type(twice).__name__ == "Functional" and same_predictions(once, twice)


# ---------------------------------------------------------------- one architecture, many spellings


def activation_styles():
    import keras
    import tensorflow as tf

    return {
        "names": [keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3, activation="softmax")],
        "keras functions": [keras.layers.Dense(8, activation=keras.activations.relu),
                            keras.layers.Dense(3, activation=keras.activations.softmax)],
        "tf.nn functions": [keras.layers.Dense(8, activation=tf.nn.relu), keras.layers.Dense(3, activation=tf.nn.softmax)],
        "layer objects": [keras.layers.Dense(8, activation=keras.layers.ReLU()),
                          keras.layers.Dense(3, activation=keras.layers.Softmax())],
        "own layers": [keras.layers.Dense(8), keras.layers.ReLU(), keras.layers.Dense(3), keras.layers.Softmax()],
        "Activation layers": [keras.layers.Dense(8), keras.layers.Activation("relu"), keras.layers.Dense(3),
                              keras.layers.Activation("softmax")],
    }  # fmt: skip


@pytest.mark.parametrize("api", [sequential, functional], ids=["sequential", "functional"])
@pytest.mark.parametrize("style", list(activation_styles()))
def test_every_spelling_of_one_stack_gives_the_same_plan_and_predictions(style, api, tmp_path):
    import keras

    model = api(*activation_styles()[style])
    plan = plan_of(model)
    assert [(name, settings["units"], settings["activation"]) for name, settings in plan.layers] == [
        ("Dense", 8, "relu"), ("Dense", 3, "softmax")]  # fmt: skip
    assert plan.parameters == model.count_params() == 6 * 8 + 8 + 8 * 3 + 3
    back = round_trip(model, tmp_path)
    dense = [layer for layer in back.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert [keras.activations.serialize(layer.activation) for layer in dense] == ["relu", "softmax"]
    assert same_predictions(back, model)


def test_activation_layers_that_are_no_named_activation_are_kept_as_layers(tmp_path):
    import keras

    model = sequential(keras.layers.Dense(4, activation=keras.layers.LeakyReLU(negative_slope=0.1)),
                       keras.layers.Dense(3), keras.layers.ReLU(max_value=6.0), keras.layers.Dropout(0.1),
                       keras.layers.Activation("tanh"))  # fmt: skip
    plan = plan_of(model)
    assert [(name, settings.get("activation")) for name, settings in plan.layers] == [
        ("Dense", "linear"), ("LeakyReLU", None), ("Dense", "relu6"), ("Dropout", None), ("Activation", "tanh")]  # fmt: skip
    assert same_predictions(round_trip(model, tmp_path), model)


def test_an_activation_after_a_non_linear_layer_is_not_folded():
    import keras

    plan = plan_of(sequential(keras.layers.Dense(4, activation="tanh"), keras.layers.Activation("relu")))
    assert [name for name, _ in plan.layers] == ["Dense", "Activation"]


@pytest.mark.parametrize(
    ("activation", "words"),
    [("own function", "function of its own"), ("own function named relu", "function of its own"),
     ("PReLU object", "layer object other than")],
)  # fmt: skip
def test_activations_the_grader_cannot_name_are_refused_saying_what_they_are(activation, words, tmp_path):
    import keras

    def relu(x):  # the student's own, even under Keras's name, is not Keras's relu
        return keras.ops.maximum(x, 0.0) * 2.0

    given = {"own function": lambda x: x * 2.0, "own function named relu": relu, "PReLU object": keras.layers.PReLU()}
    model = sequential(keras.layers.Dense(3, activation=given[activation]))
    with pytest.raises(PlainDataError, match=f"its Dense layer has an activation given as a {words}"):
        round_trip(model, tmp_path)


# ---------------------------------------------------------------- refused, with the reason


def test_models_that_are_not_a_chain_of_layers_are_refused_with_what_is_supported(tmp_path):
    import keras

    inputs = keras.Input(shape=(6,))
    hidden = keras.layers.Dense(6)(inputs)
    residual = keras.Model(inputs, keras.layers.Add()([inputs, hidden]))
    shared_layer = keras.layers.Dense(6)
    shared = keras.Model(inputs, shared_layer(shared_layer(inputs)))
    other = keras.Input(shape=(6,))
    two_inputs = keras.Model([inputs, other], keras.layers.Dense(2)(keras.layers.Concatenate()([inputs, other])))
    two_outputs = keras.Model(inputs, [keras.layers.Dense(2)(inputs), keras.layers.Dense(3)(inputs)])
    nested = keras.Model(inputs, keras.Sequential([keras.layers.Dense(3)])(inputs))
    with_a_function = keras.Model(inputs, keras.layers.Dense(3)(keras.ops.relu(keras.layers.Dense(6)(inputs)) * 2.0))
    reused = keras.layers.Dense(6)
    shared_in_sequence = keras.Sequential([keras.Input(shape=(6,)), reused, reused])  # one set of weights, used twice

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x):
            return self.dense(x)

    subclassed = Subclassed()
    subclassed(np.zeros((1, 6), "float32"))
    cases = {
        residual: "model-graph", shared: "model-shared", two_inputs: "model-graph", two_outputs: "model-graph",
        nested: "model-nested", subclassed: "model-subclassed", with_a_function: "model-graph",
        shared_in_sequence: "model-shared",
    }  # fmt: skip
    for model, code in cases.items():
        assert models.describe_model(model) == code
        with pytest.raises(PlainDataError) as refused:
            round_trip(model, tmp_path)
        assert wire.REFUSALS[code] in str(refused.value)
    assert "one chain of layers" in wire.REFUSALS["model-subclassed"]


def test_a_functional_model_is_planned_under_the_same_limits(tmp_path):
    import keras

    described = models.describe_model(functional(keras.layers.Dense(128, activation="relu"), width=784))
    spec, weights = described
    spec["layers"][0]["units"] = 100_000  # 78 M parameters claimed, no weights sent for them
    with pytest.raises(models.ModelRefused, match="parameters"):
        models.build_model(spec, weights, LIMITS.layers, LIMITS.parameters, LIMITS.macs_per_input)
    deep = functional(*[keras.layers.Dense(2) for _ in range(LIMITS.layers + 1)])
    with pytest.raises(PlainDataError, match=f"more than {LIMITS.layers} layers"):
        round_trip(deep, tmp_path)


def test_activation_objects_cannot_double_the_layer_limit():
    """A layer's activation object becomes a layer of its own in the plan: the limit counts what is built."""
    import keras

    spec, weights = models.describe_model(sequential(*[keras.layers.Dense(2, activation=keras.layers.LeakyReLU(0.1))
                                                       for _ in range(40)]))  # fmt: skip
    with pytest.raises(models.ModelRefused, match="more than 64 layers"):
        models.build_model(spec, weights, 64, LIMITS.parameters, LIMITS.macs_per_input)


@pytest.mark.parametrize(
    ("change", "words"),
    [(lambda s: s["layers"][0].update(activation={"class": "Activation", "activation": {"class": "ReLU"}}), "inside"),
     (lambda s: s["layers"][0].update(activation={"class": "Dense", "units": 3}), "activation other than"),
     (lambda s: s["layers"][0].update(activation="custom-layer"), "layer object"),
     (lambda s: s.update({"class": "Subclassed"}), "one chain")],
    ids=["nested-activation", "dense-as-activation", "custom-layer", "unknown-api"],
)  # fmt: skip
def test_crafted_specs_are_refused(change, words):
    import keras

    spec, weights = models.describe_model(sequential(keras.layers.Dense(3, activation="relu")))
    change(spec)
    with pytest.raises(models.ModelRefused, match=words):
        models.build_model(spec, weights, 64, LIMITS.parameters, LIMITS.macs_per_input)


def test_a_spec_is_rebuilt_as_it_says_it_was_built():
    """The kernel may lie about the API; it then only changes which class its own model is judged as."""
    import keras

    spec, weights = models.describe_model(sequential(keras.layers.Dense(3, activation="relu")))
    spec["class"] = "Functional"
    rebuilt = models.build_model(spec, weights, 64, LIMITS.parameters, LIMITS.macs_per_input)
    assert type(rebuilt).__name__ == "Functional" and not isinstance(rebuilt, keras.Sequential)


# ---------------------------------------------------------------- the public checks agree with the grader


def public_model_checks() -> list:
    """The public checks (students run them) that say whether a builder's model is one the grader reads."""
    from otter.test_files.exception_test import ExceptionTestFile

    from autograder.course.assignments import ASSIGNMENTS

    found = []
    for name, assignment in sorted(ASSIGNMENTS.items()):
        for path in sorted((assignment.student_dir / "tests").glob("q*.py")):
            for case in ExceptionTestFile.from_file(str(path)).test_cases:
                if "one stack of layers" in inspect.getsource(case.body.test_func):
                    found.append((f"{name}-{path.stem}-{case.name}", case.body.test_func))
    return found


def test_the_public_checks_refuse_exactly_the_models_the_grader_cannot_read():
    """What passes in the student's notebook passes in the grader: a public check built on the same rule."""
    import keras

    inputs = keras.Input(shape=(784,))
    hidden = keras.layers.Dense(16)(inputs)
    reused = keras.layers.Dense(784)
    candidates = {
        "sequential": sequential(keras.layers.Dense(16, activation="relu"), keras.layers.Dense(10), width=784),
        "functional": functional(keras.layers.Dense(16), keras.layers.ReLU(), keras.layers.Dense(10), width=784),
        "branches": keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Concatenate()([inputs, hidden]))),
        "keras.ops": keras.Model(inputs, keras.layers.Dense(10)(keras.ops.relu(hidden))),
        "shared": keras.Model(inputs, keras.layers.Dense(10)(reused(reused(inputs)))),
        "nested": sequential(keras.Sequential([keras.layers.Dense(16)]), keras.layers.Dense(10), width=784),
    }
    checks = public_model_checks()
    assert len(checks) == 4  # build_model and build_deeper_model, in both assignments
    for label, check in checks:
        for kind, model in candidates.items():
            values = {"np": np, "model2_total_params": 1, "model2_improved": True}
            arguments = {n: (lambda *a, m=model, **k: m) if n.startswith("build") else values[n]
                         for n in inspect.signature(check).parameters}  # fmt: skip
            try:
                check(**arguments)
                public = True
            except AssertionError as failed:
                public = "one stack of layers" not in str(failed)
            assert public == (not isinstance(models.describe_model(model), str)), (label, kind)
