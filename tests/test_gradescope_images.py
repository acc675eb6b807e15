"""The Gradescope zip on the images Gradescope really uses, built the way Gradescope builds them.

For each base image (Ubuntu 22.04, Gradescope's default; Ubuntu 24.04; Debian 12) a bare root
is bootstrapped (tests/fresh_root.py, cached), the zip is unpacked into /autograder/source,
``setup.sh`` runs as root with only the OS archive and PyPI, Gradescope's clean-up follows, and
then the MNIST reference solution and the blank student notebook each go through
``/autograder/run_autograder`` in a 3 GiB memory cgroup (Gradescope's recommended container).
On 24.04 both are graded again with Docker's default capabilities, where bubblewrap cannot
create namespaces and the no-namespace path grades.

Checked: setup.sh succeeds and installs exactly the locked versions for the image's own Python;
the hidden tests are unreadable to unprivileged uids (the dataset readable, as a control);
results.json is valid against the schema; the reference gets full marks and the blank notebook
zero; the grading record says which sandbox graded and which per-cell limits applied, scaled by the
speed check measured in that root; an endless loop in a light cell (before the q1 check) is
stopped after its calibrated limit and the rest of the notebook is still graded (full marks); no
mount is left on the host. Each image takes 10 to 20 minutes; the measurements are printed
(README, "Gradescope").
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest

from autograder.course.assignments import get_assignment
from autograder.course.paths import AUTOGRADER
from autograder.gradescope.container import RECORD_NAME
from autograder.gradescope.lock import SUPPORTED_PYTHONS
from autograder.gradescope.package import build_gradescope_zip
from autograder.limits import GB

from .fresh_root import SUITES, FreshRoot, missing_prerequisites
from .gradescope_run import applied_time_limits
from .submissions import with_endless_loop_before_check

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

pytestmark = [pytest.mark.slow, pytest.mark.skipif(missing_prerequisites() is not None, reason=str(missing_prerequisites()))]

SCHEMA = json.loads((AUTOGRADER / "gradescope" / "gradescope_results.schema.json").read_text())
CONTAINER_MEMORY = 3 * GB
HIDDEN = f"/autograder/source/autograder/hidden_tests/{MNIST.name}/q1.py"
DATASET = f"/autograder/source/data/{MNIST.datasets[0]}.npz"
LIGHT_QUESTION = "q1"  # the cells before its check load data and reshape: seconds, not training
SETUP = "cd /autograder && apt-get update -qq && bash /autograder/source/setup.sh"
GRADESCOPE_CLEANUP = "apt-get clean && rm -rf /var/lib/apt/lists/* /tmp/* /var/tmp/*"


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    return build_gradescope_zip(MNIST, tmp_path_factory.mktemp("zip") / f"{MNIST.name}-autograder.zip")


def unpack(zip_path: Path, root: FreshRoot) -> None:
    """Gradescope's image build: the zip into /autograder/source, run_autograder beside it."""
    source = root.path / "autograder" / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, source))
            mode = (info.external_attr >> 16) & 0o7777
            if mode and not info.is_dir():
                path.chmod(mode)
    shutil.copy(source / "run_autograder", root.path / "autograder" / "run_autograder")


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def readable_by(root: FreshRoot, path: str, uid: int, log: Path) -> bool:
    as_user = f"/usr/bin/setpriv --reuid={uid} --regid={uid} --clear-groups cat {path} >/dev/null"
    return root.run(as_user, log, 60).returncode == 0


def grade(root: FreshRoot, notebook: Path, log: Path, docker_caps: bool) -> tuple[dict, str, float, int | None]:
    """One submission through run_autograder: (results.json, grading record, seconds, cgroup peak)."""
    folder = root.path / "autograder"
    for name in ("submission", "results"):
        shutil.rmtree(folder / name, ignore_errors=True)
        (folder / name).mkdir(mode=0o755)
    shutil.copy(notebook, folder / "submission" / notebook.name)
    run = root.run("cd /autograder && /autograder/run_autograder", log, 1800, docker_caps=docker_caps, memory=CONTAINER_MEMORY)
    results_file = folder / "results" / "results.json"
    assert run.returncode == 0 and results_file.exists(), tail(run.output)
    results = json.loads(results_file.read_text())
    jsonschema.validate(results, SCHEMA)
    records = [t for t in results["tests"] if t["name"] == RECORD_NAME]
    assert len(records) == 1 and records[0]["visibility"] == "hidden" and records[0]["output"] in run.output
    return results, records[0]["output"], run.seconds, run.peak_memory


def scores(results: dict) -> tuple[float, float]:
    graded = [t for t in results["tests"] if "max_score" in t]
    return results["score"], sum(t["max_score"] for t in graded)


