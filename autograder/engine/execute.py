"""Execute stage: run a notebook cell by cell in a sandboxed Jupyter kernel, then answer probes.

The kernel is started by jupyter_client behind bubblewrap (see sandbox.py) and talks to the
grader over IPC sockets in a folder bound into the sandbox; nbclient executes the cells. Every
cell has a time limit, the notebook has a total budget, and captured output has a size cap.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

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
    output_truncated: bool = False
    kernel_alive: bool = True
    background_ended: int = 0  # processes the notebook left running, ended after its last cell

    def first(self, status: str) -> CellOutcome | None:
        return next((c for c in self.cells if c.status == status), None)


class ShellAndOutputClient(AsyncKernelClient):
    """Only the channels grading reads: shell (replies) and IOPub (outputs, closed after the last cell).

    No stdin (input() is refused), no control and no heartbeat: a channel nobody reads would queue
    whatever the kernel sends on it.
    """

    def start_channels(self, shell: bool = True, iopub: bool = True, *args: Any, **kwargs: Any) -> None:
        super().start_channels(shell=shell, iopub=iopub, stdin=False, hb=False, control=False)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel process starts inside the sandbox (async, as nbclient needs)."""

    sandbox_prefix: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        kernel = [interpreter(), "-m", "ipykernel_launcher", "-f", self.connection_file]
        return [*self.sandbox_prefix, *kernel]

    def client(self, **kwargs: Any) -> Any:
        """A client whose sockets come from this manager's limited context (jupyter_client would use a shared one)."""
        settings = {**self.get_connection_info(session=True), "connection_file": self.connection_file, "parent": self}
        return ShellAndOutputClient(**settings, context=self.context, **kwargs)

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        os.chmod(self.connection_file, 0o644)  # the kernel runs as another user

# The note that ends a notebook's kept output, written by the grader or by the kernel's own cap.
OUTPUT_TRUNCATED = "[output truncated by the grader]"


class CappedClient(NotebookClient):
    """nbclient that stops keeping output past a byte budget (a student may print gigabytes) and keeps no widget state."""

    output_budget: int = 0
    truncated: bool = False

    def handle_comm_msg(self, outs, msg, cell_index):  # noqa: ANN001 (nbclient's signature)
        """Widget messages are ignored: grading needs none, and nbclient would keep every one."""

    def output(self, outs, msg, display_id, cell_index):  # noqa: ANN001 (nbclient's signature)
        content = msg.get("content", {})
        if OUTPUT_TRUNCATED in str(content.get("text", ""))[-200:]:  # the kernel's own cap (pipeline.preamble)
            self.truncated = True
        size = len(json.dumps(content, default=str))
        self.output_budget -= size
        if self.output_budget < 0:
            if not self.truncated:
                self.truncated = True
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=OUTPUT_TRUNCATED + "\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


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


