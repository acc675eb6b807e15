"""Execute stage: run a notebook cell by cell in a sandboxed Jupyter kernel, then answer probes.

The kernel is started by jupyter_client behind bubblewrap (see sandbox.py). The grader never
receives anything from it over ZeroMQ: a relay process of its own with a memory limit (link.py,
driven by KernelLink) sends the requests and passes back one short line per reply, and nobody
reads the kernel's output channel. Every cell has a time limit and the notebook a total budget.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from ..limits import IntakeLimits, Profile
from . import wire
from .containment import Containment
from .sandbox import SandboxSpec, UidLease, command_prefix, interpreter, prepare_host_folders


@dataclass
class CellOutcome:
    index: int  # position among the notebook's code cells, from 1
    status: str  # "ok", "error", "timeout", "died", "skipped"
    error: str = ""


@dataclass
class ExecutionReport:
    cells: list[CellOutcome] = field(default_factory=list)
    kernel_alive: bool = True
    background_ended: int = 0  # processes the notebook left running, ended after its last cell

    def first(self, status: str) -> CellOutcome | None:
        return next((c for c in self.cells if c.status == status), None)


class KernelStopped(Exception):
    """The kernel (or the relay that talks to it) is gone."""


class SandboxKernelManager(AsyncKernelManager):
    """Starts and stops the kernel process inside the sandbox; opens no socket to it (see KernelLink)."""

    sandbox_prefix: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        kernel = [interpreter(), "-m", "ipykernel_launcher", "-f", self.connection_file]
        return [*self.sandbox_prefix, *kernel]

    def _connect_control_socket(self) -> None:
        """jupyter_client would open a control socket here, which the kernel could flood: interrupts go through the link."""

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        os.chmod(self.connection_file, 0o644)  # the kernel runs as another user

class KernelLog:
    """The kernel process's own stderr (TensorFlow's start-up lines, crashes), kept up to a cap for the instructor.

    A pipe drained by a thread: the kernel never blocks on a full pipe, and whatever it writes past
    the cap costs the grader nothing.
    """

    def __init__(self, cap: int) -> None:
        self._read_fd, self.write_fd = os.pipe()
        self._cap, self._kept, self.dropped = cap, bytearray(), 0
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        with os.fdopen(self._read_fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                room = self._cap - len(self._kept)
                self._kept += chunk[:room]
                self.dropped += max(0, len(chunk) - room)

    def started(self) -> None:
        """The kernel has its copy of the pipe's write end; ours must close for the drain to end."""
        os.close(self.write_fd)
        self.write_fd = -1

    def text(self, wait: float = 2.0) -> str:
        if self.write_fd >= 0:
            self.started()
        self._thread.join(wait)
        more = f"\n[{self.dropped} more bytes not kept]" if self.dropped else ""
        return self._kept.decode("utf-8", errors="replace") + more


