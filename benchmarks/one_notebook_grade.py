"""What one `grade` command costs beyond executing the notebook: the command line against plain nbclient.

    python -m benchmarks.one_notebook_grade [--pairs N] [--notebook PATH] [--no-save]

Runs, in alternating pairs (plain, command; plain, command; ...), each as the instructor would:

* plain: a fresh ``python`` that executes the notebook with nbclient in an ordinary kernel next to its
  support files (``benchmarks.grading_overhead.plain_execution``), no grading;
* the command: ``python -m autograder grade NOTEBOOK --assignment mnist_nn --out DIR`` in a fresh process,
  with its hidden ``--timings`` record of where the time went.

Prints, per pair and as medians, the command's wall time split into interpreter start and imports,
reading the submission, the resume check, the engine's own stages (from the submission's grading.json),
the rest of the grading step, the class outputs and the process's exit; and two ratios: the command's
wall time over the plain process's wall time (both start Python, import, start a kernel), and over
nbclient's ``execute()`` alone (the stricter one; the issue's target, at most 1.10, is on it). Writes
benchmarks/results/one_notebook_grade.md unless --no-save.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.course.paths import REPO

RESULTS = REPO / "benchmarks" / "results"
ASSIGNMENT = "mnist_nn"  # grading_overhead.plain_execution lays out this lesson's support files


def plain(notebook: Path) -> dict:
    """Execute the notebook with nbclient in a fresh interpreter; wall time and execute() time."""
    from autograder.course.assignments import get_assignment

    lesson = get_assignment(ASSIGNMENT)
    beside = [str(p) for p in (*lesson.support_files, lesson.public_tests)]
    started = time.time()
    done = subprocess.run([sys.executable, "-m", "benchmarks.one_notebook_grade", "--plain-once", str(notebook),
                           lesson.notebook_name, *beside], cwd=REPO, capture_output=True, text=True, check=True)
    wall = time.time() - started
    return {"wall": wall, "execute": json.loads(done.stdout.strip().splitlines()[-1])["execute"]}


def command(notebook: Path) -> dict:
    """Run `grade` on the notebook in a fresh interpreter; its wall time and where it went."""
    with tempfile.TemporaryDirectory(prefix="one-notebook-") as folder:
        out, record = Path(folder) / "out", Path(folder) / "timings.json"
        started = time.time()
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(notebook), "--assignment", ASSIGNMENT,
                               "--out", str(out), "--timings", str(record)], cwd=REPO, capture_output=True, text=True)
        ended = time.time()
        if done.returncode != 0:
            raise SystemExit(f"grade failed ({done.returncode}):\n{done.stderr[-3000:]}")
        timings = json.loads(record.read_text())
        manifest = json.loads(next(out.glob("*/grading.json")).read_text())
    phases = timings["phases"]
    engine = manifest.get("stages", {})
    parts = {
        "interpreter start and imports": timings["started"] - started,
        "reading the submission": phases.get("collect", 0.0),
        "resume check (grader version)": phases.get("plan", 0.0),
        **{f"engine: {stage}": seconds for stage, seconds in engine.items()},
        "grading step outside the engine": phases.get("gradings", 0.0) - sum(engine.values()),
        "cluster (start, worker check, stop)": sum(phases.get(k, 0.0) for k in ("cluster start", "worker check",
                                                                                  "cluster stop")),
        "class outputs: grades.csv": phases.get("gradebook", 0.0),
        "class outputs: similarity": phases.get("similarity", 0.0),
        "class outputs: report.html": phases.get("report", 0.0),
        "exit": ended - timings["finished"],
    }
    wall = ended - started
    parts["not accounted for"] = wall - sum(parts.values())
    return {"wall": wall, "parts": parts, "score": manifest["score"], "engine": manifest["seconds"]}


def plain_once(notebook: Path, name: str, beside: list[Path]) -> None:
    """In the plain process: what an instructor would run without the grader (nbclient, the course's data)."""
    import shutil

    import nbformat
    from nbclient import NotebookClient

    from autograder.course.data import kernel_environment

    with tempfile.TemporaryDirectory() as folder:
        for path in beside:  # the data helper and the public tests, as a student has them
            (shutil.copytree if path.is_dir() else shutil.copy2)(path, Path(folder) / path.name)
        content = nbformat.read(notebook, as_version=4)
        nbformat.write(content, Path(folder) / name)
        client = NotebookClient(content, timeout=1200, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": folder}})
        started = time.perf_counter()
        client.execute(env=kernel_environment())
        print(json.dumps({"execute": time.perf_counter() - started}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2, help="alternating pairs of plain execution and `grade`")
    parser.add_argument("--notebook", type=Path, default=REPO / "solutions" / f"{ASSIGNMENT}_solution.ipynb")
    parser.add_argument("--no-save", action="store_true", help="print only (a smoke run on a busy machine)")
    parser.add_argument("--plain-once", nargs="+", type=Path, help=argparse.SUPPRESS)  # NOTEBOOK NAME FILES...
    args = parser.parse_args()
    if args.plain_once:
        notebook, name, *beside = args.plain_once
        return plain_once(notebook, str(name), beside)
    notebook = args.notebook.resolve()
    plains, commands = [], []
    for pair in range(1, args.pairs + 1):
        plains.append(plain(notebook))
        commands.append(command(notebook))
        print(f"pair {pair}: plain {plains[-1]['wall']:.1f} s (execute {plains[-1]['execute']:.1f} s), grade "
              f"{commands[-1]['wall']:.1f} s (engine {commands[-1]['engine']:.1f} s, score {commands[-1]['score']:g}); "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
    print("\n" + report(notebook, plains, commands))
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "one_notebook_grade.md").write_text(report(notebook, plains, commands))


def report(notebook: Path, plains: list[dict], commands: list[dict]) -> str:
    median = statistics.median
    wall, plain_wall, execute = (median(c["wall"] for c in commands), median(p["wall"] for p in plains),
                                 median(p["execute"] for p in plains))
    shown = notebook.relative_to(REPO) if notebook.is_relative_to(REPO) else notebook
    lines = [
        f"# One notebook through `grade` ({shown}, {len(commands)} alternating pairs, medians)",
        "",
        f"Load average at the end: {os.getloadavg()[0]:.1f} (2 cores).",
        "",
        "| measure | seconds |",
        "|---|---|",
        f"| plain: nbclient `execute()` | {execute:.1f} |",
        f"| plain: the whole process (interpreter, imports, kernel start, execution) | {plain_wall:.1f} |",
        f"| `python -m autograder grade NOTEBOOK --assignment {ASSIGNMENT} --out DIR` | {wall:.1f} |",
        f"| **ratio grade / plain execute()** | **{wall / execute:.3f}** |",
        f"| ratio grade / plain process | {wall / plain_wall:.3f} |",
        "",
        "| where the command's time went | seconds |",
        "|---|---|",
    ]
    for part in commands[0]["parts"]:
        lines.append(f"| {part} | {median(c['parts'].get(part, 0.0) for c in commands):.2f} |")
    lines += ["", "| pair | plain execute() | plain process | grade | ratio to execute() | ratio to process |",
              "|---|---|---|---|---|---|"]
    for number, (p, c) in enumerate(zip(plains, commands, strict=True), 1):
        lines.append(f"| {number} | {p['execute']:.1f} | {p['wall']:.1f} | {c['wall']:.1f} | {c['wall'] / p['execute']:.3f} "
                     f"| {c['wall'] / p['wall']:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
