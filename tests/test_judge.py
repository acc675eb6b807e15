"""The judge without a kernel: a fake kernel runs hostile "student" functions in this process, and
every answer still travels through the real wire codec and a real file.

What is checked: the grader's test data never changes; public checks run before any hidden input
is sent; nothing the kernel says after that reaches what the student reads; budgets and deadlines
end in clear messages; NumPy scalars are judged like Python values; the probes leave the
student's namespace as it was.
"""

from __future__ import annotations

import ast
import os
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from autograder.engine import judge as judge_module
from autograder.engine import wire
from autograder.engine.judge import KernelNamespace, judge
from autograder.limits import LOCAL


class FakeKernel:
    """Answers probes like the probe agent would, from a dict of 'student' globals, through real files."""

    def __init__(self, namespace: dict, folder: Path) -> None:
        self.namespace, self.folder, self.events = namespace, folder, []

    def _answer(self, envelope: dict, read):
        path = self.folder / f"answer-{os.urandom(6).hex()}"
        wire.write(envelope, str(path))
        try:
            return read(str(path))
        finally:
            path.unlink(missing_ok=True)

    def fetch(self, name: str, timeout: float, read):
        self.events.append(("fetch", name))
        if name not in self.namespace:
            return self._answer({"status": "missing"}, read)
        value = self.namespace[name]
        if wire.is_keras_model(value):  # as the probe agent does: which model object it is
            return self._answer({"status": "ok", "callable": False, "value": value, "identity": id(value)}, read)
        if callable(value):
            return self._answer({"status": "ok", "callable": True, "value": None}, read)
        if isinstance(value, Exception):
            return self._answer({"status": "error", "type": type(value).__name__, "message": str(value)}, read)
        return self._answer({"status": "ok", "callable": False, "value": value}, read)

    def call(self, name: str, args: tuple, kwargs: dict, timeout: float, read):
        request = self.folder / f"request-{os.urandom(6).hex()}"
        wire.write((list(args), kwargs), str(request))
        args, kwargs = wire.read(str(request))  # the kernel's own copies, as in the sandbox
        request.unlink()
        self.events.append(("call", name, args))
        try:
            value = self.namespace[name](*args, **kwargs)
        except Exception as exc:
            return self._answer({"status": "error", "type": type(exc).__name__, "message": str(exc), "line": 3}, read)
        return self._answer({"status": "ok", "value": value, "args": list(args), "kwargs": kwargs}, read)


def write_tests(tmp_path: Path, source: str) -> Path:
    """One otter exception-test file, q1.py, from the given test functions."""
    folder = tmp_path / "tests"
    folder.mkdir()
    header = "from otter.test_files import test_case\n\nOK_FORMAT = False\n\nname = 'q1'\npoints = 4\n\n"
    (folder / "q1.py").write_text(header + textwrap.dedent(source))
    return folder


def run(tmp_path: Path, source: str, student: dict, **limits):
    kernel = FakeKernel(student, tmp_path)
    profile = replace(LOCAL, intake=replace(LOCAL.intake, **limits)) if limits else LOCAL
    namespace = KernelNamespace(kernel, {"np": np}, "", profile.intake, profile.time)
    return judge(write_tests(tmp_path, source), namespace), kernel


MUTATION_TESTS = """
@test_case(points=None, hidden=True)
def test_values(double, np):
    images = np.arange(6, dtype=np.uint8)
    result = double(images)
    assert np.array_equal(result, images * 2), "double is wrong"

@test_case(points=None, hidden=True)
def test_input_unchanged(double, np):
    images = np.arange(6, dtype=np.uint8)
    original = images.copy()
    double(images)
    after = getattr(double, "arguments_after_call", (images,))[0]
    assert np.array_equal(images, original), "the grader's own array changed"
    assert np.array_equal(after, original), "double changed the array it was given"
"""


def test_a_function_that_changes_its_input_cannot_change_the_expected_values(tmp_path):
    def double(images):
        result = images * 3  # wrong...
        images[:] = 0  # ...and it zeroes its input, hoping the test compares against it
        return result

    cases, _ = run(tmp_path, MUTATION_TESTS, {"double": double})
    assert [c.passed for c in cases] == [False, False]
    assert cases[0].message == "double is wrong"
    assert cases[1].message == "double changed the array it was given"


def test_an_honest_function_passes_both(tmp_path):
    cases, _ = run(tmp_path, MUTATION_TESTS, {"double": lambda images: images * 2})
    assert all(c.passed for c in cases)


LEAK_TESTS = """
@test_case(points=None, hidden=False)
def test_public(f):
    f(1)
    assert False, "public check failed"

@test_case(points=None, hidden=True)
def test_hidden(f, answer):
    result = f(12345)
    assert result == answer, f"f returned {result!r}, which is not the answer {answer!r}"
"""


