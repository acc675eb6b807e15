"""Find the submissions in what an instructor hands the batch grader.

Accepted inputs, any number of them:

* a notebook (``.ipynb``) or a student's zip holding one: one submission;
* a folder or a zip of many notebooks: one submission per notebook (or per student zip);
* a Gradescope "Export Submissions" folder or zip, passed as such (``exports``, the CLI's
  ``--gradescope-export``): one submission per ``submission_<id>/`` folder, with names, emails
  and SIDs from its ``submission_metadata.yml``.

Identity comes only from an export the instructor named: a ``submission_metadata.yml`` anywhere
else (a student can put one in their own zip) is never read, so no student can write another
student's name, SID or email into the gradebook.

Every submission ends up as one file (a notebook or a zip) so that it can be hashed for
resuming and sent to any Dask worker as bytes. Zips are unpacked with caps and without
trusting their member names.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from ..engine.load import IGNORED_PARTS as _IGNORED_PARTS
from ..engine.load import notebook_in_folder
from ..limits import CLASSROOM, LOCAL

MAX_NOTEBOOK_BYTES, MAX_ZIP_MEMBERS = LOCAL.intake.notebook_bytes, LOCAL.intake.zip_members
MAX_ARCHIVE_MEMBERS, MAX_ARCHIVE_BYTES = CLASSROOM.archive_members, CLASSROOM.archive_bytes

METADATA = "submission_metadata.yml"


class CollectError(Exception):
    """The input cannot be read as submissions; the message says why."""


@dataclass(frozen=True)
class Person:
    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass(frozen=True)
class Submission:
    id: str  # unique, safe as a folder name: OUT/<id>/
    path: Path  # a notebook or a zip
    people: tuple[Person, ...] = ()  # the submitters (a group submission has several)

    @property
    def name(self) -> str:
        return "; ".join(p.name for p in self.people)

    @property
    def email(self) -> str:
        return "; ".join(p.email for p in self.people)


# Names of the class-level outputs in OUT (grades.csv, grades-<assignment>.csv, ...), of the
# folder that keeps earlier results (regrade.py) and of the grader's log: no submission folder may take one.
CLASS_OUTPUT = re.compile(r"(grades|report|similarity|changes)(-.*)?\.(csv|html)", re.IGNORECASE)
PREVIOUS = "previous"
GRADER_LOG = "grader.log"  # what TensorFlow and Dask print while grading (native_log.py)


def is_reserved(submission_id: str) -> bool:
    return CLASS_OUTPUT.fullmatch(submission_id) is not None or submission_id.casefold() in (PREVIOUS, GRADER_LOG)


def safe_id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "submission"
    return cleaned[:120]


def _unique(submissions: list[Submission]) -> list[Submission]:
    """Ids distinct even on case-insensitive file systems, and never an output's name."""
    taken: set[str] = set()
    unique = []
    for sub in submissions:
        candidate, number = sub.id, 1
        while candidate.casefold() in taken or is_reserved(candidate):
            number += 1
            candidate = f"{sub.id}-{number}"
        taken.add(candidate.casefold())
        unique.append(sub if candidate == sub.id else Submission(candidate, sub.path, sub.people))
    return unique


