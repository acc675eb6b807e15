"""Command line: ``python -m autograder --help``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the judge imports Keras; its C++ start-up logs are noise

from . import __version__
from .paths import SOLUTION_NOTEBOOK, STUDENT_NOTEBOOK


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    build(execute=not args.no_execute)
    print("assignment/, autograder/hidden_tests/, build/ and solutions/mnist_nn_solution.ipynb regenerated")
    return 0


def cmd_check_generated(args: argparse.Namespace) -> int:
    from .build import stale_files

    stale = stale_files()
    for path in stale:
        print(f"stale: {path}")
    print("generated files are current" if not stale else "run `python -m autograder build` and commit the result")
    return 1 if stale else 0


def cmd_fetch_data(args: argparse.Namespace) -> int:
    from .data import data_module

    nn_data = data_module()
    try:
        _, path = nn_data.local_mnist_arrays()
    except nn_data.DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"MNIST verified: {path}")
    return 0


def print_score_table(rows: list[tuple[str, dict]]) -> None:
    """One line per notebook, one column per question."""
    questions = sorted({q for _, scores in rows for q in scores}, key=lambda q: (len(q), q))
    header = f"{'notebook':<34}" + "".join(f"{q:>7}" for q in questions) + f"{'total':>12}"
    print(header)
    print("-" * len(header))
    for name, scores in rows:
        cells = "".join(f"{scores[q].score:>7.2f}" if q in scores else f"{'-':>7}" for q in questions)
        total = sum(s.score for s in scores.values())
        possible = sum(s.max_score for s in scores.values())
        print(f"{name:<34}{cells}{total:>6.2f}/{possible:<5.2f}")


def cmd_otter_grade(args: argparse.Namespace) -> int:
    from .otter_baseline import otter_scores

    rows = []
    for notebook in args.notebooks:
        start = time.perf_counter()
        rows.append((Path(notebook).name, otter_scores(Path(notebook))))
        print(f"graded {notebook} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    print_score_table(rows)
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade submissions with the sandboxed engine; exit 0 whenever grading happened."""
    from .engine import GradingOptions, grade_submission
    from .report import write_grades_csv

    options = GradingOptions(require_sandbox=not args.allow_no_sandbox)
    results = []
    for path in args.submissions:
        result = grade_submission(Path(path), args.out, options)
        print(f"{result.submission}: {result.score:g}/{result.max_score:g} ({result.status}, {result.seconds:.0f} s)", flush=True)
        results.append(result)
    write_grades_csv(results, args.out / "grades.csv")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Build everything, then grade the reference solution and the blank student notebook."""
    import tempfile

    from .build import build
    from .engine import grade_submission
    from .otter_baseline import QuestionScore

    print("building the assignment from the master notebook ...", flush=True)
    build(execute=True)
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for label, notebook in (("reference solution", SOLUTION_NOTEBOOK), ("blank student notebook", STUDENT_NOTEBOOK)):
            print(f"grading the {label} in the sandboxed engine ...", flush=True)
            result = grade_submission(notebook, Path(out))
            scores = {q: QuestionScore(q, got, possible) for q, (got, possible) in result.question_scores().items()}
            rows.append((f"{label} ({result.seconds:.0f} s)", scores))
    print()
    print_score_table(rows)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="Build and grade the MNIST assignment.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="regenerate the student notebook, tests and reference solution")
    build.add_argument("--no-execute", action="store_true", help="skip executing the reference solution")
    build.set_defaults(func=cmd_build)

    check = commands.add_parser("check-generated", help="exit 1 if generated files differ from the master")
    check.set_defaults(func=cmd_check_generated)

    fetch = commands.add_parser("fetch-data", help="obtain and verify the MNIST data in data/")
    fetch.set_defaults(func=cmd_fetch_data)

    otter = commands.add_parser("otter-grade", help="grade notebooks with stock `otter run` (baseline)")
    otter.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    otter.set_defaults(func=cmd_otter_grade)

    grade = commands.add_parser("grade", help="grade submissions in the sandboxed engine (results.json per submission)")
    grade.add_argument("submissions", nargs="+", metavar="PATH", help="a notebook (.ipynb) or a zip holding one")
    grade.add_argument("--out", type=Path, required=True, metavar="DIR", help="where results go: DIR/<name>/results.json")
    grade.add_argument(
        "--allow-no-sandbox", action="store_true",
        help="where bubblewrap is missing, run student code with resource limits only (unsafe)",
    )
    grade.set_defaults(func=cmd_grade)

    demo = commands.add_parser("demo", help="build, then grade the reference and the blank notebook")
    demo.set_defaults(func=cmd_demo)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
