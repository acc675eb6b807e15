"""Load stage: read a submission (.ipynb, or a .zip holding one or more) into a validated notebook.

Nothing from a submission is unpickled or imported: the notebook is parsed as UTF-8 JSON and
validated by nbformat. Other files in a zip (.OTTER_LOG included) are ignored.

A zip (or a student's folder, packed into one) may hold several notebooks: the blank one as
distributed beside an answered ``Copy of mnist_nn.ipynb``, another assignment's, a scratch
notebook. The file named like the assignment is not preferred for its name: among the notebooks
of this assignment (the task's ``identify``), the one with answers (the task's ``unanswered``) is
graded; among several with answers, the most recently saved one when the zip's dates tell it
apart, else none (the student is asked to submit one). The student is told which file was graded.
"""

from __future__ import annotations

import datetime
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..limits import LOCAL

MAX_NOTEBOOK_BYTES, MAX_ZIP_MEMBERS = LOCAL.intake.notebook_bytes, LOCAL.intake.zip_members
MAX_JSON_CONTAINERS = LOCAL.intake.json_containers
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints"}  # what zip tools and Jupyter add beside a notebook
TOO_LARGE = f"The notebook is larger than {MAX_NOTEBOOK_BYTES // 1024**2} MB; clear its outputs and resubmit."
TOO_MANY_PARTS = (
    f"The notebook's file holds more than {MAX_JSON_CONTAINERS:,} JSON objects and lists (outputs included); "
    "clear its outputs (Kernel > Restart Kernel and Clear Outputs), save it and resubmit."
)


def too_many_parts(raw: bytes) -> bool:
    """Whether parsing raw could cost the grader more memory than any notebook needs (see json_containers)."""
    return raw.count(b"{") + raw.count(b"[") > MAX_JSON_CONTAINERS


class SubmissionError(Exception):
    """The submission cannot be graded; the message is for the student."""


class WrongAssignment(SubmissionError):
    """The notebook is another assignment's; the message names both."""


SAME_TIME_SECONDS = 2  # a zip's dates have a 2-second resolution
UNKNOWN_DATE = (1980, 1, 1, 0, 0, 0)  # what a zip tool writes when it keeps no date


@dataclass
class LoadedSubmission:
    notebook: nbformat.NotebookNode
    notes: list[str] = field(default_factory=list)
    file_name: str = ""  # the notebook's own file name (a zip's member, not the zip's name)


@dataclass(frozen=True)
class Expected:
    """What the load stage may ask about the assignment, to choose among several notebooks (the course's answers)."""

    notebook_name: str  # e.g. mnist_nn.ipynb
    assignment: str | None = None
    identify: Callable[[nbformat.NotebookNode, str], str | None] | None = None  # the assignment a notebook is
    unanswered: Callable[[nbformat.NotebookNode], bool] | None = None  # True: the notebook as distributed


@dataclass
class _Member:
    name: str
    size: int
    date: tuple[int, ...]
    read: Callable[[], bytes]
    notebook: nbformat.NotebookNode | None = None
    why_not: str = ""

    @property
    def timestamp(self) -> float | None:
        try:
            return None if tuple(self.date) <= UNKNOWN_DATE else datetime.datetime(*self.date).timestamp()
        except (TypeError, ValueError, OverflowError):  # a zip's date fields are the student's bytes (month 15)
            return None


def _peek(member: _Member) -> nbformat.NotebookNode | None:
    """The member as a notebook, for choosing only (the chosen one is validated afterwards); None if unreadable."""
    if member.size > MAX_NOTEBOOK_BYTES:
        return None
    try:
        raw = member.read()
        return None if too_many_parts(raw) else nbformat.reads(raw.decode("utf-8-sig"), as_version=4)
    except Exception:
        return None


SHOWN_NAME_CHARS, SHOWN_MEMBERS = 120, 10  # a zip's names are the student's text: a few, short, on one line


def _shown(name: str) -> str:
    name = "".join(c if c.isprintable() else "?" for c in name[: SHOWN_NAME_CHARS + 1])
    return name if len(name) <= SHOWN_NAME_CHARS else name[: SHOWN_NAME_CHARS - 1] + "…"


