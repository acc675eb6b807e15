"""Grade a hostile notebook the way Gradescope's Docker container would run it (test helper).

Docker's default container has no CAP_SYS_ADMIN (so bubblewrap cannot make namespaces and the
grader cannot mount a tmpfs), a read-only cgroup filesystem (no control group per grading), no
CAP_SYS_PTRACE or CAP_SYS_RESOURCE, and its own /tmp, /var/tmp and /dev/shm. This reproduces
exactly that on the host, as root, for one grading: a private mount namespace where every cgroup
hierarchy is remounted read-only and those folders are fresh tmpfs, then the grader under
Docker's capability set. The real engine runs there, unchanged, and falls back to what that
platform allows (the no-namespace path: watchdog, seccomp, an unprivileged uid).

    python -m tests.docker_like tests/attacks/a.py [tests/attacks/b.py ...]   # prints JSON
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from autograder.course.assignments import MNIST
from autograder.engine import GradingOptions, cgroups, grade_submission
from autograder.engine.sandbox import _python_roots, interpreter

from .leftovers import left_behind
from .submissions import ATTACK_PROFILE, build_attack

REPO = Path(__file__).resolve().parent.parent
# Docker's default capability set (moby's oci/caps/defaults.go).
DOCKER_CAPS = (
    "chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid", "setuid", "setfcap",
    "setpcap", "net_bind_service", "sys_chroot", "kill", "audit_write",
)


def _readable_python() -> list[str]:
    """Shell steps that make the Python installation readable by others, as in Gradescope's image
    (here it lives under /root, mode 0700): each root is moved onto a fresh mode-0755 /root."""
    steps = []
    for number, root in enumerate(_python_roots()):
        hidden = next((p for p in [*reversed(root.parents), root] if p != Path("/") and not p.stat().st_mode & 0o001), None)
        if hidden is None:
            continue
        stage, target = f"/tmp/.python-{number}", shlex.quote(str(root))
        steps += [f"mkdir {stage}", f"mount --bind {target} {stage}"]
        steps += [f"mountpoint -q {shlex.quote(str(hidden))} || mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(hidden))}"]
        steps += [f"mkdir -p {target}", f"mount --move {stage} {target}"]
    return steps


def command(attacks: list[Path]) -> list[str]:
    """The host command that grades `attacks` (one notebook) inside a Docker-like container."""
    hierarchies = sorted({str(m.point) for m in cgroups.mounts().values()})
    setup = [f"mount -o remount,bind,ro {shlex.quote(point)}" for point in hierarchies]
    setup += [f"mount -t tmpfs -o mode=1777,size=4g tmpfs {folder}" for folder in ("/tmp", "/var/tmp", "/dev/shm")]
    setup += _readable_python()
    caps = ",".join(f"+{cap}" for cap in DOCKER_CAPS)
    grade = ["/usr/bin/setpriv", f"--bounding-set=-all,{caps}", "--", interpreter(), "-m", "tests.docker_like", "--inside"]
    script = "; ".join(setup) + '; exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-ec", script, "sh", *grade, *map(str, attacks)]


def grade_like_docker(attacks: list[Path], timeout: float = 900) -> dict:
    """Status, score, student summary, containment record and leftovers of the grading, as a dict."""
    done = subprocess.run(command(attacks), cwd=REPO, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the Docker-like grading failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def _inside(attacks: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        notebook = build_attack(attacks[0], Path(folder) / "submission.ipynb", *attacks[1:])
        options = GradingOptions(MNIST.task(), ATTACK_PROFILE, require_sandbox=False, require_unprivileged=True)
        result = grade_submission(notebook, Path(folder) / "out", options)
        notes = (Path(folder) / "out" / "submission" / "instructor_notes.txt").read_text()
    record = result.containment
    print(json.dumps({
        "status": str(result.status), "score": result.score, "summary": result.summary, "notes": notes,
        "containment": asdict(record) if record else None, "left": left_behind(record),
    }))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inside"]:
        _inside([Path(a) for a in sys.argv[2:]])
    else:
        print(json.dumps(grade_like_docker([Path(a) for a in sys.argv[1:]]), indent=1))
