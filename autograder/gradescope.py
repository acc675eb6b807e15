"""Gradescope: build the autograder zip, and grade the one submission in its container.

Gradescope unzips the autograder into ``/autograder/source``, runs ``setup.sh`` there once
when it builds the image (as root, with internet), then for each submission runs
``/autograder/run_autograder``, which must leave ``/autograder/results/results.json``.

The zip mirrors this repository's layout (the grading package, the assignment's hidden and
public tests, the data helper, the verified dataset, the config and the pinned packages),
so the grader runs from ``/autograder/source`` unchanged. It holds no solution notebook.
``setup.sh`` makes the source folder root-only; the kernel's unprivileged user sees only
what the sandbox mounts: the dataset (read-only) and copies of the public files.
"""

from __future__ import annotations

import json
import os
import tempfile
import traceback
import zipfile
from pathlib import Path

from .assignments import Assignment
from .atomic import write_atomically
from .collect import notebook_in_folder
from .kernel import ExecutionLimits
from .paths import AUTOGRADER, DATA, DATA_MODULE, OTTER_CONFIG, REPO
from .sandbox import Limits

ROOT = Path("/autograder")
# Worst case about 27 minutes (2 start + 13 notebook + 1 cell overheads + 2 probes + 9 checks),
# inside a 30-minute Gradescope timeout: a result is always written before Gradescope would kill
# the container (which leaves the student a zero and no feedback).
GRADESCOPE_LIMITS = ExecutionLimits(cell_seconds=600, notebook_seconds=780, probe_seconds=120, judge_seconds=540)

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (internet available).
set -euo pipefail
cd "$(dirname "$0")"
umask 022  # the environment must be readable by the kernel's unprivileged user
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap for the sandbox, util-linux for prlimit/setpriv.
apt-get install -y -qq bubblewrap util-linux ca-certificates >/dev/null
# The pinned packages need Python >= 3.11: Ubuntu 24.04 has 3.12; on 22.04 (3.10) take 3.11 from deadsnakes.
python=""
for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        python="$candidate"; break
    fi
done
if [ -z "$python" ]; then
    apt-get install -y -qq software-properties-common >/dev/null
    add-apt-repository -y ppa:deadsnakes/ppa >/dev/null
    apt-get update -qq
    apt-get install -y -qq python3.11 python3.11-venv >/dev/null
    python=python3.11
