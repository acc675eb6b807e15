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

MAX_NOTEBOOK_BYTES = 64 * 1024**2
MAX_ZIP_MEMBERS = 500
TOO_LARGE = f"The notebook is larger than {MAX_NOTEBOOK_BYTES // 1024**2} MB; clear its outputs and resubmit."


class SubmissionError(Exception):
    """The submission cannot be graded; the message is for the student."""


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


def load_submission(path: Path, preferred_name: str = "mnist_nn.ipynb") -> LoadedSubmission:
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