def test_public_checks_run_before_any_hidden_input_and_globals_are_read_before_it(tmp_path):
    calls = []
    cases, kernel = run(tmp_path, LEAK_TESTS, {"f": lambda x: calls.append(x) or "x", "answer": 7})
    assert kernel.events == [("fetch", "f"), ("call", "f", [1]), ("fetch", "answer"), ("call", "f", [12345])]
    assert [c.hidden for c in cases] == [False, True]  # reported in the file's order


def test_text_returned_after_hidden_inputs_is_cut_from_messages(tmp_path):
    seen = []

    def f(x):
        seen.append(x)
        return f"inputs were {seen}"  # echoes the hidden input back

    cases, _ = run(tmp_path, LEAK_TESTS, {"f": f, "answer": 7})
    assert "12345" not in cases[1].message and "inputs were" not in cases[1].message
    # The check called the student's function after hidden inputs were sent: only the test's own
    # words and numbers are shown (7 is not written in the test).
    assert cases[1].message == "f returned …, which is not the answer …"


def test_a_students_exception_text_is_shown_only_before_hidden_inputs(tmp_path):
    def f(x):
        raise ValueError(f"I was given {x}")

    cases, _ = run(tmp_path, LEAK_TESTS, {"f": f, "answer": 7})
    assert "I was given 1" in cases[0].message  # public: the student's own help
    assert cases[1].message == "Running your code failed: f raised ValueError"  # no text, no line
    assert "12345" in cases[1].note  # the instructor still sees it


def test_exception_types_named_by_the_student_are_not_shown_in_hidden_checks(tmp_path):
    def f(x):
        raise type(f"Leak_{x}", (Exception,), {})()

    cases, _ = run(tmp_path, LEAK_TESTS, {"f": f, "answer": 7})
    assert "Leak_12345" not in cases[1].message and "an exception of its own type" in cases[1].message


def test_a_fetch_error_made_from_recorded_inputs_cannot_leak_them(tmp_path):
    """The kernel remembers what its function was given and answers a later fetch with it as an error."""
    source = """
    @test_case(points=None, hidden=True)
    def test_call(f):
        f(12345)

    @test_case(points=None, hidden=True)
    def test_read(g):
        assert g == 1, f"g is {g!r}"
    """
    student: dict = {}
    student["f"] = lambda x: student.__setitem__("g", RuntimeError(f"recorded {x}"))
    cases, _ = run(tmp_path, source, student)
    assert "`g` is not defined" in cases[1].message  # read before any hidden input: it did not exist yet
    assert all("12345" not in c.message for c in cases)


def test_the_grading_budget_ends_in_a_clear_message(tmp_path):
    source = """
    @test_case(points=None, hidden=False)
    def test_big(big):
        assert big.shape == (100_000,)

    @test_case(points=None, hidden=False)
    def test_small(small):
        assert small == 1
    """
    cases, _ = run(tmp_path, source, {"big": np.zeros(100_000), "small": 1}, grading_bytes=500_000)
    assert "larger than the grader accepts" in cases[0].message
    assert "larger than the grader accepts" in cases[1].message  # once exceeded, it stays exceeded


def test_the_deadline_ends_checking_with_a_clear_message(tmp_path):
    source = """
    @test_case(points=None, hidden=False)
    def test_slow(slow):
        slow()

    @test_case(points=None, hidden=False)
    def test_after(value):
        assert value == 1
    """
    kernel = FakeKernel({"slow": lambda: time.sleep(1.2), "value": 1}, tmp_path)
    profile = replace(LOCAL, time=replace(LOCAL.time, judge_seconds=1.0))
    namespace = KernelNamespace(kernel, {"np": np}, "", profile.intake, profile.time)
    cases = judge(write_tests(tmp_path, source), namespace)
    assert "ran out" in cases[1].message


def test_numpy_scalars_are_judged_like_python_values(tmp_path):
    source = """
    @test_case(points=None, hidden=False)
    def test_types(total, accuracy, improved, pair):
        assert isinstance(total, int) and not isinstance(total, bool) and total == 717210
        assert isinstance(accuracy, float) and accuracy == 0.5
        assert improved is True
        assert pair == (3, 5)
    """
    student = {"total": np.int64(717210), "accuracy": np.float32(0.5), "improved": np.bool_(True),
               "pair": (np.intp(3), np.int64(5))}
    cases, _ = run(tmp_path, source, student)
    assert cases[0].passed, cases[0].message


