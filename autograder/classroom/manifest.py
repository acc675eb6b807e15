"""The resume record of one submission: ``OUT/<id>/grading.json``, and the grader version it carries.

A submission counts as done once its manifest exists and records a final verdict on the same
content (SHA-256 of the submitted bytes), by the same grader version, for the same requested
assignment. The manifest is written last, after the result files, so a crash or Ctrl-C leaves
either a whole result or none.

The grader version covers exactly what can change a verdict, so that fixing the class report,
the CLI's text, the docs, the similarity measure or the Gradescope packaging regrades nothing
(a class of 300 takes about 3 hours on 2 cores):

* the engine (``autograder/engine/``), every limit (``autograder/limits.py``) and the course
  code that builds the grading task (``autograder/course/``);
* the grading task itself: every file and folder it names (the hidden and public tests, the
  data helper), its configuration and the arguments of its callables;
* the pinned packages (``requirements.lock``).

Nothing of another assignment is part of it: adding or changing one assignment leaves the others'
versions alone. What does depend on the other assignments, which assignment a notebook is (the
engine refuses another assignment's notebook), is kept in each manifest instead (``identity``: the
assignment it was identified as, and a digest of the assignments it was compared with); when those
have changed since, resuming identifies the submission again and regrades it only if the answer moved.
Nor is anything measured on the grading machine (its speed, which scales the per-cell time limits:
engine/speed.py): the grading's instructor notes record it.

The datasets are covered through the data helper, which pins the SHA-256 of every array and
refuses any other bytes; their ``.npz`` files are not hashed, since rewriting one (another
machine, another ``fetch-data``) changes its zip timestamps but not a single verdict.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from ..atomic import write_atomically
from ..course.assignments import ASSIGNMENTS, COURSE, Assignment
from ..course.identify import identified_name, roster
from ..course.paths import AUTOGRADER, REPO
from ..engine.load import SubmissionError, load_submission
from .collect import Submission

MANIFEST = "grading.json"

VERDICT_CODE = (AUTOGRADER / "engine", AUTOGRADER / "course", AUTOGRADER / "limits.py", REPO / "requirements.lock")
# Fields of the grading task whose content is not hashed, and why.
UNHASHED_FIELDS = {
    "data_dir": "its arrays are pinned by SHA-256 in the data helper, which is hashed",
    "identify": "it compares with every assignment: each manifest records its identity instead (is_current)",
}


def grader_version(assignment: Assignment) -> str:
    """Changes whenever anything that can change this assignment's verdicts changes (see the module docstring)."""
    return _version_of(assignment.name)


@functools.cache
def _version_of(name: str) -> str:
    digest = hashlib.sha256()
    for path in VERDICT_CODE:
        _hash_path(path, digest)
    task = ASSIGNMENTS[name].task()
    for field in dataclasses.fields(task):
        if field.name not in UNHASHED_FIELDS:
            digest.update(field.name.encode() + b"\0")
            _hash_value(getattr(task, field.name), digest)
    return f"{__version__}+{name}.{digest.hexdigest()[:16]}"


def unidentified_version() -> str:
    """The version of a verdict given without an assignment (the file was unreadable or
    recognised by none): it depends on every assignment the submission was compared with."""
    digest = hashlib.sha256("\0".join(sorted(_version_of(name) for name in ASSIGNMENTS)).encode())
    return f"{__version__}+unidentified.{digest.hexdigest()[:16]}"


def version_for(assignment_name: str | None) -> str:
    return _version_of(assignment_name) if assignment_name else unidentified_version()


