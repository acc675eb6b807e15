"""Where gradings run: a local Dask cluster, or an existing one named by its scheduler's address.

Any scheduler works, plain ``dask scheduler`` included: tasks name the grader's functions
(``submit_by_name``) instead of carrying pickled references to them, so the scheduler never
imports the grader. Workers must import it: ``python -m autograder worker ADDRESS`` (run from
this repository) is ``dask worker`` with the repository importable in every worker process and
grading's defaults (one thread, no memory manager). Before grading, every worker is asked for its
grader (``check_workers``): workers that cannot import it are left out with a message, and when
none can, nothing is submitted and the instructor is told how to start them.
"""

from __future__ import annotations

import importlib
import logging
import operator
import os
import sys
import warnings
from dataclasses import dataclass, field

from ..course.paths import REPO
from ..limits import CLASSROOM, WORKER_MEMORY_BYTES

WORKER_MODULE = "autograder.classroom.worker"
WORKER_COMMAND = "python -m autograder worker ADDRESS"
# One grading at a time per worker: each kernel already uses two cores. No memory manager: the
# sandbox caps the kernel's memory, and a nanny restart would only lose the grading in flight.
WORKER_DEFAULTS = {"--nthreads": "1", "--memory-limit": "0"}


class ClusterError(Exception):
    """No worker of the cluster can grade; the message says why and how to fix it."""


@dataclass
class WorkerCheck:
    usable: list[str] = field(default_factory=list)  # addresses of workers that can grade
    problems: list[str] = field(default_factory=list)  # one line per worker that cannot
    versions: dict[str, dict[str, str]] = field(default_factory=dict)  # address -> assignment -> grader version


def workers_for_this_machine() -> int:
    """One grading worker per core, as memory allows (a grading peaks at about 2.1 GB; 3 GB each).

    Each kernel trains with two threads, yet two workers on two cores graded 1.33x faster than one
    (benchmarks/results/batch_throughput.md): kernel start-up, imports and file work overlap training.
    """
    import psutil

    by_memory = psutil.virtual_memory().total // WORKER_MEMORY_BYTES
    return max(1, min(len(os.sched_getaffinity(0)), by_memory))


def start_client(scheduler: str | None, workers: int, pending: int):
    """A client of the named scheduler, or of a new local cluster (then also returned, to close)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    # Without a dashboard the scheduler still serves HTTP (health checks) on 8787 or, when that is taken
    # (another cluster on the machine), on another port with a warning that is noise on the terminal.
    warnings.filterwarnings("ignore", message=r"Port \d+ is already in use", category=UserWarning)
    cluster = LocalCluster(
        n_workers=min(workers or workers_for_this_machine(), max(1, pending)),
        threads_per_worker=int(WORKER_DEFAULTS["--nthreads"]),
        processes=True,
        memory_limit=0,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def check_workers(client, wait_seconds: float = CLASSROOM.worker_wait_seconds) -> WorkerCheck:
    """Ask every worker for its grader; raise ClusterError when none can grade."""
    from .worker import worker_report

    try:
        client.wait_for_workers(1, timeout=wait_seconds)
    except TimeoutError:
        raise ClusterError(f"no Dask worker joined the cluster within {wait_seconds:g} s; start one with "
                           f"`{WORKER_COMMAND}` from this repository") from None
    check = WorkerCheck()
    for address, report in sorted(client.run(worker_report, on_error="return").items()):
        if isinstance(report, BaseException):
            check.problems.append(f"{address} cannot import the grader ({type(report).__name__}: {report})")
        else:
            check.usable.append(address)
            check.versions[address] = report["versions"]
    if not check.usable:
        raise ClusterError("no worker of the cluster can import the grader: " + "; ".join(check.problems)
                           + f". Start the workers with `{WORKER_COMMAND}` from this repository (README, 'Grade a class').")
    return check


def submit_by_name(client, key: str, function: str, args: tuple, workers: list[str] | None = None):
    """A future of WORKER_MODULE.function(*args), as a task the scheduler holds without importing the grader.

    The task is a call of ``operator.methodcaller`` on ``importlib.import_module(WORKER_MODULE)``:
    only standard-library references cross the scheduler, and only the worker imports the grader.
    """
    task = (operator.methodcaller(function, *args), (importlib.import_module, WORKER_MODULE))
    return client.get({key: task}, key, sync=False, workers=workers, allow_other_workers=False if workers else None)


def is_import_failure(error: BaseException) -> bool:
    """A task that failed because its worker cannot import the grader (not because of the submission)."""
    return isinstance(error, ImportError)


def run_worker(argv: list[str]) -> int:
    """``dask worker ARGV`` with this repository importable in the worker processes it starts."""
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    args = list(argv)
    for option, value in WORKER_DEFAULTS.items():
        if not any(a == option or a.startswith(option + "=") for a in args):
            args += [option, value]
    from distributed.cli.dask_worker import main

    main.main(args=args, prog_name="python -m autograder worker")  # exits when the worker stops
    return 0