fi
version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
apt-get install -y -qq "python${version}-venv" >/dev/null || true
"$python" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
/autograder/venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
# The dataset ships in this zip; verify it now (offline) so a bad upload fails here, not per student.
/autograder/venv/bin/python -m autograder fetch-data --offline --dataset @DATASET@
bash lockdown.sh
"""

LOCKDOWN_SH = """#!/usr/bin/env bash
# Hidden tests, configuration and grader code become root-only. The dataset stays readable (it is
# public, and the student's notebook loads it through the sandbox's read-only mount); the sandbox
# gets its own copies of the public tests and the data helper.
set -euo pipefail
cd "$(dirname "$0")"
chown -R root:root .
chmod -R go-rwx .
chmod 0711 .  # others may pass through to data/ only: everything else is go-rwx
chmod 0755 data
chmod 0644 data/*.npz
chmod 0755 run_autograder
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission. AUTOGRADER_ROOT and AUTOGRADER_PYTHON exist for tests.
root="${{AUTOGRADER_ROOT:-/autograder}}"
results="$root/results/results.json"
cd "$root/source" || exit 1
"${{AUTOGRADER_PYTHON:-/autograder/venv/bin/python}}" -m autograder gradescope-run --assignment {name} --root "$root"
status=$?
if [ ! -s "$results" ]; then  # the grader itself died (out of memory, a signal): still owe Gradescope a result
    mkdir -p "$root/results"
    message="The autograder stopped before it could grade this submission (exit status $status)."
    printf '{{"score": 0, "output": "%s Your instructor has been told.", "tests": []}}\n' "$message" > "$results"
fi
exit 0
"""


def _zip_tree(archive: zipfile.ZipFile, source: Path, arcname: str, pattern: str = "*") -> None:
    for path in sorted(source.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            archive.write(path, f"{arcname}/{path.relative_to(source)}")


def _zip_text(archive: zipfile.ZipFile, name: str, text: str, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    archive.writestr(info, text, zipfile.ZIP_DEFLATED)


def build_gradescope_zip(assignment: Assignment, target: Path) -> Path:
    """Write the autograder zip for one assignment; returns its path."""
    from .data import data_module

    dataset = data_module().DATASETS[assignment.dataset]
    _, data_file = dataset.local_arrays(allow_download=False)  # verified before it is shipped
    if not assignment.hidden_tests.is_dir() or not any(assignment.hidden_tests.glob("q*.py")):
        raise FileNotFoundError(f"{assignment.hidden_tests} is empty: run `python -m autograder build` first")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            _zip_text(archive, "setup.sh", SETUP_SH.replace("@DATASET@", assignment.dataset), 0o755)
            _zip_text(archive, "lockdown.sh", LOCKDOWN_SH, 0o755)
            _zip_text(archive, "run_autograder", RUN_AUTOGRADER.format(name=assignment.name), 0o755)
            for path in sorted(AUTOGRADER.glob("*.py")):
                archive.write(path, f"autograder/{path.name}")
            for schema in sorted(AUTOGRADER.glob("*.json")):
                archive.write(schema, f"autograder/{schema.name}")
            _zip_tree(archive, assignment.hidden_tests, f"autograder/hidden_tests/{assignment.name}", "q*.py")
            _zip_tree(archive, assignment.public_tests, f"assignment/{assignment.name}/tests", "q*.py")
            archive.write(assignment.student_notebook, f"assignment/{assignment.name}/{assignment.notebook_name}")
            archive.write(DATA_MODULE, f"solutions/{DATA_MODULE.name}")
            archive.write(OTTER_CONFIG, OTTER_CONFIG.name)
            archive.write(REPO / "requirements.lock", "requirements.lock")
            archive.write(data_file, f"{DATA.name}/{data_file.name}")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _submitted_file(folder: Path, notebook_name: str) -> Path:
    """The file to grade among what the student uploaded (a missing one grades as unreadable)."""
    chosen = notebook_in_folder(folder, notebook_name) if folder.is_dir() else None
    return chosen or folder / notebook_name


def container_memory() -> int | None:
    """The container's memory limit from its cgroup (v2, then v1), or None when unlimited/unknown."""
    for path in (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes")):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**50:
            return int(text)
    return None


def kernel_memory_limit(container: int | None) -> int:
    """Leave the grader about 0.5 GB of the container; the lesson's kernel needs at least ~2.5 GB of
    RLIMIT_DATA (2.0 GB made the reference solution fail with MemoryError, 2.5 GB passed)."""
    default = Limits().memory_bytes
    if container is None:
        return default
    return max(int(2.5 * 1024**3), min(default, container - 512 * 1024**2))


def run_in_container(assignment: Assignment, root: Path = ROOT) -> Path:
    """Grade /autograder/submission, write /autograder/results/results.json; never raises for bad input."""
    from .engine import GradingOptions, grade_submission

    results = root / "results" / "results.json"
    with tempfile.TemporaryDirectory(prefix="gradescope-") as out:
        try:
            submitted = _submitted_file(root / "submission", assignment.notebook_name)
            # Each submission gets a fresh container; where Docker forbids namespaces, grade with
            # limits and a user switch rather than refusing every student (see README, Gradescope).
            options = GradingOptions(
                assignment=assignment, require_sandbox=False, require_unprivileged=True, limits=GRADESCOPE_LIMITS,
                sandbox_limits=Limits(memory_bytes=kernel_memory_limit(container_memory())),
            )
            result = grade_submission(submitted, Path(out), options)
            produced = Path(out) / result.submission / "results.json"
            write_atomically(results, produced.read_text(encoding="utf-8"))
        except Exception as error:  # the engine never should; a results file is still owed to Gradescope
            message = f"The autograder failed ({type(error).__name__}); your instructor has been told."
            write_atomically(results, json.dumps({"score": 0.0, "output": message, "tests": []}, indent=2) + "\n")
            traceback.print_exc()  # Gradescope shows the autograder's output to instructors
    return results

