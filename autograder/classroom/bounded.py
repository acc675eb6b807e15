"""Run one step of the class outputs in a child process, within a time and a memory bound.

The similarity step reads every student's code; one submission must not be able to make the
instructor's own process slow or large (an unknown ``%%`` cell magic followed by megabytes of
code once took 88 s and 1.24 GB there). In a child, the step's memory is capped by RLIMIT_AS and
its time by a deadline, after which the child is killed; the caller gets a StepFailed with the
reason and writes everything else.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable


class StepFailed(Exception):
    """The step did not finish within its bounds, or raised; the message says which."""


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _out_of_memory(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, MemoryError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _child(sender, function: Callable, args: tuple, memory_bytes: int) -> None:
    # The function's module is imported by now (unpickling it did that): the bound is on the step's own work.
    limit = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        outcome = ("ok", function(*args))
    except BaseException as error:
        if _out_of_memory(error):
            outcome = ("error", f"it needed more than {memory_bytes / 1024**2:g} MB of memory")
        else:
            first_line = (str(error).strip().splitlines() or [""])[0]
            outcome = ("error", f"{type(error).__name__}: {first_line[:300]}")
    sender.send(outcome)
    sender.close()


def run_bounded(function: Callable, args: tuple, seconds: float, memory_bytes: int):
    """function(*args) in a fresh process (spawned: it inherits no threads or open sockets), which may
    take memory_bytes of address space beyond what importing the function's module took."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args, memory_bytes), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise StepFailed(f"it took more than {seconds:g} s")
        kind, value = receiver.recv()
    except (EOFError, OSError):
        process.join(5)
        raise StepFailed(f"its process ended without an answer (exit code {process.exitcode})") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if kind == "error":
        raise StepFailed(value)
    return value