class KernelLink:
    """The grader's end of the relay (link.py): one JSON line per request out, one per reply back.

    The relay runs under an address-space limit; whatever the kernel sends can at worst end it,
    and then every request fails as if the kernel had stopped.
    """

    def __init__(self, connection_file: str, intake: IntakeLimits) -> None:
        # prlimit (util-linux, which the sandbox needs anyway) rather than a preexec_fn: the grader has
        # threads, and Python code between fork and exec could deadlock on a lock one of them held.
        command = ["/usr/bin/prlimit", f"--as={intake.link_memory_bytes}", "--", sys.executable, "-I",
                   str(Path(__file__).with_name("link.py")), connection_file,
                   str(intake.message_bytes), str(intake.queued_messages), str(intake.student_error_chars)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.answers: queue.Queue = queue.Queue()
        self._next = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        """Answers are our relay's own short lines; a line past 64 KB or that does not parse ends the link."""
        assert self.process.stdout is not None
        try:
            while line := self.process.stdout.readline(65536):
                self.answers.put(json.loads(line))
        except (OSError, ValueError):
            pass
        self.answers.put(None)

    def send(self, op: str, **fields: Any) -> int:
        self._next += 1
        try:
            assert self.process.stdin is not None
            self.process.stdin.write((json.dumps({"op": op, "id": self._next, **fields}) + "\n").encode())
            self.process.stdin.flush()
        except (OSError, ValueError):
            raise KernelStopped("the link to the kernel is gone") from None
        return self._next

    def wait(self, request: int, timeout: float, alive: Callable[[], bool]) -> dict:
        """The reply to `request`; TimeoutError after `timeout` s; KernelStopped if the kernel or the link ends."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                answer = self.answers.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                if not alive():
                    raise KernelStopped("the kernel died") from None
                continue
            if answer is None:
                self.answers.put(None)  # stays gone for every later request
                raise KernelStopped("the link to the kernel is gone")
            if answer.get("id") == request:
                return answer
        raise TimeoutError(f"no reply within {timeout:g} s")

    def close(self) -> None:
        try:
            self.process.kill()
            self.process.wait(timeout=5)
        except Exception:
            pass


class SandboxedKernel:
    """One submission's kernel: start it, run the notebook, probe it, and make sure it is gone."""

    def __init__(self, spec_factory, files: dict[str, Path | nbformat.NotebookNode], profile: Profile) -> None:
        self.lease = UidLease()
        try:  # the grading's folder (a capped tmpfs where possible) and control group: see containment.py
            self.containment = Containment(profile.tree, profile.time, self.lease.uid)
        except BaseException:
            self.lease.release()
            raise
        box = self.containment
        self.root, self.workdir, self.ipc, self.requests = box.root, box.workdir, box.ipc, box.requests
        try:
            spec: SandboxSpec = spec_factory(self.workdir, self.ipc, self.requests, self.lease.uid)
            self.spec = replace(spec, **box.sandbox_fields(spec.isolated))
            prepare_host_folders(self.spec)
            self._copy_in(files)
        except BaseException:
            self._release()
            raise
        self.limits, self.intake = profile.time, profile.intake
        self.km = SandboxKernelManager(transport="ipc", ip=str(self.ipc / "kernel"))
        self.km.sandbox_prefix = command_prefix(self.spec)
        self.km.connection_file = str(self.ipc / "kernel.json")
        self.km._kernel_spec = KernelSpec(
            argv=[], display_name="sandbox", language="python", interrupt_mode="message", env={}
        )
        self.link: KernelLink | None = None
        self.log: KernelLog | None = None

    def _copy_in(self, files: dict[str, Path | nbformat.NotebookNode]) -> None:
        for name, source in files.items():
            target = self.workdir / name
            if not isinstance(source, Path):  # a notebook node (v4, or converted from v3)
                nbformat.write(source, target)
                target.chmod(0o644)
            elif source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
        # The grader's files may be root-only (Gradescope's source folder): the copies are for the kernel's user.
        for path in [self.workdir, *self.workdir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)

    # -- lifecycle

    def start(self) -> None:
        """Start the kernel and its link; returns once the kernel answers (or raises KernelStopped)."""
        # The kernel's own stderr (not the notebook's output) goes to a capped log for the instructor.
        # Its environment is set inside the command (bwrap --clearenv, or env -i): only PATH to start it.
        self.log = KernelLog(self.intake.kernel_log_bytes)
        try:
            run_sync(self.km.start_kernel)(
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                stdout=subprocess.DEVNULL, stderr=self.log.write_fd, cwd=str(self.workdir),
            )
        finally:
            self.log.started()
        self.link = KernelLink(self.km.connection_file, self.intake)
        try:
            self.link.wait(self.link.send("info"), self.limits.kernel_start_seconds, lambda: self.alive)
        except TimeoutError:
            raise KernelStopped(f"the kernel did not answer within {self.limits.kernel_start_seconds:g} s") from None
        process = getattr(self.km.provisioner, "process", None)
        self.containment.started(process.pid if process is not None else None)  # before any student code

    def _stop_kernel(self) -> None:
        run_sync(self.km.shutdown_kernel)(now=True)

    def close(self) -> None:
        try:
            if self.km.has_kernel:
                self._stop_kernel()
        except Exception:
            pass
        if self.link is not None:
            self.link.close()
        self._release()

    def _release(self) -> None:
        """End every process of the tree, remove its files and group (never raises), free the uid."""
        self.containment.close()
        self.containment.released()
        self.lease.release()

    def __enter__(self) -> SandboxedKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    # -- execution

    def run_code(self, code: str, timeout: float, store_history: bool = False) -> dict:
        """Execute code and wait for its reply: {"status", and for an error "ename", "evalue"}.

        Raises TimeoutError (the code still runs: interrupt it) or KernelStopped.
        """
        if self.link is None:
            raise KernelStopped("the kernel was not started")
        request = self.link.send("execute", code=code, store_history=store_history)
        return self.link.wait(request, timeout, lambda: self.alive)

    def execute(
        self,
        notebook: nbformat.NotebookNode,
        preamble: str,
        before_each: str = "",
        cell_seconds: Sequence[float] | Callable[[], Sequence[float]] = (),
    ) -> ExecutionReport:
        """Run the preamble, then every code cell (the n-th for at most cell_seconds[n-1], or what
        cell_seconds() returns once the preamble has run); never raises for student code."""
        report = ExecutionReport()
        started = time.monotonic()
        try:
            self.run_code(preamble, timeout=self.limits.kernel_start_seconds)  # it imports Keras
        except (KernelStopped, TimeoutError) as exc:
            report.kernel_alive = False
            report.cells.append(CellOutcome(0, "died", f"the kernel did not start ({exc})"))
        if callable(cell_seconds):  # e.g. limits scaled by a speed check that runs in the prepared kernel
            cell_seconds = cell_seconds() if report.kernel_alive else ()
        code_cells = [c for c in notebook.cells if c.cell_type == "code"]
        for number, cell in enumerate(code_cells, start=1):
            remaining = self.limits.notebook_seconds - (time.monotonic() - started)
            if remaining <= 0 or not report.kernel_alive:
                report.cells.append(CellOutcome(number, "skipped"))
                continue
            if before_each:  # its own request: the student's cell and line numbers stay as written
                try:
                    self.run_code(before_each, timeout=self.limits.grader_cell_seconds)
                except (KernelStopped, TimeoutError):
                    report.cells.append(CellOutcome(number, "died", "the kernel stopped responding"))
                    report.kernel_alive = False
                    continue
            limit = cell_seconds[number - 1] if number <= len(cell_seconds) else self.limits.cell_seconds
            report.cells.append(self._execute_cell(cell.source, number, max(1.0, min(limit, remaining))))
            report.kernel_alive = report.cells[-1].status != "died" and self.alive
        report.background_ended = self.containment.end_background()
        return report

    def _execute_cell(self, source: str, number: int, seconds: float) -> CellOutcome:
        try:
            reply = self.run_code(source, timeout=seconds, store_history=True)
        except TimeoutError:
            return CellOutcome(number, "timeout" if self.interrupt() else "died", f"timed out after {seconds:.0f} s")
        except KernelStopped:
            return CellOutcome(number, "died", "the kernel died")
        if reply["status"] != "ok":
            return CellOutcome(number, "error", f"{reply.get('ename', 'Error')}: {reply.get('evalue', '')[:300]}")
        return CellOutcome(number, "ok")

    def interrupt(self) -> bool:
        """Interrupt a runaway cell; stop the kernel if it does not come back. True if it is usable."""
        try:
            assert self.link is not None
            self.link.send("interrupt")
            self.run_code("pass", timeout=self.limits.interrupt_seconds)
            return True
        except Exception:
            self._stop_kernel()
            return False

    # -- probes

    def install_probes(self) -> None:
        """Load wire.py, models.py and probe_agent.py into the kernel as private modules.

        One statement whose value is None, run in a dictionary of its own: the student's namespace
        (and IPython's `_` history) stays exactly as the notebook left it.
        """
        here = Path(__file__).parent
        sources = {f"_autograder_{name}": (here / f"{name}.py").read_text() for name in ("models", "wire", "probe_agent")}
        installer = (
            "import sys, types\n"
            "for name, source in SOURCES.items():\n"
            "    module = types.ModuleType(name)\n"
            "    sys.modules[name] = module\n"
            "    exec(compile(source, name, 'exec'), module.__dict__)\n"
        )
        code = f"__import__('builtins').exec({installer!r}, {{'SOURCES': {sources!r}}})"
        reply = self.run_code(code, timeout=self.limits.probe_seconds)
        if reply.get("status") != "ok":
            raise RuntimeError("could not install the grader's probes")

    def _ask(self, code: str, answer: Path, timeout: float, read: Callable[[str], Any]) -> dict:
        """Run one probe and read its answer; every failure is the student's, in words that carry nothing of theirs."""
        if not self.alive:
            raise wire.StudentError("the notebook's kernel is no longer running")
        try:
            self.run_code(code, timeout=timeout)
        except TimeoutError:
            self.interrupt()
            raise wire.StudentError(f"it did not finish within {timeout:.0f} s") from None
        except KernelStopped:
            raise wire.StudentError("the notebook's kernel stopped while the grader was reading its answers") from None
        try:
            return _checked_envelope(read(str(answer)))
        finally:
            _discard(answer)

    def _answer_path(self) -> Path:
        """A fresh, unguessable name for the kernel's next answer (nothing can be planted there in advance)."""
        return self.ipc / f"answer-{secrets.token_hex(8)}"

    def fetch(self, name: str, timeout: float, read: Callable[[str], Any]) -> dict:
        """The student's global `name` as an envelope: status missing/ok, callable, value."""
        answer = self._answer_path()
        return self._ask(f"__import__('_autograder_probe_agent').fetch({name!r}, {str(answer)!r})", answer, timeout, read)

    def call(self, name: str, args: tuple, kwargs: dict, timeout: float, read: Callable[[str], Any]) -> dict:
        """Call the student's function on copies of the grader's arguments; returns its envelope."""
        request, answer = self.requests / f"request-{secrets.token_hex(8)}", self._answer_path()
        wire.write((list(args), kwargs), str(request))
        try:
            code = f"__import__('_autograder_probe_agent').call({name!r}, {str(request)!r}, {str(answer)!r})"
            return self._ask(code, answer, timeout, read)
        finally:
            _discard(request)


def _discard(path: Path) -> None:
    """Remove a probe's file if it is there; whatever the kernel put in its place, never fail."""
    try:
        path.unlink()
    except OSError:
        pass


def _checked_envelope(envelope: Any) -> dict:
    if type(envelope) is not dict or envelope.get("status") not in ("ok", "missing", "error"):
        raise wire.PlainDataError("the kernel's answer is malformed")
    return envelope
