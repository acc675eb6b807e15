"""How much slower the grading machine is than the one that timed the reference solution.

A cell's time limit comes from the matching cell of the reference solution, timed where the
reference was built (``TimeLimits.cell_budget``). A slower grading machine (a Gradescope container,
a Dask worker elsewhere, a busier machine) would stop honest cells that ran longer only because
the machine is slower; a faster one would not matter. So the course supplies a short, fixed
workload (a :class:`SpeedCheck`) that is timed twice in the same kind of kernel: when the
reference is built, just before its cells, and here, in a grading's kernel after the preamble
(Keras imported, every generator seeded) and before the student's first cell: nothing of the
student's has run, so the time is the machine's. The check uses no random state and leaves no name
behind, so the notebook computes exactly what it would without it. The reference times
are multiplied by the ratio, never by less than 1, and no cell gets more than the profile's
``cell_seconds``.

A process measures once, in its first grading that has a check, and reuses the figure: a Dask
worker or Gradescope's container pays about two seconds once. What is measured here never enters
the grader version (it would regrade a class per machine); each grading's instructor notes say
which limits applied and where the figures came from.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..limits import TimeLimits
from .execute import KernelStopped

if TYPE_CHECKING:
    from .execute import SandboxedKernel

MODULE = "_autograder_speed"  # the check's own namespace in the kernel: the student's globals stay untouched


@dataclass(frozen=True)
class SpeedCheck:
    """A fixed workload, and how long one step of it took where the reference solution was timed."""

    setup: str  # run once, untimed: imports, data, a warm-up; defines what the step uses
    step: str  # one timed step (a fraction of a second); timed `repeats` times, the median counts
    reference_seconds: float  # the median step where the reference solution's cell times were recorded
    repeats: int = 5

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.setup}\0{self.step}\0{self.repeats}".encode()).hexdigest()[:16]

    # The same statements run in the build's kernel (as cells) and in a grading's kernel (as requests).
    def setup_code(self) -> str:
        body = (
            "import sys, types\n"
            f"module = sys.modules[{MODULE!r}] = types.ModuleType({MODULE!r})\n"
            "exec(compile(SETUP, '<speed check>', 'exec'), module.__dict__)\n"
        )
        return f"__import__('builtins').exec({body!r}, {{'SETUP': {self.setup!r}}})"

    def step_code(self) -> str:
        return f"__import__('builtins').exec({self.step!r}, __import__('sys').modules[{MODULE!r}].__dict__)"

    @staticmethod
    def cleanup_code() -> str:
        """Forget the check's namespace (its arrays too)."""
        return f"__import__('sys').modules.pop({MODULE!r}, None) and None"


@dataclass(frozen=True)
class MachineSpeed:
    """The factor applied to the reference cell times in one grading, and where it came from."""

    scale: float  # >= 1; inf: every cell gets the profile's cell_seconds
    source: str  # for the instructor: what was measured where

    def note(self, budgets: list[float], limits: TimeLimits) -> str:
        shown = ", ".join(f"{b:.0f}" for b in budgets) or "none"
        factor = "the profile's maximum" if self.scale == float("inf") else f"x{self.scale:.2f}"
        return (
            f"Time limits: each cell {limits.cell_multiple:g} x its reference cell's time {factor} + "
            f"{limits.cell_floor_seconds:g} s, at most {limits.cell_seconds:g} s; the notebook {limits.notebook_seconds:g} s. "
            f"Machine speed: {self.source}. Limits of code cells 1-{len(budgets)} (s): {shown}."
        )


_measured: dict[str, tuple[float, str]] = {}  # this process's figure per check: (median step seconds, when)


def _median_step(kernel: SandboxedKernel, check: SpeedCheck, deadline: float) -> float:
    """Time the check's steps in the kernel; TimeoutError past the deadline, RuntimeError if the check fails there."""
    steps = []
    for code in [check.setup_code()] + [check.step_code()] * check.repeats:
        started = time.monotonic()
        reply = kernel.run_code(code, timeout=max(0.1, deadline - started))
        if reply.get("status") != "ok":
            raise RuntimeError(reply.get("ename", "error"))
        steps.append(time.monotonic() - started)
    return statistics.median(steps[1:])


def machine_speed(kernel: SandboxedKernel, check: SpeedCheck | None, limits: TimeLimits) -> MachineSpeed:
    """Measure (once per process) how much slower this machine runs the check than the build did."""
    if check is None:
        return MachineSpeed(1.0, "no speed check recorded with the reference (built before it existed, or not executed)")
    built = f"{check.reference_seconds:.3f} s where the reference was timed"
    if check.digest in _measured:
        seconds, when = _measured[check.digest]
        where = f"a step of the speed check took {seconds:.3f} s in an earlier grading of this process ({when}), {built}"
    else:
        try:
            seconds = _median_step(kernel, check, time.monotonic() + limits.speed_check_seconds)
        except TimeoutError:
            kernel.interrupt()
            return MachineSpeed(float("inf"), f"the speed check did not finish within {limits.speed_check_seconds:g} s here")
        except (RuntimeError, KernelStopped) as error:
            return MachineSpeed(1.0, f"the speed check failed in the kernel ({error}); the build's times apply")
        finally:
            _forget(kernel)
        _measured[check.digest] = (seconds, time.strftime("%Y-%m-%d %H:%M:%S"))
        where = f"a step of the speed check took {seconds:.3f} s in this grading's kernel, {built}"
    ratio = seconds / check.reference_seconds if check.reference_seconds > 0 else 1.0
    return MachineSpeed(max(1.0, ratio), f"{where} (ratio {ratio:.2f}; never below 1)")


def _forget(kernel: SandboxedKernel) -> None:
    try:
        kernel.run_code(SpeedCheck.cleanup_code(), timeout=30)
    except Exception:
        pass  # a kernel that does not answer is found by the notebook's first cell