def _hash_path(path: Path, digest) -> None:
    """A file's name and bytes; a folder's files (sorted, caches and hidden files left out)."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            parts = child.relative_to(path).parts
            if child.is_file() and "__pycache__" not in parts and not any(p.startswith(".") for p in parts):
                digest.update(str(child.relative_to(path.parent)).encode() + b"\0" + child.read_bytes() + b"\0")
    elif path.is_file():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    else:
        digest.update(b"missing:" + path.name.encode() + b"\0")


def _hash_value(value: object, digest) -> None:
    """A task field: paths by content, callables by name and arguments, data as JSON."""
    if isinstance(value, Path):
        _hash_path(value, digest)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _hash_value(item, digest)
    elif isinstance(value, functools.partial):
        _hash_value(value.func, digest)
        _hash_value([value.args, sorted(value.keywords.items())], digest)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _hash_value(getattr(value, field.name), digest)
    elif callable(value):
        digest.update(f"{getattr(value, '__module__', '')}:{getattr(value, '__qualname__', type(value).__name__)}".encode())
    else:
        digest.update(json.dumps(value, sort_keys=True, default=_stable_text).encode())
    digest.update(b"\0")


def _stable_text(value: object) -> str:
    """An object JSON cannot write: its repr, unless that holds a memory address (then its type)."""
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


def read_payload(path: Path) -> tuple[bytes | None, str]:
    """The submitted bytes and their SHA-256 (one read: the digest is of what gets graded)."""
    try:
        payload = path.read_bytes()
    except OSError:
        return None, "missing"
    return payload, hashlib.sha256(payload).hexdigest()


def read_manifest(out: Path, submission: Submission) -> dict | None:
    try:
        manifest = json.loads((out / submission.id / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def is_current(
    manifest: dict | None, digest: str, version: str, requested: str | None = None, submission: Submission | None = None
) -> bool:
    """Done: a final verdict on this very content by this very grader, for the same request
    (an assignment named by the instructor, or None: identified from the notebook), and, given the
    submission, still identified as the same assignment (checked again only if the course's assignments changed)."""
    from .regrade import regrade_reasons

    identity = None if submission is None else functools.partial(same_identity, manifest, submission, requested)
    return bool(manifest) and not regrade_reasons(manifest, digest, version, requested, False, identity)


def course_roster() -> str:
    """What identification compares a submission with: every assignment of the course (identify.roster)."""
    return roster(COURSE.student_notebooks())


def identified_as(submission: Submission, requested: str | None) -> str | None:
    """The assignment the grader takes the submission for: among all (requested None), or, when one was
    requested, the other assignment whose notebook the engine refuses it as (None: none recognised)."""
    if requested is None:
        from .worker import identify_submission

        found = identify_submission(submission.path, submission.path.name)[0]
        return found.name if found else None
    try:
        notebook = load_submission(submission.path, ASSIGNMENTS[requested].notebook_name).notebook
    except SubmissionError:
        return None
    return identified_name(notebook, submission.path.name, COURSE.student_notebooks())


def same_identity(manifest: dict, submission: Submission, requested: str | None) -> bool:
    """Whether the submission is still identified as its manifest records (read again only when the course's
    assignments changed since)."""
    identity = manifest.get("identity")
    if not isinstance(identity, dict):
        return False
    return identity.get("roster") == course_roster() or identity.get("as") == identified_as(submission, requested)


def save_result(out: Path, submission: Submission, digest: str, requested: str | None, returned: dict,
                regraded: dict | None = None) -> dict:
    """Write a worker's files, the Markdown feedback, and last the manifest that marks it done.
    regraded: why an earlier grading was replaced, its figures and where its files were kept (regrade.py)."""
    from .feedback import feedback_markdown

    folder = out / submission.id
    (folder / MANIFEST).unlink(missing_ok=True)  # not done until the new manifest is written
    results = json.loads(returned["files"]["results.json"])
    files = {**returned["files"], "feedback.md": feedback_markdown(results, submission.id)}
    for name, text in files.items():
        write_atomically(folder / Path(name).name, text)
    for stale in folder.iterdir():  # e.g. instructor notes of an earlier grading
        if stale.is_file() and stale.name not in files and not stale.name.startswith("."):
            stale.unlink()
    manifest = {
        "submission": submission.id,
        "source": str(submission.path),
        "people": [vars(p) for p in submission.people],
        "content_sha256": digest,
        "requested": requested,
        "graded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **{k: v for k, v in returned.items() if k != "files"},
        "identity": {"roster": course_roster(), "as": identified_as(submission, requested)},
        **({"regraded": regraded} if regraded else {}),
    }
    write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest
