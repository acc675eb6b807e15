"""Containment: does a hostile neighbour slow a grading down, and does a tree's memory stay bounded?

    python -m benchmarks.containment [--skip-cpu] [--skip-memory]

CPU: grades the MNIST reference solution (it trains two networks) alone, then beside an honest
neighbour (another grading of the reference) and beside a hostile one (a notebook that spins a
dozen busy processes for longer than the reference takes), with the kernel's per-session
autogroup scheduling on and off (each spinner starts its own session, so that autogroup gives
each its own share) (``/proc/sys/kernel/sched_autogroup_enabled``, restored after),
and with each grading's CPU share (its control group) on and off. Each grading runs in its own
process, as two Dask workers would. The figure that matters: time beside the hostile neighbour
/ time beside the honest one (target: below 1.2).

Memory: grades the whole-tree memory attack (three children of 1.2 GB beside the kernel) with
bubblewrap as root (a control group) and as in Gradescope's Docker container (the watchdog),
and reports the peak of the tree against its limit.

Writes benchmarks/results/containment.md and .json. Needs root (autogroup, control groups).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import nbformat

from autograder.course.assignments import get_assignment
from autograder.course.paths import REPO
from autograder.engine import GradingOptions, cgroups, grade_submission
from autograder.engine.cleanup import remove_tree
from autograder.limits import GB, LOCAL
from tests.platforms import grade_on
from tests.submissions import ATTACKS, build_attack, honest_light_notebook

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

RESULTS = REPO / "benchmarks" / "results"
AUTOGROUP = Path("/proc/sys/kernel/sched_autogroup_enabled")
SPIN = (
    "import subprocess, sys, time\n"
    "spinners = [subprocess.Popen([sys.executable, '-c', 'while True: pass'], start_new_session=True)\n"
    "            for _ in range(12)]\n"
    "time.sleep({seconds})\n"
    "for s in spinners:\n"
    "    s.kill()\n"
)


def _notebook(kind: str, folder: Path, spin_seconds: float) -> Path:
    """The reference solution, or the hostile notebook (honest answers, then a dozen spinners)."""
    path = folder / f"{kind}.ipynb"
    if kind == "hostile":
        notebook = honest_light_notebook()
        notebook.cells.append(nbformat.v4.new_code_cell(SPIN.format(seconds=int(spin_seconds))))
    else:
        notebook = nbformat.read(MNIST.solution, as_version=4)
    nbformat.write(notebook, path)
    return path


def _interrupted(*_: object) -> None:
    raise KeyboardInterrupt  # leaving the grading's `with` blocks ends its tree and removes its files


def child(kind: str, folder: Path, spin_seconds: float, cpu_group: bool) -> None:
    """One grading in this process; prints its figures as JSON (run by `grading`)."""
    signal.signal(signal.SIGTERM, _interrupted)
    if not cpu_group:
        cgroups.CONTROLLERS = ("memory", "pids")  # this benchmark's switch: no CPU share for the tree
    try:
        path = _notebook(kind, folder, spin_seconds)
        started = time.perf_counter()
        result = grade_submission(path, folder / "out", GradingOptions(MNIST.task(), LOCAL))
        seconds = time.perf_counter() - started
    except KeyboardInterrupt:
        return
    finally:
        remove_tree(folder)
    record = result.containment
    print(json.dumps({"kind": kind, "seconds": seconds, "score": result.score, "status": str(result.status),
                      "cpu": record.protections.get("cpu") if record else None}))


def grading(kind: str, spin_seconds: float = 0, cpu_group: bool = True) -> subprocess.Popen:
    folder = Path(tempfile.mkdtemp(prefix=f"containment-bench-{kind}-"))
    command = [sys.executable, "-m", "benchmarks.containment", "--child", kind, str(folder), str(spin_seconds)]
    command += [] if cpu_group else ["--no-cpu-group"]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def figures(process: subprocess.Popen) -> dict:
    out, _ = process.communicate()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"a benchmark grading failed ({process.returncode})")
    return json.loads(lines[-1])


@contextmanager
def autogroup(enabled: bool):
    before = AUTOGROUP.read_text().strip()
    AUTOGROUP.write_text("1" if enabled else "0")
    try:
        yield
    finally:
        AUTOGROUP.write_text(before)


def beside(neighbour: str, alone: float, cpu_group: bool) -> dict:
    """The reference's grading with `neighbour` grading at the same time (a hostile one spins
    until the measured grading is over, then is stopped)."""
    other = grading(neighbour, spin_seconds=alone * 4, cpu_group=cpu_group)
    time.sleep(5)  # the neighbour's kernel is up (and spinning) before the measured grading starts
    measured = figures(grading("reference", cpu_group=cpu_group))
    if neighbour == "hostile":
        other.terminate()
    other.communicate()
    if measured["score"] != 18:
        raise RuntimeError(f"the reference scored {measured['score']}")
    return measured


def cpu_rows() -> tuple[float, list[dict]]:
    alone = figures(grading("reference"))["seconds"]
    print(f"reference alone: {alone:.1f} s", flush=True)
    rows = []
    for enabled in (True, False):
        with autogroup(enabled):
            for cpu_group in (True, False):
                row = {"autogroup": enabled, "cpu_group": cpu_group}
                for neighbour in ("honest", "hostile"):
                    kind = "reference" if neighbour == "honest" else "hostile"
                    row[neighbour] = beside(kind, alone, cpu_group)["seconds"]
                row["ratio"] = row["hostile"] / row["honest"]
                print(row, flush=True)
                rows.append(row)
    return alone, rows


def memory_rows() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = build_attack(ATTACKS / "memory_whole_tree.py", Path(folder) / "memory.ipynb")
        profile = replace(LOCAL, time=replace(LOCAL.time, cell_seconds=120))
        result = grade_submission(path, Path(folder) / "out", GradingOptions(MNIST.task(), profile))
    record = result.containment
    rows.append({"platform": "bubblewrap as root", "mechanism": record.protections["memory"],
                 "peak": record.peak_memory_bytes, "oom_kills": record.oom_kills, "status": str(result.status)})
    docker = grade_on("docker", [ATTACKS / "memory_whole_tree.py"])["containment"]
    rows.append({"platform": "no namespaces (Docker)", "mechanism": docker["protections"]["memory"],
                 "peak": docker["peak_memory_bytes"], "oom_kills": docker["oom_kills"],
                 "status": "; ".join(docker["limit_hits"])})
    for row in rows:
        print(row, flush=True)
    return rows


def report(alone: float | None, cpu: list[dict], memory: list[dict]) -> str:
    lines = ["# Containment (2-core machine shared with other work: timings are upper bounds)", ""]
    if cpu:
        lines += [
            f"Reference solution (MNIST, trains two networks) graded alone: {alone:.1f} s.", "",
            "| autogroup | CPU share per grading (cgroup) | beside an honest grading | beside a dozen busy processes "
            "| **ratio** |",
            "|---|---|---|---|---|",
        ]
        for r in cpu:
            lines.append(f"| {'on' if r['autogroup'] else 'off'} | {'on' if r['cpu_group'] else 'off'} | "
                         f"{r['honest']:.1f} s | {r['hostile']:.1f} s | **{r['ratio']:.2f}** |")
        lines.append("")
    if memory:
        limit = LOCAL.tree.tree_memory_bytes / GB
        lines += [
            f"Three children of 1.2 GB beside the kernel (3.6 GB asked), tree limit {limit:.1f} GB:", "",
            "| platform | mechanism | peak of the tree | OOM kills | outcome |", "|---|---|---|---|---|",
        ]
        for r in memory:
            peak = f"{r['peak'] / GB:.2f} GB" if r["peak"] else "n/a"
            lines.append(f"| {r['platform']} | {r['mechanism']} | {peak} | {r['oom_kills']} | {r['status']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cpu", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--no-cpu-group", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, folder, spin = args.child
        child(kind, Path(folder), float(spin), not args.no_cpu_group)
        return
    alone, cpu = cpu_rows() if not args.skip_cpu else (None, [])
    memory = memory_rows() if not args.skip_memory else []
    text = report(alone, cpu, memory)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "containment.md").write_text(text)
    (RESULTS / "containment.json").write_text(json.dumps({"alone": alone, "cpu": cpu, "memory": memory}, indent=2) + "\n")


if __name__ == "__main__":
    main()
