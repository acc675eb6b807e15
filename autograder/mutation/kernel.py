"""The reference solution, executed once in the sandboxed engine and kept alive to judge mutants.

Each mutant is applied in that kernel (one function or value redefined), judged by the engine's
own judge, and the original is put back. A mutant that stops the kernel costs a restart: the
reference runs again.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import nbformat

from ..engine import GradeResult, GradingOptions, GradingTask, Status
from ..engine.judge import KernelNamespace
from ..engine.pipeline import LiveSubmission
from ..engine.sandbox import user_processes
from ..limits import LOCAL, MutationLimits, Profile

MODULE = "_autograder_mutation"


class KernelLost(RuntimeError):
    """The kernel stopped, or stopped answering, while a mutant was applied or judged."""


class ReferenceFailed(RuntimeError):
    """The reference solution itself did not run cleanly: nothing can be judged against it."""


def mutation_profile(limits: MutationLimits) -> Profile:
    """The local profile with the run's own probe and judge budgets."""
    time_limits = replace(LOCAL.time, probe_seconds=limits.probe_seconds, judge_seconds=limits.judge_seconds)
    return replace(LOCAL, name="mutation", time=time_limits)


def reference_notebook(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def _tree_cpu_seconds(uid: int) -> float:
    """CPU time used so far by the processes of the sandbox's own user (0 where the kernel keeps ours)."""
    import psutil

    if os.geteuid() != 0:
        return 0.0
    total = 0.0
    for pid in user_processes(uid):
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


class ReferenceKernel:
    def __init__(self, task: GradingTask, notebook: nbformat.NotebookNode, limits: MutationLimits) -> None:
        self.options = GradingOptions(task, profile=mutation_profile(limits), require_sandbox=False)
        self.notebook, self.limits = notebook, limits
        self.live: LiveSubmission | None = None
        self.restarts = 0
        self.seconds = 0.0  # the first execution of the reference
        self.cpu_seconds = 0.0  # CPU time of the kernels' process trees, added up when each ends

    def __enter__(self) -> ReferenceKernel:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        started = time.perf_counter()
        result = GradeResult(submission="reference", cases=[])
        live = LiveSubmission(self.notebook, self.options, result)
        live.__enter__()
        self.live = live
        if result.status != Status.GRADED or any("raised an error" in line for line in result.summary):
            self.close()
            raise ReferenceFailed("the reference solution did not run cleanly: " + " ".join(result.summary))
        source = (Path(__file__).with_name("kernel_side.py")).read_text()
        self._run(
            f"__import__('sys').modules.setdefault({MODULE!r}, __import__('types').ModuleType({MODULE!r}))\n"
            f"exec(compile({source!r}, {MODULE!r}, 'exec'), __import__('sys').modules[{MODULE!r}].__dict__)\n",
            "install the mutation helper",
        )
        if not self.seconds:
            self.seconds = time.perf_counter() - started

    def close(self) -> None:
        if self.live is not None:
            self.cpu_seconds += _tree_cpu_seconds(self.live.kernel.spec.uid)
            self.live.__exit__(None, None, None)
            self.live = None

    def restart(self) -> None:
        """Run the reference again in a fresh kernel (after a mutant stopped the old one)."""
        self.close()
        self.restarts += 1
        self._start()

    def _run(self, code: str, what: str) -> dict:
        try:
            return self.live.kernel.run_code(code, timeout=self.limits.apply_seconds)
        except Exception as exc:  # the kernel died or stopped answering
            raise KernelLost(f"could not {what}: {type(exc).__name__}") from None

    @property
    def alive(self) -> bool:
        return self.live is not None and self.live.kernel.alive

    def apply(self, code: str, names: tuple[str, ...]) -> str | None:
        """Run a mutant in place of the original; the exception's type if it raised (its names are then unbound)."""
        reply = self._run(f"__import__({MODULE!r}).apply({code!r}, {list(names)!r})", "apply the mutant")
        return None if reply.get("status") == "ok" else str(reply.get("ename") or "an error")

    def apply_steps(self, steps: list[tuple[str, str, str]], names: list[str]) -> str | None:
        """Run a corpus entry's steps (kernel_side.apply_steps); the type of what raised (the reference is then back)."""
        reply = self._run(f"__import__({MODULE!r}).apply_steps({steps!r}, {names!r})", "apply the corpus entry")
        return None if reply.get("status") == "ok" else str(reply.get("ename") or "an error")

    def restore(self, collect: bool = False) -> None:
        reply = self._run(f"__import__({MODULE!r}).restore({collect!r})", "restore the reference")
        if reply.get("status") != "ok":
            raise KernelLost(f"could not restore the reference: {reply.get('ename')}")

    def namespace(self) -> KernelNamespace:
        return self.live.namespace()
