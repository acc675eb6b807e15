"""Load stage: read a submission (.ipynb, or a .zip holding one) into a validated notebook.

Nothing from a submission is unpickled or imported: the notebook is parsed as UTF-8 JSON and
validated by nbformat. Other files in a zip (.OTTER_LOG included) are ignored.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..limits import LOCAL

MAX_NOTEBOOK_BYTES, MAX_ZIP_MEMBERS = LOCAL.intake.notebook_bytes, LOCAL.intake.zip_members
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints"}  # what zip tools and Jupyter add beside a notebook
TOO_LARGE = f"The notebook is larger than {MAX_NOTEBOOK_BYTES // 1024**2} MB; clear its outputs and resubmit."


class SubmissionError(Exception):
    """The submission cannot be graded; the message is for the student."""


class WrongAssignment(SubmissionError):
    """The notebook is another assignment's; the message names both."""


@dataclass
class LoadedSubmission:
    notebook: nbformat.NotebookNode
    notes: list[str] = field(default_factory=list)


def _notebook_bytes(path: Path, preferred_name: str) -> tuple[bytes, list[str]]:
    if not path.is_file():
        raise SubmissionError(f"No file was found at {path.name}.")
    if not zipfile.is_zipfile(path):
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(TOO_LARGE)
        return path.read_bytes(), []
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise SubmissionError(f"The zip file holds {len(members)} files; submit only your notebook.")
            notebooks = [
                m for m in members
                if m.filename.endswith(".ipynb") and "__MACOSX" not in m.filename and ".ipynb_checkpoints" not in m.filename
            ]
            chosen = [m for m in notebooks if Path(m.filename).name == preferred_name] or notebooks
            if len(chosen) != 1:
                found = ", ".join(m.filename for m in notebooks) or "none"
                raise SubmissionError(f"The zip file should hold exactly one notebook ({preferred_name}); found: {found}.")
            if chosen[0].file_size > MAX_NOTEBOOK_BYTES:
                raise SubmissionError(TOO_LARGE)
            return archive.read(chosen[0]), [f"graded {chosen[0].filename} from the zip file"]
    except SubmissionError:
        raise
    except Exception as exc:  # bad zip, unsupported compression, encryption, truncation, ...
        raise SubmissionError(f"The zip file could not be opened ({type(exc).__name__}: {str(exc)[:200]}).") from None


def load_submission(path: Path, preferred_name: str) -> LoadedSubmission:
    """Parse and validate; raise SubmissionError with a message a student understands."""
    raw, notes = _notebook_bytes(Path(path), preferred_name)
    if not raw.strip():
        raise SubmissionError("The submitted notebook is empty (0 bytes). Save your notebook in Jupyter, then submit it again.")
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
    return LoadedSubmission(notebook, notes)


def notebook_in_folder(folder: Path, preferred: str) -> Path | None:
    """The file to grade in one student's folder: the notebook named like the assignment
    (the shallowest), else their only notebook, else (no notebook at all) their only zip."""
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file() and not IGNORED_PARTS & set(p.parts)),
        key=lambda p: (len(p.relative_to(folder).parts), str(p)),
    )
    notebooks = [p for p in files if p.suffix.lower() == ".ipynb"]
    named = [p for p in notebooks if p.name == preferred]
    if named:
        return named[0]
    if len(notebooks) == 1:
        return notebooks[0]
    zips = [p for p in files if p.suffix.lower() == ".zip"]
    return zips[0] if not notebooks and len(zips) == 1 else None
