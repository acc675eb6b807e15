"""Google Colab as ../shared/tools/colab-sim simulates it: the release's notebook alone in an empty folder,
Colab's packages without otter-grader, a kernel otter takes for Colab's, the release served on loopback.

With the reference answers typed into the release's notebook, no cell raises, every grader.check passes, the
export cell says how to submit, and the notebook Colab's download gives grades full marks with
`python -m autograder grade`. Slow: the first run builds colab-sim's environment (~2 min, cached in
~/.cache/colab-sim), the notebook installs otter-grader and trains, and the grading trains again.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course.assignments import get_assignment
from autograder.release.tree import release

from .reference_answers import with_reference_answers

# ../shared/tools beside the repository (CI's layout), or the workplace's own copy (a worktree's layout)
_CANDIDATES = [Path(__file__).resolve().parents[2] / "shared" / "tools" / "colab-sim", Path("/work/shared/tools/colab-sim")]
COLAB_SIM = next((path for path in _CANDIDATES if path.is_file()), _CANDIDATES[0])

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not COLAB_SIM.is_file(), reason="colab-sim is not beside the repository (../shared/tools)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def colab_sim(notebook: Path, out: Path, serve: Path | None, port: int) -> subprocess.CompletedProcess:
    command = [sys.executable, str(COLAB_SIM), str(notebook), "--out", str(out), "--port", str(port), "--timeout", "1200"]
    command += ["--serve", str(serve)] if serve else []
    return subprocess.run(command, capture_output=True, text=True, timeout=3600)


@pytest.mark.parametrize("name", ["mnist_nn", "fashion_nn"])
def test_the_release_runs_on_colab_and_its_download_grades_full_marks(name, tmp_path):
    port = free_port()
    published = tmp_path / "release"
    release(published, f"http://127.0.0.1:{port}/", with_data=True)
    assignment = get_assignment(name)
    student = with_reference_answers(published / name / f"{name}.ipynb", assignment.solution)
    typed = tmp_path / "drive" / f"{name}.ipynb"
    typed.parent.mkdir()
    nbformat.write(student, typed)
    downloaded = tmp_path / "downloads" / f"{name}.ipynb"
    downloaded.parent.mkdir()

    ran = colab_sim(typed, downloaded, published, port)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    checks = re.findall(r'^cell \d+: grader\.check\("(q\d+)"\) -> (.*)$', ran.stdout, flags=re.MULTILINE)
    assert len(checks) == 8 and all("All test cases passed" in said for _, said in checks), ran.stdout
    executed = nbformat.read(downloaded, as_version=4)
    assert "colab" in executed.metadata
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    export = [c for c in executed.cells if c.cell_type == "code"][-1]
    said = "".join(o.get("text", "") for o in export.outputs if o.output_type == "stream")
    assert "File > Download > Download .ipynb" in said

    graded = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(downloaded), "--assignment", name, "--out", str(tmp_path / "out"),
         "--workers", "1", "--no-similarity"],
        capture_output=True, text=True, timeout=3600, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr[-3000:]
    result = json.loads((tmp_path / "out" / name / "results.json").read_text())
    assert result["score"] == 18.0, json.dumps(result, indent=1)[:3000]


def test_on_colab_a_notebook_without_course_url_says_to_ask_for_the_colab_link(tmp_path):
    published = tmp_path / "release"
    release(published)  # no --url: COURSE_URL stays None
    notebook = published / "mnist_nn" / "mnist_nn.ipynb"
    ran = colab_sim(notebook, tmp_path / "downloaded.ipynb", None, free_port())
    assert ran.returncode != 0
    assert re.search(r"cell 0: RuntimeError: On Colab this notebook downloads the course's files.*Colab link", ran.stdout)
