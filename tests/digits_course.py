"""A third lesson as a new instructor would write it: scikit-learn's bundled digits, no dataset (test helper).

Its data ships inside a package (``sklearn.datasets.load_digits``: 1,797 images of 8x8 pixels,
offline everywhere), so the master declares ``"datasets": []`` and ships no file beside the
notebook; its hidden tests load the same data in the grader. It trains a small Dense network (a
few seconds) and checks a calibrated minimum accuracy, like the lessons.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from .tiny_course import _code, _raw, assignment_config

NAME = "digits_nn"
POINTS = {"q1": 2, "q2": 2, "q3": 1, "q4": 2}

CONFIG = assignment_config(NAME)

SETUP = """import numpy as np
import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SEED = 42
keras.utils.set_random_seed(SEED)
digits = load_digits()  # bundled with scikit-learn: no download
X_train, X_test, y_train, y_test = train_test_split(
    digits.images, digits.target, test_size=0.25, random_state=0, stratify=digits.target
)"""

GRADER_DATA = """    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        digits.images, digits.target, test_size=0.25, random_state=0, stratify=digits.target
    )"""

PREPARE = '''def prepare_images(images):
    """(n, 8, 8) pixel values 0..16 -> (n, 64) float32 values in 0..1."""
    # BEGIN SOLUTION
    return images.reshape(len(images), -1).astype(np.float32) / 16.0
    # END SOLUTION'''

BUILD = '''def build_model(num_classes=10):
    """Dense(32, relu) -> Dense(num_classes, softmax) on 64 inputs, compiled with adam and categorical cross-entropy."""
    # BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
    # END SOLUTION'''

TRAIN = """X_train_flat, X_test_flat = prepare_images(X_train), prepare_images(X_test)
model = build_model()
history = model.fit(X_train_flat, keras.utils.to_categorical(y_train, 10), epochs=30, batch_size=32, verbose=0)"""

EVALUATE = "test_loss, test_acc = model.evaluate(X_test_flat, keras.utils.to_categorical(y_test, 10), verbose=0)  # SOLUTION"

Q1_TESTS = [
    '''def test_prepare_returns_flat_floats(prepare_images, np):
    result = prepare_images(np.zeros((3, 8, 8)))
    assert isinstance(result, np.ndarray) and result.shape == (3, 64), "prepare_images should return an (n, 64) array."''',
    f'''# HIDDEN
def test_prepare_scales_the_digits_into_0_to_1(prepare_images, np):
{GRADER_DATA}
    result = prepare_images(X_test)
    assert isinstance(result, np.ndarray) and result.shape == (len(X_test), 64), "prepare_images should return (n, 64)."
    assert np.allclose(result, X_test.reshape(len(X_test), -1) / 16.0), "Divide each pixel by 16, the largest value."''',
]

Q2_TESTS = [
    '''def test_build_model_returns_a_sequential_model(build_model):
    import keras

    assert isinstance(build_model(), keras.Sequential), "build_model should return a keras.Sequential model."''',
    '''# HIDDEN
def test_build_model_layers(build_model):
    import keras

    model = build_model()
    assert isinstance(model, keras.Sequential), "build_model should return a keras.Sequential model."
    units = [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert units == [32, 10], f"The Dense layers have {units} units; see the question."
    assert model.count_params() == 2410, "The layers or their inputs differ from the question's."''',
]

Q3_TESTS = [
    '''def test_total_params_is_an_int(total_params):
    assert isinstance(total_params, int) and not isinstance(total_params, bool), "total_params should be an int."''',
    '''# HIDDEN
def test_total_params_value(total_params):
    assert total_params == 2410, "total_params is not the number of parameters: count each layer's weights and biases."''',
]

Q4_TESTS = [
    '''def test_test_acc_is_a_fraction(test_acc):
    assert isinstance(test_acc, float) and 0 <= test_acc <= 1, "test_acc should be a float between 0 and 1."''',
    f'''# HIDDEN
def test_model_reaches_minimum_test_accuracy(model, np):
    import keras

    assert isinstance(model, keras.Model), "There is no trained model called `model`."
{GRADER_DATA}
    predicted = np.asarray(model.predict(X_test.reshape(len(X_test), -1) / 16.0, verbose=0)).argmax(axis=1)
    accuracy = float(np.mean(predicted == y_test))
    assert accuracy >= 0.9, "Your trained model classifies too few test digits correctly: train it as the question says."''',
]


def _question(name: str, prose: str, solution: list[str], tests: list[str], after: list[str] = ()) -> list:
    cells = [_raw(f"# BEGIN QUESTION\nname: {name}\npoints: {POINTS[name]}"), nbformat.v4.new_markdown_cell(prose)]
    cells += [_raw("# BEGIN SOLUTION"), *map(_code, solution), _raw("# END SOLUTION"), *map(_code, after)]
    cells += [_raw("# BEGIN TESTS"), *map(_code, tests), _raw("# END TESTS"), _raw("# END QUESTION")]
    return cells


def master_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["autograder"] = {"title": "Handwritten digits, 8x8", "datasets": []}
    notebook.cells = [
        _raw(CONFIG),
        nbformat.v4.new_markdown_cell("# Handwritten digits, 8x8\n\nscikit-learn's own small digits."),
        _code(SETUP),
        *_question("q1", "Write `prepare_images`.", [PREPARE], Q1_TESTS),
        *_question("q2", "Write `build_model`; the next cell trains it.", [BUILD], Q2_TESTS, after=[TRAIN]),
        *_question("q3", "Count its parameters by hand.", ["total_params = (64 * 32 + 32) + (32 * 10 + 10)  # SOLUTION"],
                   Q3_TESTS),
        *_question("q4", "Measure its accuracy on the test digits.", [EVALUATE], Q4_TESTS),
    ]
    return notebook


def write_master(root: Path) -> Path:
    """This master notebook in root/solutions/ (one more assignment in a copy of this repository)."""
    (root / "solutions").mkdir(parents=True, exist_ok=True)
    path = root / "solutions" / f"{NAME}.ipynb"
    nbformat.write(master_notebook(), path)
    return path
