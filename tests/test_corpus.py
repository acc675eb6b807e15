"""The corpus of both assignments: well formed, and judged in one live reference kernel per assignment.

The well-formedness tests need no kernel. ``test_corpus_judged_live`` runs each assignment's
reference once in the sandboxed engine (as mutation runs do) and judges every entry that does not
train in it (autograder/mutation/corpus.py): an honest style keeps every check the reference
passes, a bug loses exactly the question its ``# breaks:`` line names (and the check its
``# fails:`` line names, with the words of ``# says:``). Full gradings of every entry, trained as a
student's notebook would be, are in test_engine_grading.py (most of them with ``-m slow``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.course.assignments import get_assignment
from autograder.mutation.checks import split_checks
from autograder.mutation.corpus import live_corpus, problems, steps, submission
from autograder.mutation.kernel import reference_notebook

from .submissions import build_submission, corpus, corpus_assignments, every_entry, top_level_names

README = Path(__file__).resolve().parent.parent / "README.md"


def _labels(assignment, tmp_path) -> set[str]:
    return {c.label for c in split_checks(get_assignment(assignment).hidden_tests, tmp_path / assignment)}


def test_corpus_has_enough_entries():
    assert corpus_assignments(), "no assignment has a corpus: nothing below would be checked"
    for name in corpus_assignments():
        assert len(corpus("correct", name)) >= 8, name
        assert len(corpus("buggy", name)) >= 15, name


def test_every_bug_names_the_question_and_check_it_breaks(tmp_path):
    for name in corpus_assignments():
        labels = _labels(name, tmp_path)
        questions = {label.split(" - ")[0] for label in labels}
        for entry in corpus("buggy", name):
            assert entry.breaks in questions, entry
            assert entry.fails is None or (entry.fails in labels and entry.fails.startswith(f"{entry.breaks} - ")), entry
            assert (entry.says is None) == (entry.fails is None), entry


def test_every_input_check_has_an_in_place_bug(tmp_path):
    """Each "leaves ... unchanged" check of either assignment is proven by a bug that changes its argument."""
    for name in corpus_assignments():
        input_checks = {label for label in _labels(name, tmp_path) if "unchanged" in label}
        proven = {entry.fails for entry in corpus("buggy", name)}
        assert input_checks and input_checks <= proven, (name, sorted(input_checks - proven))


def test_each_entry_changes_its_reference_and_fits_it(tmp_path):
    for name in corpus_assignments():
        reference = build_submission(corpus("correct", name)[0], tmp_path / f"{name}.ipynb").read_text()
        for entry in corpus("buggy", name) + corpus("correct", name)[1:]:
            assert build_submission(entry, tmp_path / "x.ipynb").read_text() != reference, entry


def test_live_steps_replay_what_an_entry_changes():
    mnist = reference_notebook(get_assignment("mnist_nn").solution)
    entry = next(e for e in corpus("correct") if e.path.stem == "keras_utilities")  # reshape, normalize, one-hot
    plan, changed = steps(entry, mnist)
    replayed = [source for kind, source, _ in plan if kind == "replay"]
    assert replayed[:4] == ["X_train_flat = reshape_images(X_train)", "X_test_flat = reshape_images(X_test)",
                            "X_train_norm = normalize_images(X_train_flat)", "X_test_norm = normalize_images(X_test_flat)"]
    assert "y_train_cat = one_hot_labels(y_train)" in replayed
    assert not any("fit(" in source for source in replayed)  # nothing is trained again
    assert {"reshape_images", "normalize_images", "one_hot_labels", "X_test_norm", "y_test_cat"} <= set(changed)
    pruned, _ = steps(entry, mnist, read={"X_test_norm", "model"})  # only what a check reads is computed again
    replayed = [s for k, s, _ in pruned if k == "replay"]
    assert replayed == ["X_test_flat = reshape_images(X_test)", "X_test_norm = normalize_images(X_test_flat)"]
    fashion = reference_notebook(get_assignment("fashion_nn").solution)
    entry = next(e for e in corpus("correct", "fashion_nn") if e.path.stem == "keras_objects")
    plan, _ = steps(entry, fashion)
    assert [s for k, s, _ in plan if k == "replay"] == [
        "model = build_model()", "y_pred = predict_labels(model, X_test_norm)", "cm = confusion_matrix(y_test, y_pred)",
        "worst_pair = most_confused_pair(cm, CLASS_NAMES)", "model2 = build_deeper_model()",
    ]  # what reads the rebuilt model is computed again with it
    unchanged = submission(next(e for e in corpus("correct", "fashion_nn") if e.path.stem == "reference"), fashion)
    assert [c.source for c in unchanged.cells] == [c.source for c in fashion.cells]


def test_top_level_names_ignores_function_bodies():
    assert top_level_names("def f():\n    model = 1\n(a, b), c = 1\n") == ["f", "a", "b", "c"]


def test_readme_counts_the_corpus():
    styles = {name: len(corpus("correct", name)) for name in corpus_assignments()}
    bugs = {name: len(corpus("buggy", name)) for name in corpus_assignments()}
    sentence = (
        f"The corpus holds {sum(styles.values())} honest styles and {sum(bugs.values())} single-bug variants "
        f"(MNIST {styles['mnist_nn']} and {bugs['mnist_nn']}, Fashion-MNIST {styles['fashion_nn']} and {bugs['fashion_nn']})"
    )
    assert sentence in re.sub(r"\s+", " ", README.read_text()), f"README should say: {sentence}"


@pytest.mark.parametrize("name", corpus_assignments())
def test_corpus_judged_live(name):
    """One reference run per assignment (about a minute on an idle machine), then every entry that does not train."""
    chosen = [e for e in every_entry() if e.assignment == name]
    found, verdicts = [], []
    with live_corpus(get_assignment(name)) as live:
        assert len(live.failing) == 0, f"the reference fails {sorted(live.failing)}"
        for entry in chosen:
            verdict = live.judge(entry)
            verdicts.append(verdict)
            found += problems(verdict)
    assert not found, "\n".join(found)
    judged = [v for v in verdicts if v.judged]
    not_judged = {v.entry.name: v.reason for v in verdicts if not v.judged}
    # Only entries that train, and bugs whose model is another architecture, need a full grading.
    allowed = ("trains a model", "another architecture")
    assert all(allowed[0] in v.reason or (v.entry.kind == "buggy" and allowed[1] in v.reason)
               for v in verdicts if not v.judged), not_judged
    assert len(judged) >= len(chosen) - 3, not_judged
    assert all(v.checks for v in judged if v.entry.chunks())
