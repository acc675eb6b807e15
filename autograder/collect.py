"""Find the submissions in what an instructor hands the batch grader.

Accepted inputs, any number of them:

* a notebook (``.ipynb``) or a student's zip holding one: one submission;
* a folder or a zip of many notebooks: one submission per notebook (or per student zip);
* a Gradescope "Export Submissions" folder or zip: one submission per ``submission_<id>/``
  folder, with names, emails and SIDs from its ``submission_metadata.yml``.

Every submission ends up as one file (a notebook or a zip) so that it can be hashed for
resuming and sent to any Dask worker as bytes. Zips are unpacked with caps and without
trusting their member names.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from .submission import MAX_NOTEBOOK_BYTES, MAX_ZIP_MEMBERS

METADATA = "submission_metadata.yml"
MAX_ARCHIVE_MEMBERS = 20_000
MAX_ARCHIVE_BYTES = 20 * 1024**3
_IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints"}


class CollectError(Exception):
    """The input cannot be read as submissions; the message says why."""


@dataclass(frozen=True)
class Submission:
    id: str  # unique, safe as a folder name: OUT/<id>/
    path: Path  # a notebook or a zip
    name: str = ""
    email: str = ""
    sid: str = ""


def safe_id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "submission"
    return cleaned[:120]


def _unique(submissions: list[Submission]) -> list[Submission]:
    seen: dict[str, int] = {}
    unique = []
    for sub in submissions:
        count = seen.get(sub.id, 0)
        seen[sub.id] = count + 1
        unique.append(sub if count == 0 else Submission(f"{sub.id}-{count + 1}", sub.path, sub.name, sub.email, sub.sid))
    return unique


def extract_archive(archive_path: Path, target: Path) -> Path:
    """Unpack a class zip under target; member names cannot escape it, sizes are capped."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
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
    except zipfile.BadZipFile as exc:
        raise CollectError(f"{archive_path.name} is not a readable zip file ({exc}).") from None
    return target


def _strip_colons(value):
    """Gradescope writes Ruby-symbol keys (':name:' parses as ':name'); drop the colon."""
    if isinstance(value, dict):
        return {str(k).lstrip(":"): _strip_colons(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_colons(v) for v in value]
    return value


def read_metadata(path: Path) -> dict[str, dict]:
    """submission folder name -> {name, email, sid} from a Gradescope export's metadata."""
    try:
        document = _strip_colons(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CollectError(f"{path} is not readable YAML ({type(exc).__name__}).") from None
    identities = {}
    for folder, entry in document.items() if isinstance(document, dict) else []:
        submitters = entry.get("submitters") if isinstance(entry, dict) else None
        people = [s for s in submitters or [] if isinstance(s, dict)]
        joined = {key: "; ".join(str(p.get(key) or "") for p in people) for key in ("name", "email", "sid")}
        identities[str(folder)] = joined
    return identities


def notebook_in_folder(folder: Path, preferred: str) -> Path | None:
    """The file to grade in one student's folder: their notebook, else their zip."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not _IGNORED_PARTS & set(p.parts))
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    for candidates in ([p for p in notebooks if p.name == preferred], notebooks, [p for p in files if p.suffix == ".zip"]):
        if len(candidates) == 1:
            return candidates[0]
    return None


def _pack_folder(folder: Path, target: Path) -> Path:
    """A deterministic zip of a student's folder, for the load stage to pick from (and explain)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file())[:MAX_ZIP_MEMBERS + 1]:
            if path.stat().st_size <= MAX_NOTEBOOK_BYTES:
                info = zipfile.ZipInfo(str(path.relative_to(folder)), date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return target


def _gradescope_export(root: Path, preferred: str, staging: Path) -> list[Submission]:
    identities = read_metadata(root / METADATA)
    submissions = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in _IGNORED_PARTS):
        who = identities.get(folder.name, {})
        path = notebook_in_folder(folder, preferred) or _pack_folder(folder, staging / f"{safe_id(folder.name)}.zip")
        submissions.append(Submission(safe_id(folder.name), path, who.get("name", ""), who.get("email", ""), who.get("sid", "")))
    return submissions


def _export_root(folder: Path) -> Path | None:
    """The folder holding submission_metadata.yml: the folder itself or its only subfolder."""
    if (folder / METADATA).is_file():
        return folder
    children = [p for p in folder.iterdir() if p.is_dir() and p.name not in _IGNORED_PARTS]
    if len(children) == 1 and (children[0] / METADATA).is_file():
        return children[0]
    return None


def _folder(folder: Path, preferred: str, staging: Path) -> list[Submission]:
    export = _export_root(folder)
    if export is not None:
        return _gradescope_export(export, preferred, staging)
    files = sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix in (".ipynb", ".zip") and not _IGNORED_PARTS & set(p.relative_to(folder).parts)
    )
    return [Submission(safe_id(str(p.relative_to(folder).with_suffix("")).replace("/", "__")), p) for p in files]


def _notebooks_in_zip(path: Path) -> int:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return 0
    if any(PurePosixPath(n).name == METADATA for n in names):
        return 2  # an export: always a class
    return sum(1 for n in names if n.endswith(".ipynb") and not _IGNORED_PARTS & set(PurePosixPath(n).parts))


def collect(inputs: list[Path], preferred: str, staging: Path) -> list[Submission]:
    """All submissions in the inputs, with unique ids; staging receives unpacked archives."""
    submissions: list[Submission] = []
    for number, raw in enumerate(inputs):
        path = Path(raw)
        if path.is_dir():
            submissions += _folder(path, preferred, staging)
        elif path.suffix == ".zip" and _notebooks_in_zip(path) > 1:
            unpacked = extract_archive(path, staging / f"archive-{number}")
            submissions += _folder(unpacked, preferred, staging)
        else:  # one notebook or one student's zip; a missing file is graded as unreadable
            submissions.append(Submission(safe_id(path.stem), path))
    return _unique(submissions)