def _listing(members: list[_Member]) -> str:
    shown = [f"{_shown(m.name)} ({m.why_not})" if m.why_not else _shown(m.name) for m in members[:SHOWN_MEMBERS]]
    more = len(members) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def choose_notebook(members: list[_Member], expected: Expected) -> tuple[_Member, list[str]]:
    """The one notebook to grade among several, and what the student is told about the choice."""
    if len(members) == 1:
        return members[0], []
    if expected.identify is None and expected.unanswered is None:  # nothing to tell them apart but the name
        named = [m for m in members if Path(m.name).name == expected.notebook_name]
        if len(named) != 1:
            raise SubmissionError(
                f"The submission should hold exactly one notebook ({expected.notebook_name}); found: {_listing(members)}."
            )
        return named[0], []
    for member in members:
        member.notebook = _peek(member)
        if member.notebook is None:
            member.why_not = "not a readable notebook"
    readable = [m for m in members if m.notebook is not None]
    if not readable:  # validation will say what is wrong with the one named like the assignment, or the first
        chosen = next((m for m in members if Path(m.name).name == expected.notebook_name), members[0])
        return chosen, [f"graded {_shown(chosen.name)}; not graded: {_listing([m for m in members if m is not chosen])}"]
    pool = readable
    if expected.identify is not None:
        kinds = {id(m): expected.identify(m.notebook, Path(m.name).name) for m in readable}
        ours = [m for m in readable if kinds[id(m)] == expected.assignment]
        for m in readable:
            if kinds[id(m)] not in (None, expected.assignment):
                m.why_not = f"the {kinds[id(m)]} assignment"
        pool = ours or [m for m in readable if kinds[id(m)] is None] or readable
    answered = pool
    if expected.unanswered is not None:
        answered = [m for m in pool if not expected.unanswered(m.notebook)]
        for m in pool:
            if m not in answered:
                m.why_not = "no answers: as distributed"
    if len(answered) > 1:
        dated = sorted(answered, key=lambda m: m.timestamp or 0.0, reverse=True)
        first, second = dated[0].timestamp, dated[1].timestamp
        if first is None or second is None or first - second < SAME_TIME_SECONDS:
            raise SubmissionError(
                f"The submission holds several notebooks with answers: {_listing(answered)}. The grader cannot tell "
                f"which one to grade: submit only the notebook you want graded ({expected.notebook_name})."
            )
        for m in dated[1:]:
            m.why_not = "saved earlier"
        answered = dated[:1]
    if answered:
        chosen = answered[0]
    else:  # all as distributed: the one named like the assignment, else the first
        chosen = next((m for m in pool if Path(m.name).name == expected.notebook_name), pool[0])
    others = [m for m in members if m is not chosen]
    return chosen, [f"graded {_shown(chosen.name)}; not graded: {_listing(others)}"]


def _notebook_bytes(path: Path, expected: Expected) -> tuple[bytes, list[str], str]:
    if not path.is_file():
        raise SubmissionError(f"No file was found at {path.name}.")
    if not zipfile.is_zipfile(path):
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(TOO_LARGE)
        return path.read_bytes(), [], path.name
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise SubmissionError(f"The zip file holds {len(infos)} files; submit only your notebook.")
            members = [
                _Member(m.filename, m.file_size, m.date_time, lambda m=m: archive.read(m))
                for m in infos
                if m.filename.endswith(".ipynb") and not IGNORED_PARTS & set(Path(m.filename).parts)
            ]
            if not members:
                raise SubmissionError(f"The zip file should hold exactly one notebook ({expected.notebook_name}); found: none.")
            if len(members) > 1 and sum(m.size for m in members) > MAX_NOTEBOOK_BYTES:  # each is read to choose
                raise SubmissionError(
                    f"The notebooks in the zip file hold more than {MAX_NOTEBOOK_BYTES // 1024**2} MB together; "
                    f"submit only your notebook ({expected.notebook_name}), with its outputs cleared."
                )
            chosen, notes = choose_notebook(members, expected)
            if chosen.size > MAX_NOTEBOOK_BYTES:
                raise SubmissionError(TOO_LARGE)
            return chosen.read(), notes or [f"graded {_shown(chosen.name)} from the zip file"], Path(chosen.name).name
    except SubmissionError:
        raise
    except Exception as exc:  # bad zip, unsupported compression, encryption, truncation, ...
        raise SubmissionError(f"The zip file could not be opened ({type(exc).__name__}: {str(exc)[:200]}).") from None