def extract_archive(archive_path: Path, target: Path, metadata: bool = False) -> Path:
    """Unpack a class zip under target (with Gradescope's metadata if it is an export); member
    names cannot escape it, sizes are capped."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and _is_submission_file(m.filename, metadata)]
            if len(members) > MAX_ARCHIVE_MEMBERS:
                raise CollectError(f"{archive_path.name} holds {len(members)} files (at most {MAX_ARCHIVE_MEMBERS}).")
            if sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
                raise CollectError(f"{archive_path.name} unpacks to more than {MAX_ARCHIVE_BYTES // 1024**3} GB.")
            for member in members:
                parts = [p for p in PurePosixPath(member.filename.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
                if not parts or _IGNORED_PARTS & set(parts):
                    continue
                destination = target.joinpath(*parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(destination, "wb") as sink:
                    shutil.copyfileobj(source, sink)
    except CollectError:
        raise
    except Exception as exc:  # bad zip, unsupported compression, encryption, a file where a folder should be, ...
        raise CollectError(f"{archive_path.name} could not be unpacked ({type(exc).__name__}: {str(exc)[:200]}).") from None
    return target


def _is_submission_file(name: str, metadata: bool) -> bool:
    """What a class archive may contribute: notebooks, student zips and (an export's) metadata."""
    lowered = name.lower()
    return lowered.endswith((".ipynb", ".zip")) or (metadata and PurePosixPath(name).name == METADATA)


def _strip_colons(value):
    """Gradescope writes Ruby-symbol keys (':name:' parses as ':name'); drop the colon."""
    if isinstance(value, dict):
        return {str(k).lstrip(":"): _strip_colons(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_colons(v) for v in value]
    return value


def read_metadata(path: Path) -> dict[str, tuple[Person, ...]]:
    """submission folder name -> its submitters, from a Gradescope export's metadata.

    Entries that do not have the expected shape are skipped (those students keep their
    folder name as identity); a file that is not YAML at all is refused.
    """
    try:
        document = _strip_colons(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise CollectError(f"{path} is not readable YAML ({type(exc).__name__}).") from None
    identities = {}
    for folder, entry in document.items() if isinstance(document, dict) else []:
        submitters = entry.get("submitters") if isinstance(entry, dict) else None
        if not isinstance(submitters, list):
            continue
        people = [s for s in submitters if isinstance(s, dict)]
        identities[str(folder)] = tuple(
            Person(*(str(p.get(key) or "") for key in ("name", "email", "sid"))) for p in people
        )
    return identities


def _pack_folder(folder: Path, target: Path) -> Path:
    """A deterministic zip of a student's folder, for the load stage to pick from (and explain)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        found = folder.rglob("*") if folder.is_dir() else []
        files = sorted(p for p in found if p.is_file() and not p.is_symlink() and p.suffix.lower() in (".ipynb", ".zip"))
        for path in files[:MAX_ZIP_MEMBERS + 1]:  # the load stage explains what it finds (or misses)
            if path.stat().st_size <= MAX_NOTEBOOK_BYTES:
                info = zipfile.ZipInfo(str(path.relative_to(folder)), date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return target


def _pick(folder: Path, preferred: Sequence[str]) -> Path | None:
    """The file to grade in one student's folder, trying each assignment's notebook name."""
    for name in preferred:
        chosen = notebook_in_folder(folder, name)
        if chosen is not None:
            return chosen
    return None


def _gradescope_export(root: Path, preferred: Sequence[str], staging: Path) -> list[Submission]:
    """One submission per folder, and per metadata entry (a student who uploaded no notebook
    has no folder left after unpacking, and still gets a row saying so)."""
    identities = read_metadata(root / METADATA)
    folders = {p.name for p in root.iterdir() if p.is_dir() and p.name not in _IGNORED_PARTS}
    staging.mkdir(parents=True, exist_ok=True)
    packs = Path(tempfile.mkdtemp(prefix="packed-", dir=staging))  # one per export: folder names repeat across exports
    submissions = []
    for name in sorted(folders | set(identities)):
        folder = root / name
        chosen = _pick(folder, preferred) if folder.is_dir() else None
        path = chosen or _pack_folder(folder, packs / f"{safe_id(name)}.zip")
        submissions.append(Submission(safe_id(name), path, identities.get(name, ())))
    return submissions


def _export_root(folder: Path) -> Path | None:
    """The folder holding submission_metadata.yml: the folder itself or its only subfolder."""
    if (folder / METADATA).is_file():
        return folder
    children = [p for p in folder.iterdir() if p.is_dir() and p.name not in _IGNORED_PARTS]
    if len(children) == 1 and (children[0] / METADATA).is_file():
        return children[0]
    return None


def _folder(folder: Path) -> list[Submission]:
    """Every notebook and zip under folder is one submission, named after its path."""
    files = sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in (".ipynb", ".zip") and not _IGNORED_PARTS & set(p.relative_to(folder).parts)
    )
    return [Submission(safe_id(str(p.relative_to(folder).with_suffix("")).replace("/", "__")), p) for p in files]


def is_class_archive(path: Path) -> bool:
    """A zip of a class (several notebooks, or student zips) rather than one student's zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not _IGNORED_PARTS & set(PurePosixPath(n).parts)]
    except Exception:  # not a readable zip: the load stage reports it as the student's file
        return False
    lowered = [n.lower() for n in names]
    return sum(n.endswith(".ipynb") for n in lowered) > 1 or any(n.endswith(".zip") for n in lowered)


def looks_like_export(path: Path) -> bool:
    """A folder or zip laid out as a Gradescope export (metadata beside submission_* folders):
    the CLI suggests --gradescope-export for it, since names are only taken from exports named so."""
    try:
        if path.is_dir():
            root = _export_root(path)
            return root is not None and any(p.name.startswith("submission_") for p in root.iterdir() if p.is_dir())
        with zipfile.ZipFile(path) as archive:
            parts = [PurePosixPath(n).parts for n in archive.namelist()]
    except Exception:
        return False
    return any(p[-1] == METADATA for p in parts if len(p) <= 2) and any(
        part.startswith("submission_") for p in parts for part in p[:-1]
    )


def _export(path: Path, preferred: Sequence[str], staging: Path) -> list[Submission]:
    if not path.exists():
        raise CollectError(f"{path} does not exist.")
    if path.is_file() and not zipfile.is_zipfile(path):
        raise CollectError(f"{path} is not a Gradescope export: it is neither the export's zip nor its folder.")
    folder = extract_archive(path, staging, metadata=True) if path.is_file() else path
    root = _export_root(folder) if folder.is_dir() else None
    if root is None:
        raise CollectError(f"{path} is not a Gradescope export: it has no {METADATA} at its top (or in its only folder).")
    return _gradescope_export(root, preferred, staging)


def collect(
    inputs: list[Path], preferred: str | Sequence[str], staging: Path, exports: Sequence[Path] = ()
) -> list[Submission]:
    """All submissions in the inputs and in the Gradescope exports, with unique ids; staging
    receives unpacked archives. preferred: the notebook name(s) to pick in a student's folder."""
    names = [preferred] if isinstance(preferred, str) else list(preferred)
    submissions: list[Submission] = []
    for number, raw in enumerate(exports):
        submissions += _export(Path(raw), names, staging / f"export-{number}")
    for number, raw in enumerate(inputs):
        path = Path(raw)
        if path.is_dir():
            submissions += _folder(path)
        elif path.suffix.lower() == ".zip" and is_class_archive(path):
            submissions += _folder(extract_archive(path, staging / f"archive-{number}"))
        else:  # one notebook or one student's zip; a missing file is graded as unreadable
            submissions.append(Submission(safe_id(path.stem), path))
    return _unique(submissions)
