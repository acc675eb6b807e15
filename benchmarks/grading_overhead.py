"""What the hardened grader costs: plain notebook execution against a full sandboxed grade.

    python -m benchmarks.grading_overhead [--repeat N] [--notebook PATH]

Times (1) executing the notebook with nbclient in an ordinary kernel, no grading, and (2) the
full ``grade`` of the same notebook (sandbox start, execution, probing and judging, report),
alternating the two N times. Prints the ratio, the per-stage breakdown and the peak resident
memory of the whole process tree (grader plus kernel), and writes
benchmarks/results/grading_overhead.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

from autograder.course.assignments import get_assignment
from autograder.course.data import kernel_environment
from autograder.course.paths import DATA_MODULE, REPO
from autograder.engine import GradingOptions, grade_submission

MNIST = get_assignment("mnist_nn")  # the lesson this benchmark grades

RESULTS = REPO / "benchmarks" / "results"


class PeakMemory:
    """Samples the memory of this process and all its descendants.

    RSS counts the shared TensorFlow libraries once per process; PSS splits shared pages
    between the processes that map them, so its sum is what the grade really occupies.
    """

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.peak_rss = self.peak_pss = self.peak_kernel_rss = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            rss = pss = kernel = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    info = process.memory_full_info()
                except psutil.Error:
                    continue
                rss, pss = rss + info.rss, pss + getattr(info, "pss", info.rss)
                kernel += info.rss if process.pid != me.pid else 0
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_kernel_rss = max(self.peak_kernel_rss, kernel)
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def plain_execution(notebook_path: Path) -> float:
    """Seconds to execute the notebook with nbclient next to its support files."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        shutil.copy2(DATA_MODULE, folder / DATA_MODULE.name)
        shutil.copytree(MNIST.public_tests, folder / "tests")
        notebook = nbformat.read(notebook_path, as_version=4)
        nbformat.write(notebook, folder / MNIST.notebook_name)
        client = NotebookClient(notebook, timeout=1200, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(folder)}})
        start = time.perf_counter()
        client.execute(env=kernel_environment())
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="alternating runs of each (default 1)")
    parser.add_argument("--notebook", type=Path, default=MNIST.solution, help="notebook to time")
    args = parser.parse_args()

    plain, graded, stages, peaks = [], [], [], []
    for run in range(1, args.repeat + 1):
        plain.append(plain_execution(args.notebook))
        with tempfile.TemporaryDirectory() as out, PeakMemory() as memory:
            start = time.perf_counter()
            result = grade_submission(args.notebook, Path(out), GradingOptions(MNIST.task()))
            graded.append(time.perf_counter() - start)
        stages.append(result.stages)
        peaks.append((memory.peak_pss, memory.peak_rss, memory.peak_kernel_rss))
        print(f"run {run}: plain {plain[-1]:.1f} s, grade {graded[-1]:.1f} s ({result.score:g}/{result.max_score:g}), "
              f"peak {memory.peak_pss / 1024**3:.2f} GB (PSS)", flush=True)

    ratio = statistics.median(graded) / statistics.median(plain)
    lines = [
        f"notebook: {args.notebook.relative_to(REPO) if args.notebook.is_relative_to(REPO) else args.notebook}",
        f"runs: {args.repeat} of each, alternating; medians below",
        "",
        "| measure | value |",
        "|---|---|",
        f"| plain execution (nbclient, no grading) | {statistics.median(plain):.1f} s |",
        f"| full grade (sandbox, execution, probe + judge, report) | {statistics.median(graded):.1f} s |",
        f"| **ratio grade / plain** | **{ratio:.3f}** |",
        f"| peak memory of the whole grade, grader + kernel (sum of PSS) | {max(p[0] for p in peaks) / 1024**3:.2f} GB |",
        f"| the same as a sum of RSS (shared libraries counted twice) | {max(p[1] for p in peaks) / 1024**3:.2f} GB |",
        f"| peak RSS of the kernel (sandbox) alone | {max(p[2] for p in peaks) / 1024**3:.2f} GB |",
        "",
        "| stage | seconds (median) |",
        "|---|---|",
    ]
    for stage in stages[0]:
        lines.append(f"| {stage} | {statistics.median(s.get(stage, 0.0) for s in stages):.2f} |")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "grading_overhead.md").write_text(text)


if __name__ == "__main__":
    main()