def load_submission(path: Path, expected: Expected | str) -> LoadedSubmission:
    """Parse and validate; raise SubmissionError with a message a student understands.

    ``expected`` is the assignment's notebook name, or an :class:`Expected` that can also tell which
    of several notebooks in a zip is this assignment's and which has answers.
    """
    expected = Expected(expected) if isinstance(expected, str) else expected
    raw, notes, file_name = _notebook_bytes(Path(path), expected)
    if not raw.strip():
        raise SubmissionError("The submitted notebook is empty (0 bytes). Save your notebook in Jupyter, then submit it again.")
    if too_many_parts(raw):
        raise SubmissionError(TOO_MANY_PARTS)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(
            f"The submission is not a notebook: it is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}). "
            "Submit the .ipynb file that Jupyter saves."
        ) from None
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"The submission is not a valid notebook: its JSON is broken at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg}). Open it in Jupyter, save it, and submit it again."
        ) from None
    except (RecursionError, ValueError) as exc:
        raise SubmissionError(f"The submission is not a valid notebook ({type(exc).__name__}).") from None
    if not isinstance(content, dict) or not ("cells" in content or "worksheets" in content):
        raise SubmissionError("The submission is JSON but not a Jupyter notebook (it has no cells).")
    major = content.get("nbformat")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:
        raise SubmissionError(f"The notebook file is damaged: {str(exc).splitlines()[0][:300]}") from None
    if isinstance(major, int) and major < 4:
        notes.append(f"converted from notebook format {major} to 4")
    if not any(cell.cell_type == "code" and cell.source.strip() for cell in notebook.cells):
        raise SubmissionError("The notebook has no code cells, so there is nothing to grade.")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return LoadedSubmission(notebook, notes, file_name)


def _folder_files(folder: Path) -> list[Path]:
    """A student's files: symbolic links are not theirs to hand in (a Git repository can hold one to any
    path of the grading machine: a solution, another student's notebook, the hidden tests)."""
    return sorted(
        (
            p for p in folder.rglob("*")
            if p.is_file() and not p.is_symlink() and not IGNORED_PARTS & set(p.relative_to(folder).parts)
        ),
        key=lambda p: (len(p.relative_to(folder).parts), str(p)),
    )


def notebook_in_folder(folder: Path, preferred: str = "") -> Path | None:
    """The file to grade in one student's folder when there is no choice to make: their only notebook,
    else (no notebook at all) their only zip. None when several notebooks need the load stage's
    choice (``pack_folder``): the one named like the assignment may be the blank one."""
    files = _folder_files(folder)
    notebooks = [p for p in files if p.suffix.lower() == ".ipynb"]
    if len(notebooks) == 1:
        return notebooks[0]
    zips = [p for p in files if p.suffix.lower() == ".zip"]
    return zips[0] if not notebooks and len(zips) == 1 else None


def pack_folder(folder: Path, target: Path) -> Path:
    """A zip of a student's notebooks (each with its modification time), for the load stage to choose
    from and explain; the grader's size caps apply to what is packed."""
    notebooks = [p for p in _folder_files(folder) if p.suffix.lower() == ".ipynb"]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in notebooks[: MAX_ZIP_MEMBERS + 1]:  # the load stage explains what it finds (or misses)
            if path.stat().st_size <= MAX_NOTEBOOK_BYTES:
                stamp = datetime.datetime.fromtimestamp(max(path.stat().st_mtime, 315619200)).timetuple()[:6]
                info = zipfile.ZipInfo(str(path.relative_to(folder)), date_time=stamp)
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return target
