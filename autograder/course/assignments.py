"""The course: its assignments, found from their master notebooks, and where each one's files live.

A course is a folder (by default this repository; a test builds one in a temporary folder):

* ``solutions/<name>.ipynb``: an assignment's **master notebook** (otter-assign format), the single
  source of its facts. Otter's ASSIGNMENT CONFIG cell names it (``name:``, the file's stem) and
  lists the files students get beside their notebook (``files:``, kept next to the master); the
  notebook's metadata ``autograder`` gives its ``title`` and the ``datasets`` (keys of
  ``nn_data.DATASETS``) its hidden tests load in the grader. Otter assign refuses unknown keys in
  its config cell and keeps notebook metadata, hence metadata.
* ``otter_config.json`` (the grading configuration) and ``data/`` (the verified datasets);

and, generated from each master by ``build``: ``assignment/<name>/`` (what students receive),
``autograder/hidden_tests/<name>/`` (every test, and ``cell_times.json``, the reference solution's
cell times), ``solutions/<name>_solution.ipynb`` (the executed reference) and ``build/``.

Adding an assignment is adding its master notebook (and its dataset to ``nn_data`` if new); nothing
here changes. ``build`` copies the facts into the generated notebooks' metadata, so a course shipped
without its masters (the Gradescope zip) finds its assignments and facts in the student notebooks.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from ..engine import GradingTask
from .paths import REPO, SETUP_MODULE

CONFIG_MARKER = "# ASSIGNMENT CONFIG"
METADATA_KEY = "autograder"


class CourseError(ValueError):
    """A master notebook or a course folder that cannot be used, with what to fix."""


@dataclass(frozen=True)
class Facts:
    """What an assignment's master notebook says about it, besides its questions."""

    title: str
    datasets: tuple[str, ...]  # what its hidden tests load in the grader
    files: tuple[str, ...]  # shipped beside the student's notebook

    def as_metadata(self) -> dict:
        return {"title": self.title, "datasets": list(self.datasets), "files": list(self.files)}


@dataclass(frozen=True)
class Course:
    root: Path
    data_dir: Path | None = None  # default: root/data (a temporary course may use the repository's)

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def students(self) -> Path:
        return self.root / "assignment"

    @property
    def hidden_tests(self) -> Path:
        return self.root / "autograder" / "hidden_tests"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def data(self) -> Path:
        return self.data_dir or self.root / "data"

    @property
    def otter_config(self) -> Path:
        return self.root / "otter_config.json"

    @property
    def data_module(self) -> Path:
        """The dataset helper (``nn_data.py``) the grader imports for the tests that load data."""
        return self.solutions / "nn_data.py"

    def assignments(self) -> dict[str, Assignment]:
        """Every assignment, by name: one per master notebook (or per student notebook, without masters)."""
        names = sorted(p.stem for p in self.solutions.glob("*.ipynb") if not p.stem.endswith("_solution"))
        if not names:
            names = sorted(p.parent.name for p in self.students.glob("*/*.ipynb") if p.stem == p.parent.name)
        return {name: Assignment(self, name) for name in names}

    def student_notebooks(self) -> tuple[Path, ...]:
        return tuple(a.student_notebook for a in self.assignments().values())

    def get(self, name: str) -> Assignment:
        found = self.assignments()
        if name not in found:
            raise CourseError(f"unknown assignment {name!r}; known: {', '.join(found) or 'none'} (in {self.solutions})")
        return found[name]


