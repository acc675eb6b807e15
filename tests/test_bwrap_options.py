"""The sandbox uses only the bubblewrap options the installed bubblewrap has.

Ubuntu 22.04 (Gradescope's default image) ships bubblewrap 0.6.1, which has no --size (nor
--disable-userns). The start-up probe used to try a few namespace options only, so it passed
there while every kernel start failed on --size and every student got 0. Here a stand-in for
an older bubblewrap (the real one behind a script that lists and accepts fewer options) is put
first on PATH: the probe must run the kernel's own command line, an old bubblewrap must grade
normally without --size, and a bubblewrap lacking an option the sandbox cannot do without must
be refused by the probe (so grading takes the tested no-namespace path), not by every kernel.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.course.assignments import get_assignment
from autograder.engine import GradingOptions, grade_submission
from autograder.engine.sandbox import (
    SandboxSpec,
    SandboxUnavailable,
    bwrap_supports,
    check_available,
    command_prefix,
    describe,
    scratch_folders,
)
from autograder.limits import LOCAL, TreeLimits

from .submissions import honest_light_notebook

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

REAL_BWRAP = shutil.which("bwrap")
pytestmark = pytest.mark.skipif(REAL_BWRAP is None, reason="bubblewrap is not installed")

OLD_BWRAP = r"""#!/bin/bash
# bubblewrap @VERSION@ without @MISSING@: absent from --help, refused as an unknown option.
missing=" @MISSING@ "
case "$1" in
  --version) echo "bubblewrap @VERSION@"; exit 0 ;;
  --help) "@REAL@" --help | while IFS= read -r line; do
            option=$(echo "$line" | awk '{print $1}')
            [[ "$missing" == *" $option "* ]] || echo "$line"
          done; exit 0 ;;
esac
for arg in "$@"; do
  if [[ "$arg" == --* && "$missing" == *" $arg "* ]]; then echo "bwrap: Unknown option $arg" >&2; exit 1; fi
done
exec "@REAL@" "$@"
"""


@pytest.fixture
def old_bwrap(tmp_path, monkeypatch):
    """Put a bubblewrap of the given version, lacking the given options, first on PATH."""

    def install(version: str, *missing: str) -> Path:
        folder = tmp_path / f"bwrap-{version}"
        folder.mkdir()
        script = folder / "bwrap"
        text = OLD_BWRAP.replace("@VERSION@", version).replace("@MISSING@", " ".join(missing)).replace("@REAL@", REAL_BWRAP)
        script.write_text(text)
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        return script

    return install


def spec(root: Path) -> SandboxSpec:
    return SandboxSpec(root / "work", root / "ipc", root / "requests", root, TreeLimits())


def test_options_come_from_the_installed_bubblewrap(old_bwrap, tmp_path):
    assert bwrap_supports("--size") and bwrap_supports("--tmpfs") and not bwrap_supports("--no-such-option")
    assert scratch_folders(spec(tmp_path)) == {}
    assert "--size" in command_prefix(spec(tmp_path))
    old_bwrap("0.6.1", "--size", "--disable-userns", "--assert-userns-disabled")
    assert not bwrap_supports("--size") and not bwrap_supports("--disable-userns") and bwrap_supports("--tmpfs")
    assert describe().startswith("bubblewrap 0.6.1 (no --size")


def test_without_size_tmp_and_shm_are_folders_beside_the_working_folder(old_bwrap, tmp_path):
    old_bwrap("0.6.1", "--size", "--disable-userns", "--assert-userns-disabled")
    prefix = command_prefix(spec(tmp_path))
    assert "--size" not in prefix and "--tmpfs" not in prefix
    folders = scratch_folders(spec(tmp_path))
    assert folders == {"/tmp": tmp_path / "tmp", "/dev/shm": tmp_path / "shm"}
    for target, host in folders.items():
        at = prefix.index(target)
        assert prefix[at - 2 : at] == ["--bind", str(host)]
    check_available()  # the probe runs this very command line through the old bubblewrap


def test_an_old_bubblewrap_grades_in_the_sandbox(old_bwrap, tmp_path):
    old_bwrap("0.6.1", "--size", "--disable-userns", "--assert-userns-disabled")
    notebook = tmp_path / MNIST.notebook_name
    nbformat.write(honest_light_notebook(), notebook)
    result = grade_submission(notebook, tmp_path / "out", GradingOptions(MNIST.task(), LOCAL))
    assert result.status == "graded" and result.score == 7, (result.summary, result.instructor_notes)
    assert not any("WITHOUT a sandbox" in note for note in result.instructor_notes)


def test_a_bubblewrap_lacking_a_needed_option_is_refused_by_the_probe(old_bwrap, tmp_path):
    old_bwrap("0.1.0", "--new-session")
    with pytest.raises(SandboxUnavailable, match="bubblewrap 0.1.0 cannot start the sandbox here: .*--new-session"):
        check_available()
    notebook = tmp_path / MNIST.notebook_name
    nbformat.write(honest_light_notebook(), notebook)
    lax = GradingOptions(MNIST.task(), LOCAL, require_sandbox=False)  # as --allow-no-sandbox (and Gradescope) do
    result = grade_submission(notebook, tmp_path / "out", lax)
    notes = "\n".join(result.instructor_notes)
    if result.status == "graded":  # where the kernel can run unprivileged and the hidden tests are closed
        assert result.score == 7 and "WITHOUT a sandbox" in notes, (result.summary, notes)
    else:  # here (root, Python under /root, a checkout readable by all): refused, and the reason kept
        assert result.status == "no-sandbox" and "bubblewrap 0.1.0 cannot start the sandbox here" in notes, notes