def test_numbers_the_kernel_chooses_after_hidden_inputs_are_masked(tmp_path):
    """Widths, counts, returned numbers: any number not written in the test is masked in a check that
    called the student's code after hidden inputs were sent; a check reading only earlier values is not."""
    source = """
    @test_case(points=None, hidden=True)
    def test_called(f):
        result = f(68085)
        assert result == 3, f"f(...) returned {result}, not 3"

    @test_case(points=None, hidden=True)
    def test_read_only(count):
        assert count == 3, f"count is {count}, not 3"
    """
    cases, _ = run(tmp_path, source, {"f": lambda x: x + 1, "count": 41})
    assert cases[0].message == "f(...) returned …, not 3"
    assert cases[1].message == "count is 41, not 3"


def test_messages_have_a_fixed_maximum_length(tmp_path):
    source = """
    @test_case(points=None, hidden=False)
    def test_long(value):
        assert False, "x" * 10_000
    """
    cases, _ = run(tmp_path, source, {"value": 1})
    assert len(cases[0].message) == LOCAL.intake.message_chars


def test_missing_names_are_named(tmp_path):
    cases, _ = run(tmp_path, MUTATION_TESTS, {})
    assert all("`double` is not defined" in c.message for c in cases)


def test_an_unavailable_kernel_gives_every_check_its_reason(tmp_path):
    namespace = KernelNamespace(FakeKernel({}, tmp_path), {"np": np}, "the notebook's kernel had stopped")
    cases = judge(write_tests(tmp_path, MUTATION_TESTS), namespace)
    assert all("kernel had stopped" in c.message and not c.passed for c in cases)


def test_questions_can_be_judged_alone(tmp_path):
    cases, _ = run(tmp_path, MUTATION_TESTS, {"double": lambda images: images * 2})
    folder = tmp_path / "tests"
    assert judge(folder, KernelNamespace(FakeKernel({}, tmp_path), {"np": np}), questions={"q9"}) == []
    assert len(cases) == 2


# ---------------------------------------------------------------- answers named, models, bounded messages


def test_an_answer_that_cannot_be_read_is_named_in_the_message(tmp_path):
    """A check that needs an earlier answer says which one could not be read, and why."""
    source = """
    @test_case(points=None, hidden=False)
    def test_uses_a_value(table):
        assert table is not None

    @test_case(points=None, hidden=False)
    def test_uses_a_result(f):
        f()
    """
    odd = np.array([object()], dtype=object)
    cases, _ = run(tmp_path, source, {"table": odd, "f": lambda: odd})
    assert cases[0].message.startswith("`table` could not be read by the grader: it is an array of a kind")
    assert cases[1].message.startswith("What f returned could not be read by the grader: it is an array of a kind")


def small_model(width: int, units: int = 3):
    import keras

    return keras.Sequential([keras.Input(shape=(width,)), keras.layers.Dense(units, activation="softmax")])


def test_two_names_bound_to_one_model_are_one_object_in_the_grader(tmp_path):
    source = """
    @test_case(points=None, hidden=False)
    def test_distinct(model, model2):
        assert model2 is not model, "model2 is the same object as model"
    """
    shared = small_model(4)
    (tmp_path / "same").mkdir()
    (tmp_path / "distinct").mkdir()
    same, _ = run(tmp_path / "same", source, {"model": shared, "model2": shared})
    distinct, _ = run(tmp_path / "distinct", source, {"model": shared, "model2": small_model(4)})
    assert same[0].message == "model2 is the same object as model" and distinct[0].passed


REPEATED_CALL_TESTS = """
@test_case(points=None, hidden=False)
def test_public(build):
    assert build() == 3 and build(width=2) == 2, "build() should be 3"

@test_case(points=None, hidden=True)
def test_hidden(build, np):
    assert build() == 3, "build() is not the answer its own check got"
    assert build(np.array([1])) == 5 and build(np.array([1])) == 6, "calls with arrays are asked each time"
"""


def test_a_function_asked_the_same_again_gives_its_first_answer(tmp_path):
    """A kernel that counts calls cannot tell a later check (q7's build_model()) other than q4's checks."""
    calls = []

    def build(width=None):
        calls.append(width)
        return 2 if width == 2 else len(calls) + 2

    cases, kernel = run(tmp_path, REPEATED_CALL_TESTS, {"build": build})
    assert [case.passed for case in cases] == [True, True], [case.message for case in cases]
    assert len([event for event in kernel.events if event[0] == "call"]) == 4


MODEL_WORDS_TESTS = """
@test_case(points=None, hidden=True)
def test_layers(build, np):
    model = build(np.array([6, 8, 0, 8, 4]))
    names = [type(layer).__name__ for layer in model.layers]
    units = [getattr(layer, "units", None) for layer in model.layers]
    assert names == ["Dense"] and units == [3], f"The model should be one Dense layer of 3 units; yours are {names} {units}."

@test_case(points=None, hidden=True)
def test_compile(build, np):
    model = build(np.array([6, 8, 0, 8, 4]))
    config = model.get_compile_config() or {}
    assert config.get("loss") == "categorical_crossentropy", f"Use categorical_crossentropy; yours uses {config.get('loss')}."
"""