@dataclass(frozen=True)
class Assignment:
    course: Course
    name: str

    @property
    def master(self) -> Path:
        return self.course.solutions / f"{self.name}.ipynb"

    @property
    def solution(self) -> Path:
        return self.course.solutions / f"{self.name}_solution.ipynb"

    @property
    def student_dir(self) -> Path:
        return self.course.students / self.name

    @property
    def notebook_name(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def student_notebook(self) -> Path:
        return self.student_dir / self.notebook_name

    @property
    def public_tests(self) -> Path:
        return self.student_dir / "tests"

    @property
    def hidden_tests(self) -> Path:
        return self.course.hidden_tests / self.name

    @property
    def cell_times(self) -> Path:
        """The reference solution's cell times, written when build executes it (see timing.py)."""
        return self.hidden_tests / "cell_times.json"

    @property
    def otter_zip(self) -> Path:
        return self.course.build / f"{self.name}-otter-autograder.zip"

    @functools.cached_property
    def facts(self) -> Facts:
        """Read from the master notebook, or from the student notebook built from it."""
        if self.master.exists():
            return read_master_facts(self.master)
        if self.student_notebook.exists():
            return _facts_from_metadata(read_notebook(self.student_notebook), self.student_notebook)
        raise CourseError(f"{self.name}: neither {self.master} nor {self.student_notebook} exists")

    @property
    def title(self) -> str:
        return self.facts.title

    @property
    def datasets(self) -> tuple[str, ...]:
        return self.facts.datasets

    @property
    def listed_files(self) -> tuple[Path, ...]:
        """The files the master lists for students (otter's ``files:``), kept next to it."""
        return tuple(self.course.solutions / name for name in self.facts.files)

    @property
    def support_files(self) -> tuple[Path, ...]:
        """The files students get beside their notebook: the listed ones and the setup cell's module,
        which every generated notebook imports (it ships with this package, not with a course)."""
        return (*self.listed_files, SETUP_MODULE)

    @property
    def built(self) -> bool:
        """Whether `build` has generated its tests (what grading needs)."""
        return any(self.hidden_tests.glob("q*.py"))

    def require_built(self) -> None:
        if not self.built:
            raise CourseError(f"{self.name} has not been built yet: run `python -m autograder build --assignment {self.name}`")

    def config(self) -> dict:
        """The grading configuration (otter's keys): shared settings plus this assignment's name."""
        return {**json.loads(self.course.otter_config.read_text()), "assignment_name": self.name}

    def task(self) -> GradingTask:
        """What the engine needs to grade a submission of this assignment (the only bridge to the engine)."""
        from . import timing
        from .data import prepare_judge_data
        from .identify import distributed_code, identified_name, unanswered

        self.require_built()
        reference = timing.load(self.cell_times)
        helper = self.course.data_module if self.datasets else None
        return GradingTask(
            name=self.name,
            notebook_name=self.notebook_name,
            tests_dir=self.hidden_tests,
            public_tests_dir=self.public_tests,
            support_files=self.support_files,
            data_dir=self.course.data,
            config=self.config(),
            # The data helper only when the tests load a dataset: a task names only what its verdicts depend on.
            prepare_judge=functools.partial(prepare_judge_data, helper, self.datasets),
            # Which other assignment a notebook is depends on every assignment of the course; the grader
            # version leaves it out and each grading's record keeps the answer instead (classroom/manifest.py).
            identify=functools.partial(identified_name, student_notebooks=self.course.student_notebooks()),
            unanswered=functools.partial(unanswered, distributed=distributed_code(self.student_notebook)),
            cell_references=None if reference is None else functools.partial(timing.cell_references, reference),
            speed_check=None if reference is None else timing.speed_check(self.cell_times),
        )


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """A course notebook (a master, or a generated one); CourseError when it cannot be read."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # not JSON, not a notebook, unreadable: nbformat raises many kinds
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CourseError(f"{path} is not a readable notebook ({first}): open it in Jupyter and save it again") from None


def config_cell(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """Otter's ASSIGNMENT CONFIG cell (a raw cell starting with the marker)."""
    return next((c for c in notebook.cells if c.cell_type == "raw" and c.source.lstrip().startswith(CONFIG_MARKER)), None)


def read_master_facts(master: Path) -> Facts:
    """The facts of a master notebook; CourseError says what is missing or wrong."""
    notebook = read_notebook(master)
    cell = config_cell(notebook)
    try:
        config = yaml.safe_load(cell.source) if cell is not None else None
    except yaml.YAMLError as error:
        raise CourseError(f"{master}: the ASSIGNMENT CONFIG cell is not valid YAML: {error}") from None
    if not isinstance(config, dict):
        raise CourseError(f"{master}: no ASSIGNMENT CONFIG cell (a raw cell starting with {CONFIG_MARKER!r})")
    if config.get("name") != master.stem:
        raise CourseError(f"{master}: its ASSIGNMENT CONFIG says name: {config.get('name')!r}, not its file name {master.stem!r}")
    files = config.get("files") or []
    if not isinstance(files, list) or not all(isinstance(f, str) and Path(f).name == f for f in files):
        raise CourseError(f"{master}: `files:` must list file names kept next to the master notebook")
    missing = [f for f in files if not (master.parent / f).is_file()]
    if missing:
        raise CourseError(f"{master}: `files:` lists {', '.join(missing)}, which is not next to the master notebook")
    return _facts_from_metadata(notebook, master, files)


def _facts_from_metadata(notebook: nbformat.NotebookNode, path: Path, files: list[str] | None = None) -> Facts:
    meta = notebook.metadata.get(METADATA_KEY)
    example = '{"title": "Handwritten digits", "datasets": ["mnist"]}'
    if not isinstance(meta, dict) or not isinstance(meta.get("title"), str) or not meta["title"].strip():
        raise CourseError(f"{path}: the notebook metadata needs an {METADATA_KEY!r} entry with a title, e.g. {example}")
    datasets = meta.get("datasets", [])
    files = meta.get("files", []) if files is None else files
    for key, value in (("datasets", datasets), ("files", files)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CourseError(f"{path}: {METADATA_KEY}.{key} must be a list of names, e.g. {example}")
    return Facts(meta["title"].strip(), tuple(datasets), tuple(files))


COURSE = Course(REPO)  # this repository
ASSIGNMENTS = COURSE.assignments()


def get_assignment(name: str) -> Assignment:
    """An assignment of this repository's course, by name."""
    return COURSE.get(name)
