"""Test helper: a Gradescope "Export Submissions" download, built from notebooks.

What Gradescope hands an instructor (Assignment -> Review Grades -> Export Submissions) is a zip,
by default named submissions.zip, whose only top-level entry is a folder
``assignment_<assignment id>_export/`` holding:

* one folder per submission, ``submission_<submission id>/``, with the files the student
  uploaded under their own names;
* ``submission_metadata.yml``, written by Ruby's YAML library: a mapping from each submission
  folder name to that submission's record, whose keys are Ruby symbols and so start with a
  colon (``:submitters:``, ``:created_at:``, ...). Python's ``yaml.safe_load`` reads those keys
  as the strings ``":submitters"``, ``":name"``, ...

A record, as in real exports of an upload assignment that has no autograder::

    submission_123456789:
      :submitters:
      - :name: Ada Lovelace
        :sid: '20240001'
        :email: ada.lovelace@example.edu
      :created_at: 2024-03-01 17:00:07.250000000 Z
      :score: 0.0
      :status: processed
      :results:
        score: 0.0
        tests: []
        output: This assignment does not have an autograder configured.
        extra_data:
        visibility:
        leaderboard: []
        output_format:
        execution_time:
        test_name_format:
        test_output_format:
      :history: []

(Ruby writes a nil as ``key:`` plus one trailing space, trimmed above; ``yaml.safe_load``
reads it as None. ``:sid:`` is a string, quoted when it looks like a number. ``:created_at:``
is a UTC time in Ruby's format, which ``yaml.safe_load`` reads as an aware datetime.) Earlier
submissions of the same student appear under ``:history:`` as records with ``:submitters: []``
and their own ``:id:``; this helper makes one submission per student and leaves the history empty.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

METADATA_NAME = "submission_metadata.yml"
DEFAULT_ZIP_NAME = "submissions.zip"
FIRST_SUBMISSION_ID = 123456789
ASSIGNMENT_ID = 4242424
FIRST_SID = 20240001
FIRST_CREATED_AT = datetime(2024, 3, 1, 17, 0, 7, 250000, tzinfo=UTC)
NO_AUTOGRADER = "This assignment does not have an autograder configured."


class _RubyTime:
    """A UTC time written the way Ruby's YAML writes a Time: ``2024-03-01 17:00:07.250000000 Z``."""

    def __init__(self, moment: datetime):
        self.text = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "000 Z"


class _RubyStyleDumper(yaml.SafeDumper):
    """PyYAML's block style already matches Ruby's (indentless sequences); nil and Time differ."""


_NIL = "__ruby_nil__"  # written for None, then replaced by the nothing Ruby writes
_RubyStyleDumper.add_representer(type(None), lambda dumper, _: dumper.represent_scalar("tag:yaml.org,2002:str", _NIL))
_RubyStyleDumper.add_representer(_RubyTime, lambda dumper, t: dumper.represent_scalar("tag:yaml.org,2002:timestamp", t.text))


def email_for(name: str, taken: set[str]) -> str:
    """first.last@example.edu from a full name (accents dropped), made unique within `taken`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z0-9]+", ".", ascii_name.lower()).strip(".") or "student"
    email, n = f"{local}@example.edu", 1
    while email in taken:
        n += 1
        email = f"{local}{n}@example.edu"
    taken.add(email)
    return email


def metadata_record(name: str, sid: str, email: str, created_at: datetime) -> dict:
    """One submission's record, keys in the order Gradescope writes them."""
    return {
        ":submitters": [{":name": name, ":sid": sid, ":email": email}],
        ":created_at": _RubyTime(created_at),
        ":score": 0.0,
        ":status": "processed",
        ":results": {
            "score": 0.0,
            "tests": [],
            "output": NO_AUTOGRADER,
            "extra_data": None,
            "visibility": None,
            "leaderboard": [],
            "output_format": None,
            "execution_time": None,
            "test_name_format": None,
            "test_output_format": None,
        },
        ":history": [],
    }


def metadata_yaml(records: dict[str, dict]) -> str:
    """The text of submission_metadata.yml for {submission folder name: record}."""
    text = yaml.dump(
        records, Dumper=_RubyStyleDumper, explicit_start=True, sort_keys=False,
        default_flow_style=False, allow_unicode=True, width=10**6,
    )
    return text.replace(f" {_NIL}\n", " \n")


def make_export(
    submissions: list[tuple[str, Path]],
    target: Path,
    as_zip: bool = False,
    *,
    assignment_id: int = ASSIGNMENT_ID,
    first_id: int = FIRST_SUBMISSION_ID,
) -> Path:
    """Lay out a Gradescope export of `submissions` ((student full name, notebook path), one
    submitter each) under `target` and return it.

    Unpacked (as_zip=False): writes target/assignment_<id>_export/ and returns that folder, the
    one holding submission_metadata.yml (what unzipping the download gives, one level down).
    Zipped (as_zip=True): writes the same tree, top folder included, into a zip and returns the
    zip's path: `target` itself when it ends in .zip, else target/submissions.zip.
    Submission ids count up from `first_id`; each notebook keeps its name and exact bytes.
    """
    target = Path(target)
    top = f"assignment_{assignment_id}_export"
    emails: set[str] = set()
    records: dict[str, dict] = {}
    files: list[tuple[str, Path]] = []  # (member path under the top folder, source file)
    for index, (name, notebook) in enumerate(submissions):
        folder = f"submission_{first_id + index}"
        created = FIRST_CREATED_AT + timedelta(minutes=7 * index, microseconds=1013 * index)
        records[folder] = metadata_record(name, str(FIRST_SID + index), email_for(name, emails), created)
        files.append((f"{folder}/{Path(notebook).name}", Path(notebook)))
    text = metadata_yaml(records)

    if as_zip:
        zip_path = target if target.suffix == ".zip" else target / DEFAULT_ZIP_NAME
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{top}/{METADATA_NAME}", text)
            for member, source in files:
                archive.write(source, f"{top}/{member}")
        return zip_path

    root = target / top
    root.mkdir(parents=True, exist_ok=True)
    (root / METADATA_NAME).write_text(text, encoding="utf-8")
    for member, source in files:
        destination = root / member
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    return root
