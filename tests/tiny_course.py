"""A small course written from scratch in a folder: one master notebook, a CNN assignment (test helper).

It proves that an assignment is a master notebook and nothing else: its questions use layers the
two lessons do not (Conv2D, MaxPooling2D, Flatten), its data is generated in the notebook, and its
hidden tests check the network without training it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.course.paths import OTTER_CONFIG

NAME = "tiny_cnn"
POINTS = {"q1": 2, "q2": 1, "q3": 1}
LIGHT_QUESTION = "q2"  # a question whose reference cells take about a second


def assignment_config(name: str) -> str:
    """The otter-assign config cell of a small test assignment (tests as files, no export cell)."""
    return f"""# ASSIGNMENT CONFIG
name: {name}
init_cell: true
check_all_cell: false
export_cell: false
files: []
run_tests: false
tests:
  files: true
  ok_format: false
generate: true"""


CONFIG = assignment_config(NAME)

SETUP = """import numpy as np
import keras

SEED = 42
keras.utils.set_random_seed(SEED)
images = np.random.default_rng(0).random((16, 12, 12, 1)).astype("float32")  # the assignment's own tiny data"""

BUILD_CNN = '''def build_cnn(input_shape=(12, 12, 1), num_classes=3):
    """Conv2D(4 filters, 3x3, relu) -> MaxPooling2D(2) -> Flatten -> Dense(num_classes, softmax), compiled."""
    # BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(4, kernel_size=3, activation="relu"),
        keras.layers.MaxPooling2D(pool_size=2),
        keras.layers.Flatten(),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
    # END SOLUTION'''

Q1_TESTS = [
    '''def test_build_cnn_returns_a_sequential_model(build_cnn):
    import keras

    model = build_cnn()
    assert isinstance(model, keras.Sequential), f"build_cnn should return a keras.Sequential, not {type(model).__name__}."''',
    '''# HIDDEN
def test_build_cnn_layers(build_cnn):
    import keras

    model = build_cnn()
    assert isinstance(model, keras.Sequential), "build_cnn should return a keras.Sequential model."
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"], f"The layers are {kinds}; see the table."''',
    '''# HIDDEN
def test_build_cnn_honours_its_arguments(build_cnn):
    import keras

    model = build_cnn(input_shape=(10, 10, 2), num_classes=5)
    assert isinstance(model, keras.Sequential), "build_cnn should return a keras.Sequential model."
    assert tuple(model.output_shape) == (None, 5), "build_cnn(num_classes=5) should end with 5 outputs."
    assert model.count_params() == 401, "With input_shape=(10, 10, 2) the parameter count is wrong: use the arguments."''',
]

Q2_TESTS = [
    '''def test_cnn_params_is_an_int(cnn_params):
    assert isinstance(cnn_params, int) and not isinstance(cnn_params, bool), "cnn_params should be an int."''',
    '''# HIDDEN
def test_cnn_params_value(cnn_params):
    assert cnn_params == 343, "cnn_params is not the number of parameters of build_cnn(): count each layer's."''',
]

Q3_TESTS = [
    '''def test_probabilities_shape(probabilities, np):
    assert isinstance(probabilities, np.ndarray) and probabilities.shape == (16, 3), (
        "probabilities should be an array of shape (16, 3): one row of 3 class probabilities per image."
    )''',
    '''# HIDDEN
def test_probabilities_come_from_the_model(probabilities, model, images, np):
    import keras

    assert isinstance(model, keras.Model), "There is no model called `model`."
    expected = np.asarray(model.predict(images, verbose=0))
    assert isinstance(probabilities, np.ndarray) and np.allclose(probabilities, expected, atol=1e-5), (
        "probabilities should be model.predict(images) for the model you built."
    )''',
]


def _code(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source)


def _raw(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(source)


def _question(name: str, prose: str, solution: list[str], tests: list[str]) -> list[nbformat.NotebookNode]:
    cells = [_raw(f"# BEGIN QUESTION\nname: {name}\npoints: {POINTS[name]}"), nbformat.v4.new_markdown_cell(prose)]
    cells += [_raw("# BEGIN SOLUTION"), *map(_code, solution), _raw("# END SOLUTION")]
    cells += [_raw("# BEGIN TESTS"), *map(_code, tests), _raw("# END TESTS"), _raw("# END QUESTION")]
    return cells


def master_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["autograder"] = {"title": "A tiny convolutional network", "datasets": []}
    notebook.cells = [
        _raw(CONFIG),
        nbformat.v4.new_markdown_cell("# A tiny convolutional network"),
        _code(SETUP),
        *_question("q1", "Write `build_cnn`.", [BUILD_CNN], Q1_TESTS),
        *_question("q2", "Count its parameters by hand.", ["cnn_params = (3 * 3 * 1 * 4 + 4) + (5 * 5 * 4 * 3 + 3)  # SOLUTION"],
                   Q2_TESTS),
        *_question("q3", "Predict the class probabilities of `images` (no training).",
                   ["model = build_cnn()\nprobabilities = model.predict(images, verbose=0)  # SOLUTION"], Q3_TESTS),
    ]
    return notebook


def write_master(root: Path) -> Path:
    """This master notebook in root/solutions/ (a new course's, or one more in a copy of this repository)."""
    (root / "solutions").mkdir(parents=True, exist_ok=True)
    path = root / "solutions" / f"{NAME}.ipynb"
    nbformat.write(master_notebook(), path)
    return path


def write_course(root: Path) -> Path:
    """A course folder holding only this master notebook, the grading config and an (empty) data folder."""
    write_master(root)
    (root / "data").mkdir()
    (root / "otter_config.json").write_text(OTTER_CONFIG.read_text())
    return root
