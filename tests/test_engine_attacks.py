"""Hostile and broken submissions through the real engine: real kernel, real sandbox.

Each case must end in a valid results.json, a score no higher than the honest one, a clear
message, nothing of the grading left behind (its processes, files, control groups), and nothing
of the hidden tests in what the student sees. Attacks marked `# also: no-namespace` run a second
time without bubblewrap (as on Gradescope's Docker containers).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from autograder.course.assignments import ASSIGNMENTS, get_assignment
from autograder.engine import GradingOptions, grade_submission

from . import broken_files as builders
from .leftovers import left_behind
from .platforms import grade_on
from .submissions import ATTACK_PROFILE, HONEST_LIGHT_SCORE, QUESTIONS, attacks, build_attack, header, honest_light_notebook

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for
PROFILE = ATTACK_PROFILE
OPTIONS = GradingOptions(MNIST.task(), PROFILE)
HIDDEN_SNIPPETS = ["def test_", "assert ", "717210", "223978", "0.965"]


def check_result(result, out_dir: Path) -> tuple[dict, str]:
    """The written results are valid, complete and leak nothing; returns them with the student's text."""
    document = json.loads((out_dir / result.submission / "results.json").read_text())
    assert isinstance(document["score"], int | float) and document["tests"]
    for test in document["tests"]:
        assert re.match(r"q[1-8] - ", test["name"]), test["name"]
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in ("visible", "hidden", "after_published")
    assert {t["name"].split(" - ")[0] for t in document["tests"]} == set(QUESTIONS)
    seen = document["output"] + "\n" + "\n".join(t["output"] for t in document["tests"])
    for snippet in HIDDEN_SNIPPETS:
        assert snippet not in seen, f"student-visible output contains {snippet!r}"
    assert left_behind(result.containment) == [], "something of the submission outlived grading"
    return document, seen


def check_limit(result, limit: str | None) -> None:
    """`# limit: memory|disk|cpu`: that protection applied, and where it is a limit, it held."""
    if limit is None:
        return
    record, tree = result.containment, PROFILE.tree
    assert record.protections[limit] != "none", record.note()
    if limit == "memory":
        acted = record.oom_kills > 0 or any("memory" in hit for hit in record.limit_hits)
        assert acted, f"the memory limit never acted: {record.note()}"
        if record.protections["memory"].startswith("cgroup"):
            assert record.peak_memory_bytes <= tree.tree_memory_bytes, record.note()
    if limit == "disk" and record.protections["disk"].startswith("tmpfs"):
        assert record.disk_used_bytes <= tree.disk_bytes, record.note()


@pytest.fixture
def loopback_listener():
    """A host listener on 127.0.0.1 in the attack's port range; records any connection."""
    connections = []
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for port in range(40000, 40100):
        try:
            server.bind(("0.0.0.0", port))  # every address of the host, loopback included
            break
        except OSError:
            continue
    server.listen()
    server.settimeout(0.5)

    def accept():
        while not stop.is_set():
            try:
                connections.append(server.accept())
            except OSError:
                pass

    stop = threading.Event()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield connections
    stop.set()
    thread.join()
    server.close()


def test_honest_light_notebook_scores_its_answers(tmp_path):
    path = tmp_path / "honest.ipynb"
    nbformat.write(honest_light_notebook(), path)
    result = grade_submission(path, tmp_path / "out", OPTIONS)
    check_result(result, tmp_path / "out")
    assert result.status == "graded" and result.score == HONEST_LIGHT_SCORE


def check_attack(attack: Path, tmp_path: Path, options: GradingOptions) -> tuple:
    """Grade the attack; check its headers' expectations; return the result and the student's text."""
    submission = build_attack(attack, tmp_path / f"{attack.stem}.ipynb")
    if header(attack, "assignment"):
        options = replace(options, task=ASSIGNMENTS[header(attack, "assignment")].task())
    result = grade_submission(submission, tmp_path / "out", options)
    _, seen = check_result(result, tmp_path / "out")
    check_limit(result, header(attack, "limit"))
    expected = header(attack, "score")
    if expected == "honest":
        assert result.score == HONEST_LIGHT_SCORE, seen
    elif expected is not None:
        assert result.score == float(expected), seen
    else:
        assert result.score <= HONEST_LIGHT_SCORE, seen
    assert result.status == (header(attack, "status") or result.status), seen
    if header(attack, "judge-seconds"):
        assert result.stages.get("probe + judge", 0.0) <= float(header(attack, "judge-seconds")), result.stages
    if header(attack, "message"):
        assert re.search(header(attack, "message"), seen), seen
    if header(attack, "absent"):
        assert not re.search(header(attack, "absent"), seen), seen
    assert not Path("/tmp/autograder-pickle-pwned").exists()
    return result, seen


