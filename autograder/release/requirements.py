"""The student requirements: what the student notebooks import, at the grader's versions, for every platform.

``requirements.txt`` of the student tree is generated, never written by hand:

1. the imports: every module that a student notebook, its support files (``nn_data.py``, ...) or its
   public tests import, read from their code (IPython magics and shell lines skipped); the
   standard library and the files shipped beside the notebook are not packages. An import inside
   ``try: ... except ImportError`` is optional: pinned when the grader has it, skipped when not
   (``google.colab``);
2. the distributions: each module's distribution in the grader's environment (the one ``build``
   runs in, installed from ``requirements.lock``), plus what the notebooks need without importing
   it (``NEEDED_WITHOUT_IMPORT``: Keras's backend, otter-grader) and a Jupyter front end;
3. the versions: each distribution's lines of ``requirements.lock`` with their per-Python markers, so
   a student on Python 3.10 gets what the Python 3.10 grader (Ubuntu 22.04) has, and on 3.11 or
   later what the others have. Only these direct packages are pinned: what they depend on is
   resolved by pip for the student's platform;
4. the platforms: where PyPI has no wheel of a locked release for a platform, ``PLATFORM_RELEASES``
   says what that platform installs instead, with environment markers.

An import the grader's environment does not have, or a distribution the lock does not pin, stops
``build`` with what to do: the student would be graded without it.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name

from ..course.assignments import Assignment, Course
from ..gradescope.lock import Pin, entries

# What the notebooks need although no cell imports it: Keras 3 runs on a backend its metadata does
# not declare (the grader's is TensorFlow). otter-grader is always needed: grader.check and the export.
NEEDED_WITHOUT_IMPORT = {"keras": ("tensorflow-cpu",)}
ALWAYS = ("otter-grader",)
# The front end students open the notebooks in. The grader does not use it, so the lock does not pin
# it; this release resolves with every pin of the lock (checked by tests/test_student_requirements.py).
FRONT_END = ("jupyterlab", "4.6.6")
# The Pythons the student requirements are checked to resolve on, every platform (install_check.py):
# 3.10 gets what the Python 3.10 grader has; 3.11 and later what the others have. TensorFlow 2.21 has
# no wheels for 3.14 or for 3.9.
STUDENT_PYTHONS = ("3.10", "3.11", "3.12", "3.13")


@dataclass(frozen=True)
class Platform:
    """A kind of computer students install on: how PEP 508 markers see it, and its wheel tags for pip."""

    name: str
    sys_platform: str
    machine: str  # platform.machine() there
    wheel_platforms: tuple[str, ...]  # for `pip install --platform` (pip does not expand manylinux tags itself)
    pythons: tuple[str, ...] = STUDENT_PYTHONS  # the Pythons its packages have wheels for

    @property
    def condition(self) -> str:
        return f'sys_platform == "{self.sys_platform}" and platform_machine == "{self.machine}"'

    @property
    def negation(self) -> str:
        return f'(sys_platform != "{self.sys_platform}" or platform_machine != "{self.machine}")'

    def environment(self, python: str) -> dict[str, str]:
        """Marker variables of this platform with that Python (x.y or x.y.z)."""
        system = {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[self.sys_platform]
        full = python if python.count(".") == 2 else f"{python}.0"
        return {
            "implementation_name": "cpython", "implementation_version": full, "os_name": "nt" if system == "Windows" else "posix",
            "platform_machine": self.machine, "platform_python_implementation": "CPython", "platform_release": "",
            "platform_system": system, "platform_version": "", "python_full_version": full,
            "python_version": ".".join(full.split(".")[:2]), "sys_platform": self.sys_platform,
        }


def _manylinux(machine: str) -> tuple[str, ...]:
    return tuple(f"manylinux_2_{minor}_{machine}" for minor in range(39, 16, -1)) + (f"manylinux2014_{machine}",)


PLATFORMS = (
    Platform("Linux x86_64", "linux", "x86_64", _manylinux("x86_64")),
    Platform("Linux aarch64 (ARM)", "linux", "aarch64", _manylinux("aarch64")),
    Platform("macOS Apple silicon (M1 and later)", "darwin", "arm64", ("macosx_14_0_arm64",)),
    Platform("macOS Intel", "darwin", "x86_64", ("macosx_14_0_x86_64",), STUDENT_PYTHONS[:-1]),  # TensorFlow 2.16: 3.12 at most
    Platform("Windows x86_64", "win32", "AMD64", ("win_amd64",)),
)
PLATFORM_NAMES = {p.name: p for p in PLATFORMS}

# Where PyPI has no wheel of a locked release: {platform: {locked distribution: what it installs instead}}
# ("{version}" is the locked version). Found with `pip install --dry-run --platform ...` on PyPI
# (2026-12): tensorflow-cpu 2.21.0 has wheels for Linux x86_64 and Windows x86_64 only (Python
# 3.10-3.13); tensorflow 2.21.0, the same release with the same CPU code, also for Linux aarch64 and
# macOS arm64 (macOS 12+). Neither has a 2.21 wheel for Intel Macs: TensorFlow's last one is
# 2.16.2, which needs NumPy 1.
PLATFORM_RELEASES: dict[str, dict[str, str]] = {
    "Linux aarch64 (ARM)": {"tensorflow-cpu": "tensorflow=={version}"},
    "macOS Apple silicon (M1 and later)": {"tensorflow-cpu": "tensorflow=={version}"},
    "macOS Intel": {"tensorflow-cpu": "tensorflow==2.16.2", "numpy": "numpy>=1.26,<2"},
}


class RequirementsError(ValueError):
    """The student requirements cannot be made: an import the grader lacks, or a package the lock does not pin."""


@dataclass(frozen=True)
class Import:
    module: str  # as written: "sklearn.metrics"
    optional: bool  # only inside try/except ImportError
    where: str  # the file that imports it


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return handler.type is None or any(isinstance(k, ast.Name) and k.id in names for k in kinds)


def imports_in(code: str, where: str) -> list[Import]:
    """The absolute imports of a piece of Python code, each marked optional when an ImportError is caught."""
    found: list[Import] = []

    def visit(node: ast.AST, optional: bool) -> None:
        if isinstance(node, ast.Try | getattr(ast, "TryStar", ast.Try)):
            guarded = optional or any(_catches_import_error(h) for h in node.handlers)
            for child in node.body:
                visit(child, guarded)
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child, optional)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, optional, where) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(Import(node.module, optional, where))
        for child in ast.iter_child_nodes(node):
            visit(child, optional)

    visit(ast.parse(code), False)
    return found


def notebook_code(path: Path) -> str:
    """A notebook's code cells as one Python source, IPython magics and shell escapes left out."""
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    lines = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if source.lstrip().startswith("%%"):
            continue  # a cell magic: not Python
        lines += [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        lines.append("")
    return "\n".join(lines)


def student_imports(assignments: Iterable[Assignment]) -> list[Import]:
    """Every import of the student notebooks, their support files and public tests, that names a package."""
    found, local = [], set()
    for assignment in assignments:
        local |= {path.stem for path in assignment.support_files if path.suffix == ".py"}
        sources = [(assignment.student_notebook, notebook_code(assignment.student_notebook))]
        sources += [(p, p.read_text(encoding="utf-8")) for p in assignment.support_files if p.suffix == ".py"]
        sources += [(p, p.read_text(encoding="utf-8")) for p in sorted(assignment.public_tests.glob("*.py"))]
        for path, code in sources:
            found += imports_in(code, str(path))
    standard = set(sys.stdlib_module_names) | {"__future__"}
    return [i for i in found if i.module.split(".")[0] not in standard | local]


@functools.cache
def _packages_distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()  # reads every installed distribution's file list: once


def distribution_of(module: str) -> str | None:
    """The distribution that provides a module in this environment (canonical name), or None."""
    top = module.split(".")[0]
    owners = _packages_distributions().get(top, [])
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return None
    namespace = spec.origin in (None, "namespace")
    if len(set(owners)) == 1 and not namespace:
        return canonicalize_name(owners[0])
    try:  # a namespace package ("google"): the distribution that holds the module itself
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or spec.origin == "namespace":
        return None
    origin = Path(spec.origin).resolve()
    for name in dict.fromkeys(owners):
        for file in metadata.distribution(name).files or ():
            if Path(file.locate()).resolve() == origin:
                return canonicalize_name(name)
    return None


def needed_distributions(imports: list[Import]) -> dict[str, str]:
    """{distribution: why} of every package the students need; RequirementsError for an import the grader lacks."""
    needed: dict[str, str] = {}
    missing = []
    for item in imports:
        name = distribution_of(item.module)
        if name is None:
            if not item.optional:
                missing.append(f"{item.module} (imported by {item.where})")
            continue
        needed.setdefault(name, f"import {item.module}")
    for imported, extra in NEEDED_WITHOUT_IMPORT.items():
        if imported in needed:
            for name in extra:
                needed.setdefault(canonicalize_name(name), f"{imported}'s backend")
    for name in ALWAYS:
        needed.setdefault(canonicalize_name(name), "the grader in the notebook")
    if missing:
        raise RequirementsError(
            f"the student files import {', '.join(sorted(set(missing)))}, which the grader's environment does not "
            "have: add the package to requirements.lock (and setup.sh's environment), or remove the import"
        )
    return needed


def _all(conditions: list[str]) -> str:
    """Conditions joined with `and`, each one parenthesized if it holds an `or`."""
    return " and ".join(f"({c})" if " or " in c and not c.startswith("(") else c for c in conditions)


def requirement_lines(name: str, pins: list[Pin]) -> list[str]:
    """The lines of one distribution: the lock's pin per Python, and what platforms without its wheel get instead."""
    lines = []
    instead: dict[str, list[Platform]] = {}  # the same for every Python: written once, after the pins
    for platform in PLATFORMS:
        template = PLATFORM_RELEASES.get(platform.name, {}).get(name)
        if template:
            instead.setdefault(template, []).append(platform)
    elsewhere = [p.negation for group in instead.values() for p in group]
    for pin in pins:
        conditions = ([str(pin.marker)] if pin.marker else []) + elsewhere
        lines.append(f"{name}=={pin.version}" + (f" ; {_all(conditions)}" if conditions else ""))
        for template, group in instead.items():
            if "{version}" in template or pin is pins[0]:
                where = " or ".join(f"({p.condition})" for p in group) if len(group) > 1 else group[0].condition
                python = [str(pin.marker)] if pin.marker and "{version}" in template else []
                lines.append(f"{template.format(version=pin.version)} ; {_all(python + [where])}")
    return lines


@dataclass(frozen=True)
class StudentRequirements:
    needed: dict[str, str]  # {distribution: why}
    lines: list[str]  # requirement lines, one distribution after another

    def text(self, pythons: str) -> str:
        why = ", ".join(f"{name} ({reason})" for name, reason in sorted(self.needed.items()) if name != FRONT_END[0])
        header = [
            "# The packages of the course's notebooks, at the autograder's versions. Install them in a fresh",
            "# virtual environment with:  pip install -r requirements.txt",
            f"# Python {pythons}. Generated by `python -m autograder build` from the notebooks' imports and the",
            "# grader's requirements.lock; do not edit. Lines with `;` apply only where their condition holds",
            "# (a Python version, or a platform where PyPI has no wheel of the grader's TensorFlow).",
            *_wrap(f"# Needed: {why}; and {FRONT_END[0]}, to open the notebooks.", "# "),
        ]
        return "\n".join(header + self.lines) + "\n"


def _wrap(text: str, prefix: str, width: int = 100) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = prefix + word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def student_requirements(course: Course, lock: Path) -> StudentRequirements:
    """The student requirements of a course, from its student files and the grader's lock."""
    needed = needed_distributions(student_imports(course.assignments().values()))
    pinned: dict[str, list[Pin]] = {}
    for pin in entries(lock.read_text(encoding="utf-8")):
        pinned.setdefault(pin.name, []).append(pin)
    unpinned = sorted(set(needed) - set(pinned))
    if unpinned:
        raise RequirementsError(f"{lock} does not pin {', '.join(unpinned)}, which the student notebooks need: add it")
    lines = [line for name in sorted(needed) for line in requirement_lines(name, pinned[name])]
    lines.append(f"{FRONT_END[0]}=={FRONT_END[1]}")
    return StudentRequirements({**needed, FRONT_END[0]: "the notebooks' front end"}, lines)


def chosen(requirements_text: str, platform: Platform, python: str) -> list[str]:
    """The requirements that hold on a platform with a Python (markers evaluated, then left out)."""
    from packaging.requirements import Requirement

    environment = platform.environment(python)
    kept = []
    for line in requirements_text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            requirement.marker = None
            kept.append(str(requirement))
    return kept
