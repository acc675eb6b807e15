"""Grade a notebook as the engine would run on another platform, for real, on this host (test helper).

* ``docker``: Gradescope's Docker container. Docker's default capability set has no
  CAP_SYS_ADMIN (bubblewrap cannot make namespaces, the grader cannot mount a tmpfs), no
  CAP_SYS_PTRACE or CAP_SYS_RESOURCE; the cgroup filesystem is read-only (no control group per
  grading); the container has its own /tmp, /var/tmp and /dev/shm. The engine takes its
  no-namespace path (unprivileged uid, watchdog, seccomp).
* ``unprivileged``: an instructor's own account, not root: bubblewrap with a user namespace, no
  uid to drop to, no control groups, no mounts by the grader.

Each runs the real engine, unchanged, in a private mount namespace made by root (fresh /tmp,
/var/tmp and /dev/shm; the Python installation made readable by others, as it is on those
platforms: here it lives under /root, mode 0700), under the platform's user and capabilities.

    python -m tests.platforms docker tests/attacks/a.py [tests/attacks/b.py ...]   # prints JSON
    python -m tests.platforms docker reference                                     # the reference solution
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest
from dataclasses import asdict, replace
from pathlib import Path

from autograder.course.assignments import get_assignment
from autograder.engine import GradingOptions, cgroups, grade_submission
from autograder.engine.sandbox import _python_roots, interpreter
from autograder.limits import LOCAL

from .leftovers import left_behind
from .submissions import ATTACK_PROFILE, build_attack

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

REPO = Path(__file__).resolve().parent.parent
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")  # each platform gets fresh ones, as a container would
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


# The whole Keras import runs in the preamble, within one cell's limit: on a loaded 2-core machine
# it takes up to half a minute. None of the notebooks graded here loops forever.
PROFILE = replace(ATTACK_PROFILE, time=replace(ATTACK_PROFILE.time, cell_seconds=90))
REFERENCE = Path("reference")  # instead of attacks: the reference solution itself
UNPRIVILEGED_UID = 60999  # an ordinary account: outside the sandbox's range (61000-61499)


def command(platform: str, attacks: list[Path]) -> list[str]:
    """The host command that grades `attacks` (one notebook) as on `platform`."""
    setup = [f"mount -t tmpfs -o mode=1777,size=4g tmpfs {folder}" for folder in SCRATCH]
    setup += _readable_python()
    if platform == "docker":
        hierarchies = sorted({str(m.point) for m in cgroups.mounts().values()})
        setup += [f"mount -o remount,bind,ro {shlex.quote(point)}" for point in hierarchies]
        # As the Gradescope zip's lockdown.sh leaves them: the grader's files readable by root alone.
        for folder in ("autograder", "solutions"):  # no solutions in a Gradescope zip: closed here too
            original, copy = shlex.quote(str(REPO / folder)), f"/tmp/.locked-{folder}"
            setup += [f"cp -a {original} {copy}", f"chmod -R go-rwx {copy}", f"mount --bind {copy} {original}"]
        caps = ",".join(f"+{cap}" for cap in DOCKER_CAPS)
        user = ["/usr/bin/setpriv", f"--bounding-set=-all,{caps}", "--"]
    else:
        uid = UNPRIVILEGED_UID
        user = ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--"]
        user += ["/usr/bin/env", "HOME=/tmp"]
    grade = [*user, interpreter(), "-m", "tests.platforms", "--inside", platform, *map(str, attacks)]
    script = "; ".join(setup) + '; exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-ec", script, "sh", *grade]


def grade_on(platform: str, attacks: list[Path], timeout: float = 900) -> dict:
    """Status, score, student summary, containment record and leftovers of the grading, as a dict."""
    if any(REPO.is_relative_to(folder) for folder in SCRATCH):
        raise unittest.SkipTest(f"the platform's fresh {', '.join(SCRATCH)} would hide this clone at {REPO}: clone elsewhere")
    done = subprocess.run(command(platform, attacks), cwd=REPO, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the grading as on {platform} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def _inside(platform: str, attacks: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if attacks == [REFERENCE]:
            notebook = Path(folder) / "submission.ipynb"
            shutil.copy(MNIST.solution, notebook)
        else:
            notebook = build_attack(attacks[0], Path(folder) / "submission.ipynb", *attacks[1:])
        profile = LOCAL if attacks == [REFERENCE] else PROFILE  # the reference trains two networks
        options = GradingOptions(MNIST.task(), profile, require_sandbox=platform != "docker")
        result = grade_submission(notebook, Path(folder) / "out", options)
        notes = (Path(folder) / "out" / "submission" / "instructor_notes.txt").read_text()
    record = result.containment
    print(json.dumps({
        "status": str(result.status), "score": result.score, "summary": result.summary, "notes": notes,
        "containment": asdict(record) if record else None, "left": left_behind(record),
    }))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inside"]:
        _inside(sys.argv[2], [Path(a) for a in sys.argv[3:]])
    else:
        print(json.dumps(grade_on(sys.argv[1], [Path(a) for a in sys.argv[2:]]), indent=1))