def limited_context(intake: IntakeLimits) -> zmq.asyncio.Context:
    """A ZeroMQ context whose sockets refuse oversized messages and queue few: an unread channel stays small."""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, intake.message_bytes)
    context.setsockopt(zmq.RCVHWM, intake.queued_messages)
    context.setsockopt(zmq.LINGER, 0)
    return context


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
        self.zmq_context = limited_context(self.intake)
        self.km = SandboxKernelManager(transport="ipc", ip=str(self.ipc / "kernel"), context=self.zmq_context)
        self.km.sandbox_prefix = command_prefix(self.spec)
        self.km.connection_file = str(self.ipc / "kernel.json")
        self.km._kernel_spec = KernelSpec(
            argv=[], display_name="sandbox", language="python", interrupt_mode="message", env={}
        )
        self.client: CappedClient | None = None
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

    def start(self, notebook: nbformat.NotebookNode) -> None:
        self.client = CappedClient(
            notebook,
            km=self.km,
            resources={"metadata": {"path": str(self.workdir)}},  # the kernel's cwd when unsandboxed
            timeout=self.limits.cell_seconds,
            allow_errors=True,
            interrupt_on_timeout=False,
            startup_timeout=self.limits.kernel_start_seconds,
            iopub_timeout=self.limits.iopub_idle_seconds,
            record_timing=False,
            store_widget_state=False,
        )
        self.client.output_budget = self.intake.output_bytes
        # The kernel's own stderr (not the notebook's output) goes to a capped log for the instructor.
        # Its environment is set inside the command (bwrap --clearenv, or env -i): only PATH to start it.
        self.log = KernelLog(self.intake.kernel_log_bytes)
        self._context = self.client.setup_kernel(
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, stdout=subprocess.DEVNULL, stderr=self.log.write_fd
        )
        try:
            self._context.__enter__()
        finally:
            self.log.started()
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
        try:
            if self.client is not None:
                self._context.__exit__(None, None, None)
        except Exception:
            pass
        self.zmq_context.destroy(linger=0)
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

    def run_code(self, code: str, timeout: float) -> dict:
        """Execute grader code and wait for its reply's content (status, ename, ...).

        Its output is left on the IOPub channel, where nbclient discards it by parent id.
        """
        assert self.client is not None and self.client.kc is not None
        return run_sync(self._reply)(self.client.kc.execute(code, store_history=False, allow_stdin=False), timeout)

    async def _reply(self, msg_id: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = await self.client.kc.shell_channel.get_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                if not await self.km.is_alive():
                    raise DeadKernelError("the kernel died") from None
                continue
            if message["parent_header"].get("msg_id") == msg_id:
                return message["content"]
        raise TimeoutError(f"no reply within {timeout} s")

    def execute(
        self, notebook: nbformat.NotebookNode, preamble: str, before_each: str = "", cell_seconds: Sequence[float] = ()
    ) -> ExecutionReport:
        """Run the preamble, then every code cell (the n-th for at most cell_seconds[n-1]); never raises for student code."""
        report = ExecutionReport()
        started = time.monotonic()
        assert self.client is not None
        try:
            self.run_code(preamble, timeout=self.limits.kernel_start_seconds)  # it imports Keras
        except (DeadKernelError, TimeoutError) as exc:
            report.kernel_alive = False
            report.cells.append(CellOutcome(0, "died", f"the kernel did not start ({exc})"))
        code_cells = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
        for number, (index, cell) in enumerate(code_cells, start=1):
            remaining = self.limits.notebook_seconds - (time.monotonic() - started)
            if remaining <= 0 or not report.kernel_alive:
                report.cells.append(CellOutcome(number, "skipped"))
                continue
            if before_each:  # its own request: the student's cell and line numbers stay as written
                try:
                    self.run_code(before_each, timeout=self.limits.grader_cell_seconds)
                except (DeadKernelError, TimeoutError):
                    report.cells.append(CellOutcome(number, "died", "the kernel stopped responding"))
                    report.kernel_alive = False
                    continue
            limit = cell_seconds[number - 1] if number <= len(cell_seconds) else self.limits.cell_seconds
            self.client.timeout = int(max(1, min(limit, remaining)))
            report.cells.append(self._execute_cell(cell, index, number))
            report.kernel_alive = report.cells[-1].status != "died" and self.alive
        report.output_truncated = self.client.truncated
        self.client.kc.iopub_channel.close()  # nobody reads outputs any more: nothing may queue there
        report.background_ended = self.containment.end_background()
        return report

    def _execute_cell(self, cell, index: int, number: int) -> CellOutcome:
        try:
            self.client.execute_cell(cell, index)
        except CellTimeoutError:
            return CellOutcome(number, "timeout" if self._interrupt() else "died", f"timed out after {self.client.timeout} s")
        except DeadKernelError:
            return CellOutcome(number, "died", "the kernel died")
        except Exception as exc:  # nbclient protocol trouble: treat like a dead kernel
            self._stop_kernel()
            return CellOutcome(number, "died", f"{type(exc).__name__}")
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            return CellOutcome(number, "error", f"{errors[0].get('ename', 'Error')}: {str(errors[0].get('evalue', ''))[:300]}")
        return CellOutcome(number, "ok")

    def _interrupt(self) -> bool:
        """Interrupt a runaway cell; stop the kernel if it does not come back. True if it is usable."""
        try:
            run_sync(self.km.interrupt_kernel)()
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
            self._interrupt()
            raise wire.StudentError(f"it did not finish within {timeout:.0f} s") from None
        except DeadKernelError:
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
