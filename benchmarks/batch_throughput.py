"""Batch throughput: submissions per minute against the number of Dask workers.

Grades the same N lesson notebooks (the reference solution, each copy made distinct by a
comment, so each trains both networks) three ways and prints a table:

* one after another with ``engine.grade_submission`` in this process (no Dask);
* through the batch layer with 1, 2, ... local workers.

The batch layer's overhead per submission is (batch with 1 worker - one after another) / N.

    python benchmarks/batch_throughput.py --notebooks 6 --workers 1 2
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.classroom.batch import BatchSettings, grade_batch
from autograder.classroom.collect import collect
from autograder.course.assignments import ASSIGNMENTS
from autograder.course.paths import REPO
from autograder.engine import GradingOptions, grade_submission

RESULTS = REPO / "benchmarks" / "results"


def make_class(assignment, count: int, folder: Path) -> list[Path]:
    paths = []
    for number in range(count):
        notebook = nbformat.read(assignment.solution, as_version=4)
        code = next(c for c in notebook.cells if c.cell_type == "code")
        code.source = f"# student {number}\n" + code.source
        paths.append(folder / f"student{number:02d}.ipynb")
        nbformat.write(notebook, paths[-1])
    return paths


def one_after_another(paths: list[Path], assignment, out: Path) -> tuple[float, list[float]]:
    started = time.perf_counter()
    scores = [grade_submission(p, out, GradingOptions(assignment.task())).score for p in paths]
    return time.perf_counter() - started, scores


def batch(paths: list[Path], assignment, workers: int, out: Path, staging: Path) -> tuple[float, list[float]]:
    submissions = collect([paths[0].parent], assignment.notebook_name, staging)
    started = time.perf_counter()
    outcome = grade_batch(submissions, BatchSettings(assignment, out, workers=workers, similarity=False))
    seconds = time.perf_counter() - started
    return seconds, [outcome.manifests[s.id]["score"] for s in submissions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=6)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--assignment", choices=list(ASSIGNMENTS), default="mnist_nn")
    args = parser.parse_args()
    assignment = ASSIGNMENTS[args.assignment]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "class").mkdir()
        paths = make_class(assignment, args.notebooks, tmp / "class")
        seconds, scores = one_after_another(paths, assignment, tmp / "alone")
        rows.append({"mode": "one after another (no Dask)", "workers": 0, "seconds": seconds, "scores": scores})
        print(f"one after another: {seconds:.0f} s", flush=True)
        for workers in args.workers:
            seconds, scores = batch(paths, assignment, workers, tmp / f"batch{workers}", tmp / f"staging{workers}")
            rows.append({"mode": f"batch, {workers} worker(s)", "workers": workers, "seconds": seconds, "scores": scores})
            print(f"batch with {workers} worker(s): {seconds:.0f} s", flush=True)
    baseline = rows[0]["seconds"]
    lines = [
        f"# Batch throughput ({args.notebooks} x {assignment.name} reference notebook, 2-core machine)",
        "",
        "| mode | seconds | submissions/min | speed-up vs one after another | same scores |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        per_minute = 60 * args.notebooks / row["seconds"]
        same = row["scores"] == rows[0]["scores"]
        lines.append(f"| {row['mode']} | {row['seconds']:.0f} | {per_minute:.2f} | {baseline / row['seconds']:.2f} | {same} |")
    one = next((r for r in rows if r["workers"] == 1), None)
    if one:
        overhead = (one["seconds"] - baseline) / args.notebooks
        lines += ["", f"Batch-layer overhead per submission (1 worker vs no Dask): {overhead:+.1f} s"]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch_throughput.md").write_text(text)
    (RESULTS / "batch_throughput.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
