"""The student requirements: found from the student files' imports, pinned to the grader's lock, per platform.

The fast tests read the generated file and the lock; the slow ones ask PyPI (pip's dry run, metadata
only) whether the requirements resolve on every platform and Python students use.
"""

from __future__ import annotations

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder.course.assignments import COURSE
from autograder.course.paths import LOCK
from autograder.gradescope.lock import pins
from autograder.release.install_check import resolve
from autograder.release.requirements import (
    PLATFORM_RELEASES,
    PLATFORMS,
    STUDENT_PYTHONS,
    RequirementsError,
    chosen,
    distribution_of,
    imports_in,
    needed_distributions,
    notebook_code,
    student_imports,
)

STUDENT_REQUIREMENTS = COURSE.students / "requirements.txt"
GRADER_ONLY = ("pytest", "dask", "distributed", "mutmut", "libcst", "ruff", "jsonschema", "nbclient", "psutil", "coverage")
# What the lesson's notebooks use, by any route (the seaborn miss included).
EXPECTED = ("keras", "numpy", "matplotlib", "seaborn", "scikit-learn", "otter-grader", "jupyterlab")


def versions(lines: list[str]) -> dict[str, str]:
    """{name: version} of exact pins, {name: specifier} of the rest."""
    found = {}
    for line in lines:
        requirement = Requirement(line)
        exact = [s.version for s in requirement.specifier if s.operator == "=="]
        found[canonicalize_name(requirement.name)] = exact[0] if exact else str(requirement.specifier)
    return found


def test_imports_are_found_with_optional_ones_marked():
    code = "import numpy as np, os\nfrom sklearn.metrics import x\nfrom . import local\ntry:\n    import google.colab\n"
    code += "except ImportError:\n    pass\ndef f():\n    import seaborn\n"
    found = {(i.module, i.optional) for i in imports_in(code, "x.py")}
    assert found == {("numpy", False), ("os", False), ("sklearn.metrics", False), ("google.colab", True), ("seaborn", False)}


def test_notebook_code_leaves_magics_and_shell_lines_out(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%pip install nothing\n!ls\nimport numpy"),
        nbformat.v4.new_code_cell("%%bash\nimport not_python"),
        nbformat.v4.new_markdown_cell("import markdown_is_not_code"),
    ]
    nbformat.write(notebook, tmp_path / "n.ipynb")
    assert [i.module for i in imports_in(notebook_code(tmp_path / "n.ipynb"), "n")] == ["numpy"]


def test_modules_map_to_the_grader_environments_distributions():
    assert distribution_of("sklearn.metrics") == "scikit-learn"
    assert distribution_of("matplotlib.pyplot") == "matplotlib"
    assert distribution_of("otter") == "otter-grader"
    assert distribution_of("google.colab") is None  # a namespace the grader has (protobuf's), not this module
    assert distribution_of("no_such_module_here") is None


def test_an_import_the_grader_lacks_stops_the_build_unless_it_is_optional():
    from autograder.release.requirements import Import

    assert "scikit-learn" in needed_distributions([Import("sklearn", False, "n.ipynb"), Import("google.colab", True, "s.py")])
    with pytest.raises(RequirementsError, match=r"not_installed_anywhere \(imported by n.ipynb\)"):
        needed_distributions([Import("not_installed_anywhere", False, "n.ipynb")])


def test_the_students_files_imports_are_all_found():
    modules = {i.module.split(".")[0] for i in student_imports(COURSE.assignments().values())}
    assert {"numpy", "keras", "matplotlib", "seaborn", "sklearn", "otter"} <= modules
    assert not modules & {"nn_data", "os", "pathlib"}  # shipped beside the notebook, or the standard library


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
@pytest.mark.parametrize("python", STUDENT_PYTHONS)
def test_each_platform_gets_the_graders_versions_where_pypi_has_them(platform, python):
    text = STUDENT_REQUIREMENTS.read_text()
    mine = versions(chosen(text, platform, python))
    locked = pins(LOCK.read_text(), f"{python}.0")
    assert set(EXPECTED) <= set(mine), f"missing: {set(EXPECTED) - set(mine)}"
    assert not set(GRADER_ONLY) & set(mine)
    assert {"tensorflow", "tensorflow-cpu"} & set(mine), "no TensorFlow: Keras would have no backend"
    replaced = PLATFORM_RELEASES.get(platform.name, {})
    for name, version in mine.items():
        if name in replaced or (name == "tensorflow" and "tensorflow-cpu" in replaced):
            continue
        if name != "jupyterlab":  # the front end: the grader does not have one
            assert version == locked[name], f"{name}: {version} for students, {locked[name]} in the grader"


def test_tensorflow_cpu_only_where_pypi_has_its_wheels():
    text = STUDENT_REQUIREMENTS.read_text()
    where = {p.name for p in PLATFORMS if "tensorflow-cpu" in versions(chosen(text, p, "3.11"))}
    assert where == {"Linux x86_64", "Windows x86_64"}


def test_the_generated_requirements_are_what_the_course_needs_today():
    text = STUDENT_REQUIREMENTS.read_text()
    assert "pip install -r requirements.txt" in text
    assert versions(chosen(text, PLATFORMS[0], "3.10"))["keras"] == "3.12.4"  # Ubuntu 22.04's grader


@pytest.mark.slow
@pytest.mark.parametrize(
    ("platform", "python"), [(p, v) for p in PLATFORMS for v in p.pythons], ids=lambda x: getattr(x, "name", x)
)
def test_the_requirements_resolve_on_pypi(platform, python):
    """pip resolves them from PyPI alone, wheels only (about a minute each: metadata, no download)."""
    result = resolve(STUDENT_REQUIREMENTS.read_text(), platform, python)
    assert result.ok, result.error
    assert "keras" in result.versions and {"tensorflow", "tensorflow-cpu"} & set(result.versions)
