"""Reading a results.json document (Gradescope's schema, written by the engine's report stage)
as the class outputs need it: its check rows, which of them failed, the check's own name.

Names and question order come from the results vocabulary (``engine.results``); nothing here
parses the ``"qN - check"`` format itself.
"""

from __future__ import annotations

from ..engine.results import question_of, test_name


def test_rows(results: dict | None) -> list[dict]:
    """The rows of a results.json that are well formed enough to count."""
    return [t for t in (results or {}).get("tests") or [] if isinstance(t, dict)]


def failed(test: dict) -> bool:
    if "status" in test:
        return test["status"] != "passed"
    return float(test.get("score", 0)) < float(test.get("max_score", 0))


def question(test: dict) -> str:
    return question_of(str(test.get("name", "")))


def check(test: dict) -> str:
    """The check's own name, without its question ('q3 - rows match labels' -> 'rows match labels')."""
    name = str(test.get("name", ""))
    prefix = test_name(question_of(name), "")
    return name[len(prefix):] if name.startswith(prefix) else name


def points(value: float) -> str:
    """Points as a person reads them: 2, 0.5, 13.75 (at most two decimals)."""
    return f"{round(value, 2):g}"
