"""The corpus itself is well formed: enough entries, each buggy one names one question."""

from __future__ import annotations

from .submissions import QUESTIONS, build_submission, corpus, top_level_names


def test_corpus_has_enough_entries():
    assert len(corpus("correct")) >= 6
    assert len(corpus("buggy")) >= 15


def test_every_bug_names_the_question_it_breaks():
    for entry in corpus("buggy"):
        assert entry.breaks in QUESTIONS, entry


def test_each_bug_changes_the_reference(tmp_path):
    reference = build_submission(corpus("correct")[0], tmp_path / "reference.ipynb").read_text()
    for entry in corpus("buggy") + corpus("correct")[1:]:
        assert build_submission(entry, tmp_path / "x.ipynb").read_text() != reference, entry


def test_top_level_names_ignores_function_bodies():
    assert top_level_names("def f():\n    model = 1\n(a, b), c = 1\n") == ["f", "a", "b", "c"]
