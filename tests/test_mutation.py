"""Mutation testing (`python -m autograder mutants`): targets, operators, equivalence, rendering, and one real run.

The unit tests need no kernel. The last test runs the command on a small case through the real
sandboxed engine: the light honest notebook (q1, q2, q3, q5 answered without training) as the
reference, question q1, a handful of mutants.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import nbformat
import numpy as np
import pytest

from autograder.course.assignments import ASSIGNMENTS, get_assignment
from autograder.engine.judge import KernelNamespace, judge
from autograder.mutation import equivalence
from autograder.mutation.accepted import Accepted, AcceptedListError, load_accepted
from autograder.mutation.checks import relevant, split_checks
from autograder.mutation.corpus import entries
from autograder.mutation.digest import question_digests
from autograder.mutation.mutants import Mutant, mutants_of
from autograder.mutation.render import as_json, score, table
from autograder.mutation.run import ACCEPTED, CLASSES, EQUIVALENT, KILLED, SURVIVED, MutantResult, RunReport, sample
from autograder.mutation.targets import Target, affected_names, read_solution

from .submissions import CORPUS, honest_light_notebook
from .terminal import chatter
from .test_judge import FakeKernel

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for


def _function_target(source: str, question: str = "q9") -> Target:
    source = textwrap.dedent(source).lstrip()
    lines = source.splitlines()
    begin = next(i for i, line in enumerate(lines, 1) if "BEGIN SOLUTION" in line)
    end = next(i for i, line in enumerate(lines, 1) if "END SOLUTION" in line)
    name = source.split("(")[0].removeprefix("def ")
    return Target(question, (name,), "function", source, (begin + 1, end - 1))


PAIR = _function_target('''
    def pair(scores, names, num_classes=10):
        """Docstring: given, never mutated."""
        # BEGIN SOLUTION
        errors = np.array(scores, copy=True)
        np.fill_diagonal(errors, 0)
        row, col = np.unravel_index(np.argmax(errors, axis=None), errors.shape)
        return names[row] / 255.0, num_classes
        # END SOLUTION
''')


def _codes(target: Target, names: frozenset[str] = frozenset()) -> list[str]:
    return [m.code for m in mutants_of(target, names)]


# ---------------------------------------------------------------------------------------- targets


def test_targets_are_the_solution_lines_and_their_checks_read_them(tmp_path):
    found = {}
    for assignment in ASSIGNMENTS.values():
        checks = split_checks(assignment.hidden_tests, tmp_path / assignment.name)
        targets = read_solution(assignment.master).targets
        for target in targets:
            judged_by = relevant(checks, affected_names(target, targets), target.question)
            found[(assignment.name, target.label)] = (target, [c.label for c in judged_by])
    reshape, judged_by = found[("mnist_nn", "reshape_images")]
    assert reshape.kind == "function" and judged_by[0] == "q1 - reshape returns flat rows"  # public checks first
    assert len(judged_by) == 4 and all(label.startswith("q1 - ") for label in judged_by)
    assert reshape.source.splitlines()[reshape.lines[0] - 1].strip() == "return images.reshape(len(images), -1)"
    assert reshape.lines[0] == reshape.lines[1]  # the signature and docstring are given, not solution lines
    counts, judged_by = found[("mnist_nn", "total_params")]
    assert counts.kind == "value" and judged_by == ["q5 - total params is an int", "q5 - total params value"]
    accuracy, judged_by = found[("fashion_nn", "test_loss, test_acc")]
    assert accuracy.names == ("test_loss", "test_acc")
    # only the checks that read test_acc: not the model's own accuracy; q8 compares model2 with test_acc
    assert judged_by == ["q7 - test acc is a fraction", "q7 - test acc matches model", "q8 - deeper model trained and compared"]
    assert found[("fashion_nn", "most_confused_pair")][0].question == "q6"
    assert {"build_model", "build_deeper_model", "model2_improved"} <= {label for _, label in found}


def test_a_function_that_calls_another_is_judged_with_it():
    helper = Target("q1", ("flatten",), "function", "def flatten(x):\n    return x.ravel()\n", (2, 2))
    user = Target("q2", ("prepare",), "function", "def prepare(x):\n    return flatten(x) / 255\n", (2, 2))
    assert affected_names(helper, [helper, user]) == {"flatten", "prepare"}
    assert affected_names(user, [helper, user]) == {"prepare"}


def test_each_check_runs_alone_through_the_judge(tmp_path):
    checks = [c for c in split_checks(MNIST.hidden_tests, tmp_path) if c.question == "q1"]
    assert [c.public for c in checks] == [True, False, False, False]
    assert all(c.reads == {"reshape_images", "np"} for c in checks)

    def reference(images):
        return images.reshape(len(images), -1)

    def column_major(images):
        return images.reshape(len(images), -1, order="F")

    for function, passes in ((reference, [True] * 4), (column_major, [True, True, False, True])):
        namespace = KernelNamespace(FakeKernel({"reshape_images": function}, tmp_path), {"np": np})
        cases = [case for c in checks for case in judge(c.folder, namespace)]
        assert [case.name for case in cases] == [c.title for c in checks]
        assert [case.passed for case in cases] == passes


# ---------------------------------------------------------------------------------------- operators


def test_operators_make_the_mistakes_students_make():
    codes = _codes(PAIR)
    joined = "\n".join(codes)
    assert "np.array(scores, copy=False)" in joined  # keyword value
    assert "np.argmin(errors, axis=None)" in joined  # NumPy vocabulary
    assert "np.argmax(errors, axis=0)" in joined and "np.argmax(errors, axis=1)" in joined
    assert "col, row = np.unravel_index" in joined  # swapped tuple items
    assert "np.unravel_index(errors.shape, np.argmax" in joined  # swapped arguments
    assert "return names[row] / 255.0, 10" in joined  # the argument ignored for its default
    assert "names[row] / 254.0" in joined and "names[row] / 256.0" in joined  # off by one, both ways
    assert "names[row] * 255.0" in joined  # mutmut's operator swap
    assert "names[row] // 255.0" in joined and "255.0 / names[row]" in joined  # floor division, swapped operands
    assert any("    pass" in code and "fill_diagonal" not in code for code in codes)  # a statement removed
    for code in codes:
        assert 'def pair(scores, names, num_classes=10):\n    """Docstring: given, never mutated."""' in code
        compile(code, "<mutant>", "exec")
    assert len(codes) == len(set(codes)) and PAIR.source not in codes


def test_values_get_sibling_variables_and_every_mutant_of_both_masters_is_valid():
    value = Target("q7", ("test_loss", "test_acc"), "value",
                   "test_loss, test_acc = model.evaluate(X_test_norm, y_test_cat, verbose=0)  # SOLUTION\n", (1, 1))
    names = frozenset({"X_test_norm", "X_train_norm", "X_test", "y_test_cat", "y_train_cat", "model", "model2"})
    codes = _codes(value, names)
    assert any("model.evaluate(X_train_norm, y_test_cat" in c for c in codes)  # evaluated on the training data
    assert any("model2.evaluate(" in c for c in codes)
    assert any(c.startswith("test_acc, test_loss = ") for c in codes)
    improved = Target("q8", ("improved",), "value", "improved = bool(test_acc2 > test_acc)  # SOLUTION\n", (1, 1))
    codes = _codes(improved)
    assert "improved = bool(test_acc2 < test_acc)  # SOLUTION\n" in codes  # reversed
    assert "improved = bool(test_acc > test_acc2)  # SOLUTION\n" in codes  # operands swapped
    assert "improved = bool(test_acc2 >= test_acc)  # SOLUTION\n" in codes  # mutmut's boundary
    for assignment in ASSIGNMENTS.values():
        solution = read_solution(assignment.master)
        for target in solution.targets:
            mutants = mutants_of(target, solution.notebook_names)
            assert mutants, target.label
            for mutant in mutants:
                compile(mutant.code, "<mutant>", "exec")
                assert mutant.changes and mutant.diff.startswith(f"{target.question} {target.label}, line ")


def test_sample_spreads_evenly():
    mutants = [Mutant(PAIR, "x", f"code {i}", 1) for i in range(10)]
    assert [m.code for m in sample(mutants, 3)] == ["code 0", "code 3", "code 6"]
    assert sample(mutants, None) == mutants and sample(mutants, 20) == mutants


# ---------------------------------------------------------------------------------------- equivalence


def test_battery_keeps_structure_and_varies_contents():
    recorded = [((np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28),), {}), ((np.zeros((3, 4), np.uint8),), {})]
    calls = equivalence.battery(recorded * 2, variants=3, limit=40)
    assert 2 < len(calls) <= 2 + 2 * 4  # the recorded calls once each, plus variants (duplicates dropped)
    assert all(args[0].dtype == np.uint8 and kwargs == {} for args, kwargs in calls)
    assert {a[0].shape for a, _ in calls} == {(2, 28, 28), (3, 4)}
    assert any(a[0].max() > 0 for a, _ in calls if a[0].shape == (3, 4))  # an all-zero array gets pixel values
    history = [(({"accuracy": [0.7, 0.8], "val_accuracy": [0.75, 0.7]},), {})]
    varied = equivalence.battery(history, variants=2, limit=10)
    assert all(set(a[0]) == {"accuracy", "val_accuracy"} and len(a[0]["accuracy"]) == 2 for a, _ in varied)
    sizes = equivalence.battery([((), {"input_dim": 20, "num_classes": 3})], variants=3, limit=10)
    assert len({tuple(sorted(k.items())) for _, k in sizes}) > 1  # a call with no array gets new integers


def test_outcomes_tell_equivalent_from_different():
    calls = equivalence.battery([((np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28),), {})], 3, 20)

    def reference(images):
        return images.reshape(len(images), -1)

    def negative_two(images):  # NumPy reads any negative size as "the rest"
        return images.reshape(len(images), -2)

    def as_float(images):
        return images.reshape(len(images), -1).astype(np.float64)

    expected = equivalence.outcomes(reference, calls)
    assert equivalence.outcomes(negative_two, calls) == expected
    assert equivalence.outcomes(as_float, calls) != expected
    assert equivalence.canonical(np.float32(1.0)) != equivalence.canonical(1.0)
    assert equivalence.canonical([1, (2.0, "a")]) == equivalence.canonical([1, (2.0, "a")])


def test_a_value_computed_from_numbers_is_compared_on_other_numbers():
    reference = "model2_improved = bool(test_acc2 > test_acc)  # SOLUTION\n"
    names = ("model2_improved",)
    inputs = equivalence.statement_inputs(reference, "model2_improved = bool(test_loss > test_acc)")
    assert inputs == {"test_acc", "test_acc2", "test_loss"}  # bool is a builtin, not an input
    battery = equivalence.number_battery({"test_acc": 0.979, "test_acc2": 0.965, "test_loss": 0.07}, variants=4)
    expected = equivalence.statement_outcomes(reference, names, battery)
    same_here = ["model2_improved = bool(None)", "model2_improved = bool(test_acc2 >= test_acc)"]
    for code in same_here:  # both give False for the notebook's own numbers, but not for all numbers
        outcomes = equivalence.statement_outcomes(code, names, battery)
        assert outcomes[0] == expected[0] and outcomes != expected
    assert equivalence.statement_outcomes("model2_improved = test_acc2 > test_acc", names, battery) == expected


# ---------------------------------------------------------------------------------------- rendering and the accepted list


def _report() -> RunReport:
    mutants = mutants_of(PAIR)
    statuses = [KILLED, KILLED, KILLED, SURVIVED, EQUIVALENT, ACCEPTED]
    results = [MutantResult(m, s, "why") for m, s in zip(mutants, statuses, strict=False)]
    return RunReport("demo", seconds=12.0, reference_seconds=5.0, results=results, generated={"q9": len(mutants)})


def test_table_and_json_have_the_specified_shape():
    report = _report()
    data = as_json(report)
    assert data["assignment"] == "demo" and data["seconds"] == 12.0
    q9 = data["questions"]["q9"]
    for key in ("mutants", "killed", "survived", "equivalent", "not_judged", "score", "survivors"):
        assert key in q9
    assert (q9["mutants"], q9["killed"], q9["survived"], q9["equivalent"], q9["accepted"]) == (6, 3, 1, 1, 1)
    assert q9["score"] == 0.75 and q9["raw_score"] == 0.6  # 3 / (6 - 1 - 1) and 3 / (6 - 1)
    assert q9["survivors"] == [report.results[3].mutant.diff]
    json.dumps(data)
    text = table(report)
    assert report.results[3].mutant.diff in text and "75.0%" in text and "(why)" in text
    columns = ["question", "target", "mutants", "killed", "survived", "accepted", "equivalent", "score"]
    assert text.split("\n")[3].split() == columns  # timed out, crashed, not judged only when they occur


def test_score_is_none_when_nothing_can_be_judged():
    empty = {"mutants": 2, **{c: 0 for c in CLASSES}, "not judged": 2}
    assert score(empty) is None


def test_accepted_list(tmp_path):
    path = tmp_path / "accepted.json"
    assert load_accepted(path, "mnist_nn") == {}
    entry = {"target": "normalize_images", "change": ["-a", "+b"], "reason": "floats are floats"}
    path.write_text(json.dumps({"mnist_nn": [entry]}))
    accepted = load_accepted(path, "mnist_nn")
    assert accepted[("normalize_images", ("-a", "+b"))].reason == "floats are floats"
    assert load_accepted(path, "fashion_nn") == {}
    path.write_text(json.dumps({"mnist_nn": [{"target": "x"}]}))
    with pytest.raises(AcceptedListError):
        load_accepted(path, "mnist_nn")


def test_digests_change_only_for_the_question_whose_inputs_change():
    honest = entries(CORPUS, MNIST.name, "correct")
    digests = question_digests(MNIST, {}, honest)
    assert sorted(digests) == [f"q{i}" for i in range(1, 9)] and len(set(digests.values())) == 8
    assert question_digests(MNIST, {}, honest) == digests  # stable
    accepted = {("one_hot_labels", ("-a", "+b")): Accepted("one_hot_labels", ("-a", "+b"), "a reason")}
    changed = question_digests(MNIST, accepted, honest)
    assert {q for q in digests if changed[q] != digests[q]} == {"q3"}
    fewer = question_digests(MNIST, {}, [e for e in honest if e.path.stem != "dtype_range"])  # normalize_images only
    assert {q for q in digests if fewer[q] != digests[q]} == {"q2"}


# ---------------------------------------------------------------------------------------- one real run


def test_mutants_command_on_one_question(tmp_path):
    """q1 of the MNIST lesson, 5 mutants, against the light notebook: a real kernel and the real judge."""
    notebook = tmp_path / "light.ipynb"
    nbformat.write(honest_light_notebook(), notebook)
    accepted = tmp_path / "accepted.json"
    accepted.write_text(json.dumps({"mnist_nn": []}))
    command = [sys.executable, "-m", "autograder", "mutants", "--assignment", MNIST.name, "--question", "q1",
               "--max-mutants", "5", "--json", "--quiet", "--notebook", str(notebook), "--accepted", str(accepted),
               "--save", str(tmp_path / "table"), "--html", str(tmp_path / "table.html")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert chatter(done.stdout, done.stderr) == [], "TensorFlow or absl reached the terminal"
    data = json.loads(done.stdout)
    assert list(data["questions"]) == ["q1"] and data["assignment"] == MNIST.name
    q1 = data["questions"]["q1"]
    assert q1["mutants"] == 5 and q1["generated"] >= 5
    assert q1["killed"] + q1["survived"] + q1["equivalent"] + q1["timed_out"] + q1["crashed"] + q1["not_judged"] == 5
    assert q1["killed"] >= 3 and q1["not_judged"] == 0 and q1["crashed"] == 0
    assert len(q1["survivors"]) == q1["survived"]
    assert (tmp_path / "table.txt").read_text().startswith("Mutation testing of mnist_nn: 5 mutants")
    assert set(data["digests"]) == {"q1"}
    # the honest styles that define reshape_images are judged against this reference where their cells fit it
    # (the light notebook has no `keras`, so keras_utilities' to_categorical fails there), the others say why not
    failed = data["honest_styles"]["mnist_nn/correct/keras_utilities"]["failed"]
    assert "q3 - one hot shape and values" in failed and all(label.startswith("q3 - ") for label in failed)
    assert "predict_labels" in data["honest_styles_not_judged"]["mnist_nn/correct/comprehensions"]
    assert json.loads((tmp_path / "table.json").read_text()) == data
    assert "<table>" in (tmp_path / "table.html").read_text()
