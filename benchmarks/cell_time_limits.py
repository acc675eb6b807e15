"""Calibrate the per-cell time limit: reference cell times against graded cell times, idle and busy.

A student's cell may run ``cell_multiple`` times its reference cell's time plus ``cell_floor_seconds``
(limits.TimeLimits). This measures, for one assignment:

* the reference times ``build`` records: the build's execution of the solution, run ``--runs`` times
  in a temporary copy of the course, with the machine as it is and with one more core kept busy;
* the time each cell of the reference takes when the sandboxed engine grades it, the same two ways,
  and the limit the committed ``cell_times.json`` gives that cell.

Busy means one extra process of ours spinning on a core (the other of two cores, or a second grading's
worth of CPU). Other people's work on a shared machine makes every figure an upper bound; the load
average is recorded with each run.

    python -m benchmarks.cell_time_limits --assignment mnist_nn --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from autograder.course import timing
from autograder.course.assignments import get_assignment
from autograder.course.build import build, copy_sources
from autograder.course.paths import REPO
from autograder.engine import GradingOptions, grade_submission
from autograder.engine.execute import SandboxedKernel
from autograder.limits import LOCAL

RESULTS = REPO / "benchmarks" / "results"
HEAVY_SECONDS = 5  # cells whose reference time is at least this are reported one by one


@contextmanager
def busy(on: bool):
    """One extra process of ours spinning on a core while the block runs."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if on else None
    try:
        yield
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()


def build_times(name: str, loaded: bool) -> list[int]:
    """Cell times of the reference as `build` records them, built in a temporary copy of the course."""
    with tempfile.TemporaryDirectory() as scratch, busy(loaded):
        course = copy_sources(get_assignment(name).course, Path(scratch))
        assignment = course.get(name)
        build(assignment)
        return [cell.seconds for cell in timing.load(assignment.cell_times)]


def graded_times(name: str, loaded: bool) -> dict:
    """Seconds each code cell of the reference took in the sandboxed engine, its limit, and the outcome."""
    assignment = get_assignment(name)
    spans: dict[int, tuple[float, float]] = {}
    original = SandboxedKernel._execute_cell

    def timed(self, cell, index, number):  # noqa: ANN001 (the engine's signature)
        started = time.monotonic()
        try:
            return original(self, cell, index, number)
        finally:
            spans[number] = (round(time.monotonic() - started, 1), self.client.timeout)

    SandboxedKernel._execute_cell = timed
    try:
        with tempfile.TemporaryDirectory() as out, busy(loaded):
            result = grade_submission(assignment.solution, Path(out), GradingOptions(assignment.task()))
    finally:
        SandboxedKernel._execute_cell = original
    return {"status": str(result.status), "score": result.score, "max_score": result.max_score, "cells": spans}


def run(name: str, runs: int) -> dict:
    record: dict = {"assignment": name, "limits": {"floor": LOCAL.time.cell_floor_seconds, "multiple": LOCAL.time.cell_multiple},
                    "build": [], "grading": []}
    for loaded in (False, True):
        for _ in range(runs):
            load = os.getloadavg()[0]
            record["build"].append({"busy": loaded, "load": round(load, 1), "seconds": build_times(name, loaded)})
            print(f"build busy={loaded} load={load:.1f}: {record['build'][-1]['seconds']}", flush=True)
            load = os.getloadavg()[0]
            graded = graded_times(name, loaded)
            record["grading"].append({"busy": loaded, "load": round(load, 1), **graded})
            outcome = f"{graded['status']} {graded['score']}/{graded['max_score']}"
            print(f"grading busy={loaded} load={load:.1f}: {outcome}", flush=True)
    return record


def report(record: dict) -> str:
    committed = timing.load(get_assignment(record["assignment"]).cell_times)
    heavy = [i for i, cell in enumerate(committed) if cell.seconds >= HEAVY_SECONDS]
    lines = [
        f"# Per-cell time limits: {record['assignment']} (floor {record['limits']['floor']:g} s, "
        f"multiple {record['limits']['multiple']:g})",
        "",
        "Seconds per code cell of the reference solution (cells whose committed time is at least "
        f"{HEAVY_SECONDS} s), min-max over the runs. *build*: as `build` records it (rounded up); *graded*: in "
        "the sandboxed engine; *limit*: what the committed `cell_times.json` allows. *+1 busy core*: one extra "
        "process of ours spinning. Load: 1-minute load average of the shared 2-core machine when a run "
        "started; others were working throughout, so every figure is an upper bound.",
        "",
        "| code cell | committed reference | limit | build | build, +1 busy core | graded | graded, +1 busy core |",
        "|---|---|---|---|---|---|---|",
    ]

    def span(rows: list[dict], key: int | str, busy_: bool, field: str) -> str:
        values = [row[field][key] if field == "seconds" else row["cells"][key][0] for row in rows if row["busy"] == busy_]
        return f"{min(values):g}-{max(values):g}" if values else "-"

    for i in heavy:
        limit = LOCAL.time.cell_budget(committed[i].seconds)
        cells = [span(record["build"], i, b, "seconds") for b in (False, True)]
        cells += [span(record["grading"], i + 1, b, "cells") for b in (False, True)]
        lines.append(f"| {i + 1} | {committed[i].seconds} | {limit:g} | " + " | ".join(cells) + " |")
    lines += ["", "| grading run | +1 busy core | load | status | score |", "|---|---|---|---|---|"]
    for n, row in enumerate(record["grading"], start=1):
        lines.append(f"| {n} | {row['busy']} | {row['load']} | {row['status']} | {row['score']:g}/{row['max_score']:g} |")
    slowest = max(
        (row["cells"][n][0] / row["cells"][n][1], n) for row in record["grading"] for n in row["cells"] if row["cells"][n][1]
    )
    lines += ["", f"Largest share of its limit any graded cell used: {slowest[0]:.0%} (code cell {slowest[1]})."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="mnist_nn")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    record = run(args.assignment, args.runs)
    RESULTS.mkdir(exist_ok=True)
    stem = f"cell_time_limits_{args.assignment}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(record, indent=1) + "\n")
    (RESULTS / f"{stem}.md").write_text(report(record))
    print(report(record))


if __name__ == "__main__":
    main()
