"""requirements.lock: one exact version per package for each supported interpreter.

The lock is a pip requirements file. A line without an environment marker holds on every
interpreter; a package whose newest pinned release needs a newer Python has one line per
interpreter range (``numpy==2.4.6 ; python_version >= "3.11"`` and ``numpy==2.2.6 ;
python_version < "3.11"``). pip installs only the lines whose marker holds, so the same file
serves Ubuntu 22.04's Python 3.10, Debian 12's 3.11.2, 3.11.7 here and Ubuntu 24.04's 3.12.

``python -m autograder.gradescope.lock check LOCK`` compares the running environment with the
lock (Gradescope's setup.sh runs it after installing): a package installed at another version,
or installed without a pin, would let two images grade with different code.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import Marker, default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

# The interpreters of the images the zip supports, and of this project's own machine.
SUPPORTED_PYTHONS = {"Ubuntu 22.04": "3.10.12", "Debian 12": "3.11.2", "this machine": "3.11.7", "Ubuntu 24.04": "3.12.3"}
# Not grading code: pip's own tools, whatever version the environment came with.
UNCHECKED = frozenset({"pip", "setuptools", "wheel", "distribute"})


class LockError(ValueError):
    """The lock is malformed: a line that is not an exact pin, or two pins for one interpreter."""


def environment(python_full_version: str | None = None) -> dict[str, str]:
    """Marker variables of this interpreter, or of another Python version on this platform."""
    env = default_environment()
    if python_full_version:
        env["python_full_version"] = python_full_version
        env["python_version"] = ".".join(python_full_version.split(".")[:2])
    return env


@dataclass(frozen=True)
class Pin:
    """One line of the lock: a distribution, its exact version, and the interpreters it is for."""

    name: str  # canonical (PEP 503) name
    version: str
    marker: Marker | None  # None: every interpreter
    line: int


def entries(text: str) -> list[Pin]:
    """Every pin of the lock, in order; LockError for a line that is not one exact pin."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            raise LockError(f"line {number}: {line!r} is not a requirement ({error})") from None
        exact = [s for s in requirement.specifier if s.operator == "=="]
        if len(exact) != 1 or len(requirement.specifier) != 1:
            raise LockError(f"line {number}: {line!r} is not one exact pin (name==version)")
        found.append(Pin(canonicalize_name(requirement.name), exact[0].version, requirement.marker, number))
    return found


def pins(text: str, python_full_version: str | None = None) -> dict[str, str]:
    """{canonical name: version} of every line whose marker holds for that Python (default: this one)."""
    env = environment(python_full_version)
    chosen: dict[str, str] = {}
    for pin in entries(text):
        if pin.marker is not None and not pin.marker.evaluate(env):
            continue
        if pin.name in chosen:
            raise LockError(f"line {pin.line}: a second pin of {pin.name} for Python {env['python_full_version']}")
        chosen[pin.name] = pin.version
    return chosen


def installed() -> dict[str, str]:
    """{canonical name: version} of the distributions of the running environment."""
    return {canonicalize_name(d.metadata["Name"]): d.version for d in distributions() if d.metadata["Name"]}


def differences(locked: dict[str, str], present: dict[str, str]) -> list[str]:
    """What in `present` the lock does not account for, one line each (pip's own tools aside)."""
    problems = []
    for name, version in sorted(present.items()):
        if name in UNCHECKED:
            continue
        if name not in locked:
            problems.append(f"{name} {version} is installed but not pinned")
        elif Version(locked[name]) != Version(version):
            problems.append(f"{name} {version} is installed, the lock pins {locked[name]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope.lock", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["check"])
    parser.add_argument("lock", type=Path)
    args = parser.parse_args(argv)
    try:
        problems = differences(pins(args.lock.read_text(encoding="utf-8")), installed())
    except (OSError, LockError, ValueError) as error:
        print(f"{args.lock}: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"{args.lock}: {problem}", file=sys.stderr)
    if not problems:
        print(f"every installed package is at its pinned version ({args.lock}, Python {sys.version.split()[0]})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
