"""The set-up of a student notebook, run by its first cell wherever the notebook runs.

Shipped beside every student notebook (like ``nn_data.py``); the first cell calls
``start(assignment, COURSE_URL, GRADER_VERSIONS)``, which:

1. on Google Colab only (where the notebook is not a file and nothing is beside it): installs the
   pinned otter-grader, downloads the data helper and public tests from where the instructor
   published the course (``COURSE_URL``), and tells ``nn_data`` where the course's data is;
2. finds the notebook's own file, whatever it is called (``Copy of mnist_nn.ipynb``,
   ``mnist_nn (1).ipynb``): Jupyter Server gives the kernel its path in ``JPY_SESSION_NAME``;
3. warns (never blocks) when TensorFlow, Keras or NumPy differ from the autograder's in a way that
   can change a result, or when a package the notebook imports is missing;
4. returns otter's grader (``grader.check``, ``grader.check_all``), whose ``export`` packs the
   notebook being run and nothing else, says "save first" when the file on disk is older than
   what the kernel ran, and on Colab says how to submit instead.

Nothing here is trusted by the autograder: it grades with its own copy of this file, in a sandbox
without network, where step 1 never runs (it is not Colab) and nothing is printed that it reads.
Written for students' Pythons (3.9 and later) and packages; standard library, IPython and otter only.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

DOWNLOAD_TIMEOUT_SECONDS = 60
MAX_COURSE_FILE_BYTES = 5 * 1024**2  # a test file or helper is a few kB; a published notebook under 1 MB
DATA_URL_VARIABLE = "NN_DATA_URL"  # read by nn_data: where the course's published data is
CHECK_CALL = re.compile(r"""grader\.check\(\s*["']([A-Za-z0-9_-]+)["']""")

# How file managers, browsers, Jupyter and Colab name a copy of "mnist_nn.ipynb": "Copy of mnist_nn",
# "mnist_nn (1)", "mnist_nn-Copy1", "mnist_nn copy 2", "mnist_nn - Copy (2)", "mnist_nn(1)"; and how
# otter names an export of it: "mnist_nn_2026_12_06T20_15_00_123456.zip".
COPY_PREFIX = re.compile(r"^copy of ", re.IGNORECASE)
COPY_SUFFIX = re.compile(
    r"(?:\s*\(\d+\)|-copy\d*|\s+copy(?:\s+\d+)?|\s+-\s+copy(?:\s+\(\d+\))?|_\d{4}(?:_\d\d){2}T(?:\d\d_){3}\d{6})$",
    re.IGNORECASE,
)

# What a version difference can change in this kind of lesson, by package and by part of the version.
PACKAGES = {"tensorflow": "TensorFlow", "keras": "Keras", "numpy": "NumPy"}
TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel", "tf-nightly")
MAJOR_EFFECTS = {
    "keras": "Keras 2 and Keras 3 build, compile and save models differently, so code written for one can fail "
    "or give other layers in the other",
    "numpy": "NumPy 1 and NumPy 2 promote small integer types differently (uint8 pixel arithmetic can overflow "
    "in one and not the other) and renamed some functions",
    "tensorflow": "TensorFlow 1 and 2 are different libraries",
}
MINOR_EFFECT = (
    "Minor versions rarely change this lesson's results: training gives slightly different accuracies, and the "
    "checks leave a margin for that. If a check passes here but fails when graded, this difference is the first "
    "thing to suspect."
)
MODULE_PACKAGES = {"sklearn": "scikit-learn", "PIL": "pillow", "yaml": "pyyaml", "cv2": "opencv-python"}


class SetupError(RuntimeError):
    """The notebook cannot be set up here; the message says what to do, in a student's terms."""


# ---------------------------------------------------------------- where the notebook runs


def shell():
    """The running IPython shell, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def on_colab(ip=None) -> bool:
    """True in a Google Colab kernel (detected as otter-grader detects it)."""
    return "google.colab" in str(ip if ip is not None else shell())


def assignment_stem(file_name: str) -> str:
    """The name a file would have if it were not a copy: "Copy of mnist_nn (1).ipynb" -> "mnist_nn"."""
    stem = Path(file_name).name
    for extension in (".ipynb", ".zip"):
        if stem.lower().endswith(extension):
            stem = stem[: -len(extension)]
    while True:
        shorter = COPY_SUFFIX.sub("", COPY_PREFIX.sub("", stem.strip()))
        if shorter == stem or not shorter:
            return stem
        stem = shorter


def _claimed_assignment(path: Path) -> str | None:
    """The assignment name otter wrote into a notebook's metadata, if it is readable."""
    try:
        if path.stat().st_size > MAX_COURSE_FILE_BYTES * 20:
            return None
        otter = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("otter", {})
        return otter.get("assignment_name") if isinstance(otter, dict) else None
    except (OSError, ValueError, AttributeError):
        return None


def notebooks_of(assignment: str, folder: Path) -> list[Path]:
    """The notebooks in folder that are this assignment's: by name (copies too) or by otter's metadata."""
    found = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    return [p for p in found if assignment_stem(p.name) == assignment or _claimed_assignment(p) == assignment]


def session_notebook(ip=None) -> Path | None:
    """The notebook file this kernel runs, when the front end says so (Jupyter Server, VS Code)."""
    ip = ip if ip is not None else shell()
    named = [os.environ.get("JPY_SESSION_NAME", "")]
    if ip is not None:
        named.append(str(ip.user_ns.get("__vsc_ipynb_file__", "")))
    for name in filter(None, named):
        # An absolute path, or one relative to the server's root: try it, then from here, then its name here.
        for candidate in (Path(name), Path.cwd() / name, Path.cwd() / Path(name).name):
            if candidate.suffix == ".ipynb" and candidate.is_file():
                return candidate.absolute()
    return None


def ran_here(path: Path, ip=None) -> int:
    """How many of the file's saved code cells this kernel ran exactly as saved (same number, same code)."""
    history = _history(ip)
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return 0
    matches = 0
    for cell in cells:
        count, source = cell.get("execution_count"), _source(cell)
        if isinstance(count, int) and 0 < count < len(history) and history[count].strip() == source.strip():
            matches += 1
    return matches


def running_notebook(assignment: str, ip=None) -> tuple[Path | None, list[Path]]:
    """The notebook this kernel runs (None if it cannot be told), and the assignment's notebooks here."""
    candidates = notebooks_of(assignment, Path.cwd())
    named = session_notebook(ip)
    if named is not None:
        return named, candidates
    if len(candidates) == 1:
        return candidates[0], candidates
    if not candidates:
        others = sorted(Path.cwd().glob("*.ipynb"))
        return (others[0] if len(others) == 1 else None), others
    scores = sorted(((ran_here(p, ip), p) for p in candidates), reverse=True)
    if scores[0][0] > 0 and scores[0][0] > scores[1][0]:
        return scores[0][1], candidates  # the only file saved from this kernel's own runs
    return None, candidates


# ---------------------------------------------------------------- Colab: the course's files


def download(url: str, target: Path, limit: int = MAX_COURSE_FILE_BYTES) -> None:
    """Save url at target, whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, part = tempfile.mkstemp(prefix=target.name, suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            while True:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                if out.tell() + len(chunk) > limit:
                    raise SetupError(f"{url} is larger than expected: tell your instructor that this link looks wrong.")
                out.write(chunk)
        os.replace(part, target)
    except (OSError, ValueError) as error:
        reason = f"HTTP {error.code}" if isinstance(error, urllib.error.HTTPError) else str(error)
        raise SetupError(
            f"Could not download the course file {url} ({reason}). Check your internet connection and run this "
            "cell again; if it keeps failing, tell your instructor that this link does not work."
        ) from None
    finally:
        Path(part).unlink(missing_ok=True)


def course_files(notebook: dict) -> list[str]:
    """The files a published notebook needs beside it: its support files and the public test of each check."""
    meta = notebook.get("metadata", {}).get("autograder", {})
    files = [f for f in meta.get("files", []) if isinstance(f, str) and Path(f).name == f]
    sources = "\n".join(_source(c) for c in notebook.get("cells", []) if c.get("cell_type") == "code")
    tests = sorted(set(CHECK_CALL.findall(sources)))
    return files + [f"tests/{question}.py" for question in tests]


def fetch_course_files(assignment: str, course_url: str | None) -> None:
    """On Colab: download what the notebook needs beside it from the published course."""
    if not course_url:
        raise SetupError(
            "This copy of the notebook does not say where the course's files are, so it cannot run on Colab. "
            "Ask your instructor for the course's Colab link, and open the notebook from that link."
        )
    base = course_url if course_url.endswith("/") else course_url + "/"
    published = Path(".course") / f"{assignment}.ipynb"
    download(f"{base}{assignment}/{assignment}.ipynb", published)
    notebook = json.loads(published.read_text(encoding="utf-8"))
    for name in course_files(notebook):
        download(f"{base}{assignment}/{name}", Path(name))
    os.environ[DATA_URL_VARIABLE] = f"{base}data/"  # nn_data looks there before Keras's own download


def install_otter(version: str | None) -> None:
    """On Colab: install the autograder's otter-grader, quietly (Colab does not have it)."""
    try:
        installed = metadata.version("otter-grader")
    except metadata.PackageNotFoundError:
        installed = None
    if installed is not None and (version is None or installed == version):
        return
    requirement = f"otter-grader=={version}" if version else "otter-grader"
    print(f"Installing {requirement} (about a minute, once per Colab session) ...", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise SetupError(f"Could not install {requirement}; check your internet connection and run this cell again.\n{tail}")


# ---------------------------------------------------------------- the student's packages against the grader's


def _version_of(package: str) -> str | None:
    names = TENSORFLOW_DISTRIBUTIONS if package == "tensorflow" else (package,)
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _release(version: str) -> tuple[int, ...]:
    """(major, minor) of a version string; () when it does not start with numbers."""
    numbers = re.match(r"(\d+)(?:\.(\d+))?", version)
    return tuple(int(n) for n in numbers.groups() if n is not None) if numbers else ()


def parse_grader_versions(table: dict[str, str]) -> dict[str, dict[str, str]]:
    """{"3.11+": "tensorflow-cpu 2.21.0, keras 3.15.1, ..."} -> {"3.11+": {"tensorflow": "2.21.0", "keras": ...}}."""
    parsed = {}
    for python, text in table.items():
        versions = {}
        for item in text.split(","):
            name, _, version = item.strip().partition(" ")
            key = "tensorflow" if name.startswith("tensorflow") else name
            versions[key] = version.strip()
        parsed[python] = versions
    return parsed


def _pythons(key: str) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """The Pythons a table key covers: "3.10" (that one), "3.10-3.11" (both), "3.11+" (3.11 and later: None)."""
    first, _, last = key.partition("-")
    if key.endswith("+"):
        return _release(key), None
    return _release(first), _release(last or first)


def grader_for_this_python(table: dict[str, dict[str, str]], python: tuple[int, int]) -> dict[str, str]:
    """The table's entry for this Python, else the nearest one (a student's Python may be older or newer)."""
    if not table:
        return {}
    for key, versions in table.items():
        low, high = _pythons(key)
        if low <= python[:2] and (high is None or python[:2] <= high):
            return versions
    ordered = sorted(table, key=lambda key: _pythons(key)[0])
    return table[ordered[0]] if python[:2] < _pythons(ordered[0])[0] else table[ordered[-1]]


def _in_words(versions: list[str]) -> str:
    return " or ".join(dict.fromkeys(versions))


def environment_notes(grader_versions: dict[str, str], python: tuple[int, int] | None = None) -> list[str]:
    """Warnings about TensorFlow, Keras and NumPy versions that differ from the autograder's (empty: none)."""
    table = parse_grader_versions(grader_versions)
    if not table:
        return []
    python = python or sys.version_info[:2]
    mine = grader_for_this_python(table, python)
    warnings, minor = [], []
    for package, title in PACKAGES.items():
        theirs = [v[package] for v in table.values() if package in v]
        if not theirs:
            continue
        have = _version_of(package)
        if have is None:
            if package != "tensorflow" or _version_of("keras") is None:
                warnings.append(f"{title} is not installed; the autograder uses {title} {mine.get(package, theirs[-1])}.")
            continue
        if _release(have)[:1] not in {_release(v)[:1] for v in theirs}:
            warnings.append(
                f"{title} {have} is installed, the autograder uses {title} {_in_words(theirs)}: "
                f"{MAJOR_EFFECTS[package]}."
            )
        elif _release(have)[:2] not in {_release(v)[:2] for v in theirs}:
            minor.append(f"{title} {have} (autograder: {_in_words(theirs)})")
    lines = []
    if warnings:
        lines.append("Warning: your packages differ from the autograder's in ways that can change your grade:")
        lines += [f"  - {w}" for w in warnings]
    if minor:
        lines.append(f"Note: {', '.join(minor)} differ from the autograder's in their minor version. {MINOR_EFFECT}")
    if warnings:
        lines.append(
            "To match the autograder, install the course's requirements (pip install -r requirements.txt in the "
            "course folder), or ask your instructor which environment to use. You can keep working meanwhile."
        )
    return lines


def missing_modules(notebook: Path | None) -> list[str]:
    """Top-level modules the notebook imports that cannot be found here (what pip would install)."""
    if notebook is None:
        return []
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return []
    wanted: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        code = "\n".join(line for line in _source(cell).splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                wanted.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                wanted.add(node.module.split(".")[0])
    here = str(notebook.resolve().parent)
    missing = []
    for name in sorted(wanted):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found and not Path(here, f"{name}.py").exists():
            missing.append(MODULE_PACKAGES.get(name, name))
    return missing


# ---------------------------------------------------------------- the grader and its export


def _history(ip=None) -> list[str]:
    """This kernel's inputs by execution number (item 0 is empty); [] outside IPython."""
    ip = ip if ip is not None else shell()
    try:
        return list(ip.history_manager.input_hist_raw)
    except AttributeError:
        return []


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def unsaved_runs(path: Path, ip=None) -> list[int]:
    """Numbers of the cells this kernel ran after the file was last saved, whose code the file does not hold.

    The kernel cannot see the editor, but it knows what it ran: cell N ran as ``In[N]``. A saved file
    whose highest execution count is below the current cell's, with a later run whose code is in no cell
    of the file, is older than what the student ran.
    """
    history = _history(ip)
    if len(history) < 2:
        return []
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return []
    code = [c for c in cells if c.get("cell_type") == "code"]
    saved = {_source(c).strip() for c in code}
    counts = [c.get("execution_count") for c in code]
    last_saved = max((n for n in counts if isinstance(n, int)), default=0)
    current = len(history) - 1  # this cell, the export
    return [n for n in range(last_saved + 1, current) if history[n].strip() and history[n].strip() not in saved]


COLAB_SUBMIT = (
    "On Colab there is no notebook file here to pack into a zip. To submit: run every cell (Runtime > Run all) "
    "and check there are no errors, then choose File > Download > Download .ipynb in Colab's menu, and upload "
    "the downloaded .ipynb file where you hand in your work."
)


def _for_otter(path: Path) -> str:
    """The path otter is given: the bare name for a notebook here (its zip then holds the name alone)."""
    return path.name if path.absolute().parent == Path.cwd().absolute() else str(path)


def grader_class():
    """otter's Notebook with an export that packs the notebook being run (otter is imported only now:
    on Colab it is installed by start())."""
    import otter

    class Grader(otter.Notebook):
        """otter.Notebook whose export packs the notebook this kernel runs, or says why it cannot."""

        def __init__(self, nb_path: str | None = None, assignment: str = "", **kwargs) -> None:
            self._assignment = assignment
            super().__init__(nb_path, **kwargs)

        def export(self, nb_path=None, *args, unsaved_ok: bool = False, **kwargs):
            if type(self)._grading_mode:
                return None  # otter's own grading: export does nothing, as in otter
            if on_colab():
                print(COLAB_SUBMIT)
                return None
            path = Path(nb_path) if nb_path else None
            if path is None:
                path, candidates = running_notebook(self._assignment)
                if path is None:
                    names = ", ".join(f'"{p.name}"' for p in candidates) or "none"
                    print(
                        f"Not exported: this folder holds several notebooks ({names}) and this one cannot tell which "
                        "of them you are running. Save your notebook, then run this cell again; or name it here, e.g. "
                        f'grader.export("{candidates[0].name if candidates else self._assignment + ".ipynb"}", pdf=False).'
                    )
                    return None
            late = [] if unsaved_ok else unsaved_runs(path)
            if late and not nb_path:  # e.g. after "Save As": Jupyter still names the file the kernel started with
                _, candidates = running_notebook(self._assignment)
                current = [p for p in candidates if p != path and ran_here(p) > 0 and not unsaved_runs(p)]
                if len(current) == 1:
                    print(f"{path.name} is not what you ran; {current[0].name} is (saved from this kernel).")
                    path, late = current[0], []
            if late:
                print(
                    f"Save first: {path.name} on disk is older than what you ran (cell {late[-1]} ran code that is not "
                    "in the saved file). Save the notebook (File > Save, or Ctrl+S / Cmd+S), then run this cell again. "
                    "(If you did save and still see this, use grader.export(pdf=False, unsaved_ok=True).)"
                )
                return None
            print(f"Exporting {path.name}, the notebook you are running.")
            return super().export(_for_otter(path), *args, **kwargs)

    return Grader


def start(assignment: str, course_url: str | None = None, grader_versions: dict[str, str] | None = None):
    """Set up this notebook where it runs and return its grader (the first cell's one call)."""
    ip = shell()
    colab = on_colab(ip)
    table = grader_versions or {}
    if colab:
        otter_version = grader_for_this_python(parse_grader_versions(table), sys.version_info[:2]).get("otter-grader")
        install_otter(otter_version)
        fetch_course_files(assignment, course_url)
    try:
        import otter
    except ImportError:
        raise SetupError(
            "otter-grader, which runs the checks, is not installed here. Install the course's requirements "
            "(pip install -r requirements.txt in the course folder), or run %pip install otter-grader in a cell; "
            "then restart the kernel and run this cell again."
        ) from None

    if otter.Notebook._grading_mode:  # inside otter's own grader: no advice to print, no file to find
        return grader_class()(None, assignment)
    notebook, _ = (None, []) if colab else running_notebook(assignment, ip)
    lines = environment_notes(table)
    missing = missing_modules(notebook)
    if missing:
        lines.append(
            f"Missing: {', '.join(missing)} (this notebook imports it). Install it in a cell with "
            f"%pip install {' '.join(missing)}, or install the course's requirements.txt."
        )
    if lines:
        print("\n".join(lines))
    return grader_class()(_for_otter(notebook) if notebook else None, assignment)