def marked(paths: list[Path]) -> list:
    """Attacks as test parameters; a `# slow: why` header leaves one out of the default suite."""
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if header(p, "slow") else []) for p in paths]


@pytest.mark.parametrize("attack", marked(attacks()))
def test_attack_cannot_raise_the_score(attack, tmp_path, loopback_listener):
    check_attack(attack, tmp_path, OPTIONS)
    assert loopback_listener == [], "the sandbox reached a listener on the host"


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the platform emulation needs root")
@pytest.mark.parametrize("attack", marked([a for a in attacks() if header(a, "also") == "no-namespace"]))
def test_attack_without_namespaces(attack):
    """Gradescope's Docker path, emulated for real (tests/platforms.py): no namespaces, no control
    group, the kernel under an unprivileged uid; the seccomp filter closes the network."""
    graded = grade_on("docker", [attack])
    seen, record = "\n".join(graded["summary"]), graded["containment"]
    assert graded["status"] == (header(attack, "status") or graded["status"]), graded
    # Where a watchdog rightly ended the tree for the limit the attack pushes, its answers died with it.
    ended = header(attack, "limit") is not None and record["limit_hits"]
    if header(attack, "score") == "honest" and not ended:
        assert graded["score"] == HONEST_LIGHT_SCORE, graded
    assert graded["score"] <= HONEST_LIGHT_SCORE, graded
    if header(attack, "absent"):
        assert not re.search(header(attack, "absent"), seen), seen
    assert record["uid"] is not None, graded["notes"]  # never the grader's own user
    assert (record["protections"]["network"], record["protections"]["system calls"]) == ("seccomp", "seccomp"), graded["notes"]
    assert graded["left"] == [], graded


@pytest.mark.parametrize("builder", list(builders.CASES), ids=lambda b: b.__name__)
def test_broken_file_gets_a_clear_result(builder, tmp_path):
    status, message, graded = builders.CASES[builder]
    submission = builder(tmp_path / "mnist_nn.ipynb", honest_light_notebook())
    result = grade_submission(submission, tmp_path / "out", OPTIONS)
    _, seen = check_result(result, tmp_path / "out")
    assert result.status == status and re.search(message, seen), seen
    assert result.score == (HONEST_LIGHT_SCORE if graded else 0.0)
    assert not builders.PICKLE_MARKER.exists(), "something in the submission was unpickled"


def test_hidden_tests_exist_on_the_host():
    """The leak attacks above are meaningful: the hidden tests are really on this disk."""
    assert "hidden=True" in (MNIST.hidden_tests / "q5.py").read_text()


def test_without_bubblewrap_grading_is_refused_by_default(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.engine.sandbox.bwrap_path", lambda: None)
    path = tmp_path / "honest.ipynb"
    nbformat.write(honest_light_notebook(), path)
    result = grade_submission(path, tmp_path / "out", OPTIONS)
    _, seen = check_result(result, tmp_path / "out")
    assert result.status == "no-sandbox" and result.score == 0
    assert "could not be graded safely" in seen and "bubblewrap" not in seen
    assert "bubblewrap (bwrap) is not installed" in (tmp_path / "out" / "honest" / "instructor_notes.txt").read_text()


def test_without_bubblewrap_student_code_never_runs_as_root_or_beside_readable_hidden_tests(tmp_path, monkeypatch):
    """--allow-no-sandbox grades without namespaces only where the kernel gets an unprivileged uid and
    cannot read the hidden tests (Gradescope after lockdown.sh: tests/test_containment.py grades there)."""
    monkeypatch.setattr("autograder.engine.sandbox.bwrap_path", lambda: None)
    monkeypatch.setattr("autograder.engine.pipeline.can_drop_user", lambda: False)
    path = tmp_path / "honest.ipynb"
    nbformat.write(honest_light_notebook(), path)
    allowed = GradingOptions(MNIST.task(), PROFILE, require_sandbox=False)
    result = grade_submission(path, tmp_path / "out", allowed)
    check_result(result, tmp_path / "out")
    notes = (tmp_path / "out" / "honest" / "instructor_notes.txt").read_text()
    if os.geteuid() == 0:
        assert result.status == "no-sandbox" and "cannot run as an unprivileged user" in notes, notes
    monkeypatch.setattr("autograder.engine.pipeline.can_drop_user", lambda: True)
    monkeypatch.setattr("autograder.engine.pipeline.readable_by_others", lambda folder: folder != MNIST.hidden_tests)
    result = grade_submission(path, tmp_path / "out2", allowed)
    notes = (tmp_path / "out2" / "honest" / "instructor_notes.txt").read_text()
    assert result.status == "no-sandbox" and "could read the hidden tests" in notes, notes
