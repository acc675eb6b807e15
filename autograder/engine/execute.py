"""Execute stage: run a notebook cell by cell in a sandboxed Jupyter kernel, then answer probes.

The kernel is started by jupyter_client behind bubblewrap (see sandbox.py) and talks to the
grader over IPC sockets in a folder bound into the sandbox; nbclient executes the cells. Every
cell has a time limit, the notebook has a total budget, and captured output has a size cap.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from ..limits import Profile
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

    def first(self, status: str) -> CellOutcome | None:
        return next((c for c in self.cells if c.status == status), None)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel process starts inside the sandbox (async, as nbclient needs)."""

    sandbox_prefix: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        kernel = [interpreter(), "-m", "ipykernel_launcher", "-f", self.connection_file]
        return [*self.sandbox_prefix, *kernel]

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        os.chmod(self.connection_file, 0o644)  # the kernel runs as another user


class CappedClient(NotebookClient):
    """nbclient that stops keeping output past a byte budget (a student may print gigabytes)."""

    output_budget: int = 0
    truncated: bool = False

    def output(self, outs, msg, display_id, cell_index):  # noqa: ANN001 (nbclient's signature)
        size = len(json.dumps(msg.get("content", {}), default=str))
        self.output_budget -= size
        if self.output_budget < 0:
            if not self.truncated:
                self.truncated = True
                outs.append(nbformat.v4.new_output("stream", name="stderr", text="[output truncated by the grader]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


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
        self.client: CappedClient | None = None
        self._probe_count = 0
        self._judge_deadline: float | None = None

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
        )
        self.client.output_budget = self.intake.output_bytes
        # The kernel's own stdout/stderr (not the notebook's output) is noise for the grader. Its
        # environment is set inside the command (bwrap --clearenv, or env -i): only PATH to start it.
        self._context = self.client.setup_kernel(
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._context.__enter__()
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

    def execute(self, notebook: nbformat.NotebookNode, preamble: str, before_each: str = "") -> ExecutionReport:
        """Run the preamble, then every code cell; never raises for the student's code."""
        report = ExecutionReport()
        started = time.monotonic()
        assert self.client is not None
        try:
            self.run_code(preamble, timeout=self.limits.cell_seconds)
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
            self.client.timeout = int(max(1, min(self.limits.cell_seconds, remaining)))
            report.cells.append(self._execute_cell(cell, index, number))
            report.kernel_alive = report.cells[-1].status != "died" and self.alive
        report.output_truncated = self.client.truncated
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
        """Load wire.py and probe_agent.py into the kernel as private modules."""
        here = Path(__file__).parent
        sources = {f"_autograder_{name}": (here / f"{name}.py").read_text() for name in ("wire", "probe_agent")}
        code = (
            "import sys as _s, types as _t\n"
            f"for _n, _src in {sources!r}.items():\n"
            "    _m = _t.ModuleType(_n); _s.modules[_n] = _m; exec(compile(_src, _n, 'exec'), _m.__dict__)\n"
            "del _s, _t, _n, _src, _m\n"
        )
        reply = self.run_code(code, timeout=self.limits.probe_seconds)
        if reply.get("status") != "ok":
            raise RuntimeError(f"could not install the grader's probes: {reply.get('ename')}")

    def _exchange(self) -> tuple[Path, Path]:
        """A request file only the grader can write, and a fresh name for the kernel's answer."""
        self._probe_count += 1
        answer = self.ipc / f"answer-{self._probe_count}.npz"
        answer.unlink(missing_ok=True)
        return self.requests / f"request-{self._probe_count}.npz", answer

    def _ask(self, code: str, answer: Path) -> Any:
        if self._judge_deadline is None:
            self._judge_deadline = time.monotonic() + self.limits.judge_seconds
        remaining = self._judge_deadline - time.monotonic()
        if remaining <= 0:
            raise wire.StudentError("the time for grading this notebook's answers ran out")
        if not self.alive:
            raise wire.StudentError("the notebook's kernel is no longer running")
        timeout = min(self.limits.probe_seconds, remaining)
        try:
            reply = self.run_code(code, timeout=timeout)
        except TimeoutError:
            self._interrupt()
            raise wire.StudentError(f"it did not finish within {timeout:.0f} s") from None
        if not answer.exists():
            raise wire.StudentError(f"the kernel gave no answer ({reply.get('ename') or reply.get('status')})")
        try:
            return wire.read(str(answer))
        finally:
            answer.unlink(missing_ok=True)

    def fetch(self, name: str) -> dict:
        """The student's global `name` as an envelope: status missing/ok, callable, value."""
        _, answer = self._exchange()
        envelope = self._ask(f"__import__('_autograder_probe_agent').fetch({name!r}, {str(answer)!r})", answer)
        return _checked_envelope(envelope)

    def call(self, name: str, args: tuple, kwargs: dict) -> dict:
        request, answer = self._exchange()
        wire.write((list(args), kwargs), str(request))
        request.chmod(0o644)
        try:
            envelope = self._ask(
                f"__import__('_autograder_probe_agent').call({name!r}, {str(request)!r}, {str(answer)!r})", answer
            )
        finally:
            request.unlink(missing_ok=True)
        return _checked_envelope(envelope)


def _checked_envelope(envelope: Any) -> dict:
    if type(envelope) is not dict or envelope.get("status") not in ("ok", "missing", "error"):
        raise wire.PlainDataError("malformed answer from the kernel")
    return envelope
