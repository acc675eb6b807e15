"""Check that the student requirements install: pip's resolution per platform and Python, from PyPI alone.

``python -m autograder.release.install_check [REQUIREMENTS]`` asks pip to resolve the student
requirements for every platform of requirements.PLATFORMS and each of its Pythons, without
installing anything (``pip install --dry-run --only-binary=:all: --platform ... --python-version ...``),
and prints a table. It needs PyPI (metadata only: pip reads each wheel's metadata, not the wheel).

pip evaluates the markers of the packages' own dependencies for the machine it runs on, not for the
target; the markers of the student requirements themselves are evaluated here for each target
(requirements.chosen), which is what decides TensorFlow and NumPy per platform.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from .requirements import PLATFORMS, STUDENT_PYTHONS, Platform, chosen

PYTHONS = STUDENT_PYTHONS
# What a student's pip does not have: this machine's mirrors, wheel folders and constraints.
_MACHINE_PIP_SETTINGS = ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL", "PIP_CONSTRAINT", "PIP_NO_INDEX")


def registry_pip_environment() -> dict[str, str]:
    """The environment for a pip that sees only PyPI, as a student's does (no config files, no local wheels)."""
    env = {k: v for k, v in os.environ.items() if k not in _MACHINE_PIP_SETTINGS}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


@dataclass(frozen=True)
class Resolution:
    platform: str
    python: str
    ok: bool
    versions: dict[str, str]  # {name: version} of everything pip would install
    error: str  # pip's last lines when it cannot resolve


def resolve(requirements_text: str, platform: Platform, python: str, pip: Path | None = None) -> Resolution:
    """What pip would install from the requirements on that platform with that Python."""
    pip_command = [str(pip)] if pip else [sys.executable, "-m", "pip"]
    with tempfile.TemporaryDirectory(prefix="student-resolve-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text("\n".join(chosen(requirements_text, platform, python)) + "\n")
        report = Path(scratch) / "report.json"
        tags = [option for tag in platform.wheel_platforms for option in ("--platform", tag)]
        command = [
            *pip_command, "install", "--dry-run", "--ignore-installed", "--only-binary=:all:", *tags,
            "--python-version", python, "--implementation", "cp", "--target", str(Path(scratch) / "target"),
            "--report", str(report), "--quiet", "-r", str(requirements),
        ]
        done = subprocess.run(command, capture_output=True, text=True, env=registry_pip_environment())
        if done.returncode != 0 or not report.exists():
            tail = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()][-3:]
            return Resolution(platform.name, python, False, {}, "\n".join(tail))
        installs = json.loads(report.read_text())["install"]
    versions = {canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"] for item in installs}
    return Resolution(platform.name, python, True, versions, "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.release.install_check", description=__doc__.splitlines()[0])
    parser.add_argument("requirements", nargs="?", type=Path, default=Path("assignment/requirements.txt"))
    parser.add_argument("--python", action="append", help=f"only this Python (repeatable; default: {', '.join(PYTHONS)})")
    args = parser.parse_args(argv)
    text = args.requirements.read_text(encoding="utf-8")
    failed = 0
    for platform in PLATFORMS:
        for python in [p for p in args.python or PYTHONS if p in platform.pythons]:
            result = resolve(text, platform, python)
            shown = {k: result.versions.get(k, "-") for k in ("tensorflow", "tensorflow-cpu", "keras", "numpy")}
            status = "ok" if result.ok else "FAILS: " + result.error.replace("\n", " | ")
            print(f"{platform.name:<36} {python:<5} {len(result.versions):>4} packages  {shown}  {status}", flush=True)
            failed += not result.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