def limits_derived_here(record: str) -> str:
    """The record's per-cell limits were scaled by the speed check measured in this root's container."""
    assert "Machine speed: a step of the speed check took" in record and "in this grading's kernel" in record, record
    scale, limits = applied_time_limits(record)
    assert scale >= 1 and limits and max(limits) <= 600, record
    step = re.search(r"took ([0-9.]+) s in this grading's kernel, ([0-9.]+) s where", record)
    here, built = step.groups()
    return f"speed check {here} s here vs {built} s at build: limits x{scale:.2f}, {min(limits):.0f}-{max(limits):.0f} s"


def endless_loop_in_a_light_cell(root: FreshRoot, log: Path, tmp_path: Path, reference_seconds: float) -> str:
    """The reference with `while True: pass` before the q1 check: stopped at its limit, everything else graded."""
    notebook = tmp_path / MNIST.notebook_name
    nbformat.write(with_endless_loop_before_check(MNIST.solution, LIGHT_QUESTION), notebook)
    results, record, seconds, _ = grade(root, notebook, log, docker_caps=False)
    assert scores(results) == (18, 18), record  # the rest of the notebook ran and was graded
    stopped = re.search(r"Code cell (\d+) was stopped \(before the q1 check\): it timed out after (\d+) s", results["output"])
    assert stopped and "status: timeout" in record, results["output"]
    _, limits = applied_time_limits(record)
    limit = limits[int(stopped.group(1)) - 1]
    assert int(stopped.group(2)) == round(limit) and limit < 300, record  # its calibrated limit, far below 600 s
    return (f"endless loop before the q1 check stopped after {limit:.0f} s (its limit), 18/18, whole grading {seconds:.0f} s "
            f"({seconds - reference_seconds:.0f} s more than the reference's)")


@pytest.mark.parametrize("suite", ["jammy", "noble", "bookworm"])
def test_the_zip_on_a_fresh_image(suite, autograder_zip, tmp_path, capsys):
    image = SUITES[suite]
    root = FreshRoot(image, tmp_path / suite)
    log = tmp_path / f"{suite}.log"
    measured = []
    try:
        unpack(autograder_zip, root)
        setup = root.run(SETUP, log, 3600)
        assert setup.returncode == 0, f"setup.sh failed on {image.label}:\n{tail(setup.output)}"
        assert "every installed package is at its pinned version" in setup.output
        python = root.run("/autograder/venv/bin/python -c 'import platform; print(platform.python_version())'", log, 60)
        assert python.output.split()[-1].rsplit(".", 1)[0] == SUPPORTED_PYTHONS[image.label].rsplit(".", 1)[0]
        root.run(GRADESCOPE_CLEANUP, log, 300)
        size = root.size_bytes()

        for uid in (65534, 61000):
            assert readable_by(root, DATASET, uid, log), "control: the dataset is readable"
            assert not readable_by(root, HIDDEN, uid, log), f"uid {uid} can read the hidden tests"

        for docker_caps in (False, True) if suite == "noble" else (False,):
            reference, record, ref_seconds, peak = grade(root, MNIST.solution, log, docker_caps)
            assert scores(reference) == (18, 18), record
            blank, _, blank_seconds, _ = grade(root, MNIST.student_notebook, log, docker_caps)
            assert scores(blank) == (0, 18)
            expected = "sandbox: NO bubblewrap" if docker_caps else "sandbox: bubblewrap"
            assert expected in record, record
            if suite == "jammy":
                assert "0.6.1 (no --size" in record, record
            line = record.split("sandbox: ", 1)[1].splitlines()[0]
            sandbox = "no-namespace fallback" if docker_caps else line.split(": ", 1)[1]
            caps = " (Docker caps)" if docker_caps else ""
            speed = limits_derived_here(record)
            measured.append(
                f"{image.label}{caps}: setup.sh {setup.seconds:.0f} s, root {size / 1e9:.2f} GB, "
                f"reference 18/18 in {ref_seconds:.0f} s (cgroup peak {(peak or 0) / 1e9:.2f} GB), blank 0/18 in "
                f"{blank_seconds:.0f} s, {sandbox}, hidden tests unreadable; {speed}"
            )
            if not docker_caps:
                measured.append(f"{image.label}: {endless_loop_in_a_light_cell(root, log, tmp_path, ref_seconds)}")
    finally:
        left = root.mounts()  # the root's mounts live in namespaces that end with each command
        if not left:
            root.remove()
        with capsys.disabled():
            print("", *measured, sep="\n")
    assert left == [], f"mounts left on the host under {root.path}"