def test_a_model_built_after_hidden_inputs_cannot_spell_them_in_a_message(tmp_path):
    """Layer names, widths and compile names of a model the grader rebuilt are kernel words: not shown."""
    import keras

    names = ["Dense", "Dropout", "Flatten", "ReLU", "Softmax", "Activation", "BatchNormalization", "LeakyReLU", "Reshape"]
    losses = ["mse", "mae", "hinge", "poisson", "huber", "kl_divergence", "categorical_hinge", "binary_crossentropy"]

    def build(labels):  # spells each hidden label as a layer type, a width (in the test file or not) and a loss
        layers = [getattr(keras.layers, names[v])(*([v + 1] if names[v] == "Dense" else [])) for v in labels.tolist()
                  if names[v] in ("Dense", "Flatten", "ReLU", "Softmax")]
        model = keras.Sequential([keras.Input(shape=(8,)), *layers, keras.layers.Dense(3)])
        model.compile(optimizer="sgd", loss=losses[labels[0]])
        return model

    cases, _ = run(tmp_path, MODEL_WORDS_TESTS, {"build": build})
    assert cases[0].message == "The model should be one Dense layer of 3 units; yours are … …."
    assert cases[1].message == "Use categorical_crossentropy; yours uses …."


def test_small_values_are_shown_up_to_the_symbol_budget(tmp_path):
    """A shape or a dtype still helps the student after hidden inputs: a few symbols, numbers of the test file."""
    source = """
    @test_case(points=None, hidden=True)
    def test_shape(f, np):
        result = f(np.zeros((4, 3)))
        assert result.shape == (4, 3), f"For 4 rows the result should have shape (4, 3), not {result.shape} ({result.dtype})."

    @test_case(points=None, hidden=True)
    def test_two_shapes(f, np):
        result = f(np.zeros((4, 3)))
        assert result.shape == (4, 3), f"Shapes {result.shape} and {result.shape} differ from (4, 3)."

    @test_case(points=None, hidden=True)
    def test_list(f, np):
        result = f(np.zeros((4, 3)))
        assert False, f"Values {result.ravel().tolist()}"
    """
    cases, _ = run(tmp_path, source, {"f": lambda x: np.zeros((3, 4), dtype=np.float16)})
    assert cases[0].message == "For 4 rows the result should have shape (4, 3), not (3, 4) (float16)."
    assert cases[1].message == "Shapes (3, 4) and … differ from (4, 3)."  # 2 + 2 symbols: over the budget of 3
    assert cases[2].message == "Values …"  # a list of values is never a small value


def test_a_model_called_as_a_function_counts_as_contact(tmp_path):
    """A Keras model bound to a function's name is rebuilt and run in the grader, on the hidden inputs: its
    results are redacted like a kernel's answer; the tests' own predictions with a model are not."""
    import keras

    source = """
    @test_case(points=None, hidden=True)
    def test_called(f, np):
        result = np.asarray(f(np.arange(3.0).reshape(1, 3) * 7.25))
        assert False, f"last {float(result[0, 2])}"

    @test_case(points=None, hidden=True)
    def test_predicted(f, np):
        p = f.predict(np.ones((2, 3)), verbose=0)
        assert False, f"sum {float(p.sum()) * 1.25}"
    """
    identity = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Reshape((3,))])
    cases, _ = run(tmp_path, source, {"f": identity})
    assert [case.message for case in cases] == ["last …", "sum 7.5"]


def test_other_errors_after_hidden_inputs_show_their_type_only(tmp_path):
    source = """
    @test_case(points=None, hidden=True)
    def test_index(f):
        result = f(12345)
        result["key " + result]
    """
    cases, _ = run(tmp_path, source, {"f": lambda x: f"secret{x}"})
    assert cases[0].message == "Your answer has an unexpected type or value (TypeError)."


def test_every_hidden_message_of_every_assignment_is_bounded():
    """Each assert of every test file has a message the judge can show in parts, and no message of a check that
    talked to the kernel after hidden inputs can carry more than 25 bits (README's security section)."""
    from autograder.course.assignments import ASSIGNMENTS

    for assignment in ASSIGNMENTS.values():
        for path in sorted(assignment.hidden_tests.glob("q*.py")):
            text = path.read_text()
            asserts = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Assert)]
            assert all(isinstance(node.msg, (ast.Constant, ast.JoinedStr)) for node in asserts), path
            assert judge_module.message_bound_bits(text) <= 25.0, path
