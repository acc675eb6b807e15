"""The dataset helper that ships next to the notebooks, imported from its single source."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
import threading
from pathlib import Path
from types import ModuleType

from .paths import DATA, DATA_MODULE


def data_module(path: Path = DATA_MODULE) -> ModuleType:
    """Import a course's nn_data.py (the file the assignments' copies are generated from) as ``nn_data``.

    Its messages then speak to the instructor (the project's commands), not to a student.
    """
    if "nn_data" in sys.modules and getattr(sys.modules["nn_data"], "__file__", None) == str(path):
        return sys.modules["nn_data"]
    spec = importlib.util.spec_from_file_location("nn_data", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["nn_data"] = module
    spec.loader.exec_module(module)
    module.AUDIENCE = INSTRUCTOR_MESSAGES["NN_DATA_AUDIENCE"]
    return module


# TensorFlow's C++ start-up lines (oneDNN, CPU features, absl) are noise on an instructor's terminal.
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "2"}
# nn_data's messages in the instructor's kernels (build, otter) name the project's commands.
INSTRUCTOR_MESSAGES = {"NN_DATA_AUDIENCE": "instructor"}


def kernel_environment(data: Path = DATA) -> dict[str, str]:
    """Environment for child processes (kernels, otter): the course's data, instructor messages, TensorFlow's C++ logs off."""
    return {"NN_DATA_DIR": str(data), **INSTRUCTOR_MESSAGES, **QUIET_TENSORFLOW, **os.environ}


@functools.cache
def prepare_judge_data(module: Path | None, datasets: tuple[str, ...], data_dir: Path | None) -> None:
    """Prepare the judge while the notebook runs: what the tests import (otter's test files, Keras) imported
    in the background, the tests' data loaded once.

    The tests import nn_data in the grader's process; its loader verifies the whole dataset on
    every call, so the grader keeps one verified, read-only copy of each for all of them, read from
    the task's data folder (the one the kernel gets read-only): never another copy, never a download
    (graders often have no network, and a damaged shipped copy must fail the grading for the
    instructor, not be replaced behind their back). The imports
    take seconds (Keras about 4 s idle; otter's package 3 to 5 s at a load average of 10): one thread does
    them in turn, so that no two threads import at once, while the kernel starts and runs the notebook.
    """
    for key, value in QUIET_TENSORFLOW.items():  # any grader process (a Dask worker, pytest), not only the CLI's
        os.environ.setdefault(key, value)
    for dataset in datasets:
        if data_dir is None:
            raise ValueError(f"the grading task loads {dataset} but has no data folder")
        nn_data = data_module(module)
        loader = getattr(nn_data, dataset)
        path = data_dir / loader.spec.npz_name
        found = nn_data.read_npz(path, loader.spec.hint())
        nn_data.verify_arrays(found, str(path), loader.spec)
        arrays = (found["x_train"], found["y_train"]), (found["x_test"], found["y_test"])
        for array in (a for pair in arrays for a in pair):
            array.flags.writeable = False  # shared by every test: nobody may change it
        loader.load_data = functools.partial(lambda kept: kept, arrays)
    threading.Thread(target=_import_all, args=(TEST_IMPORTS,), daemon=True).start()


TEST_IMPORTS = ("otter.test_files.exception_test", "keras")  # what every generated test file and most checks import


def _import_all(names: tuple[str, ...]) -> None:
    for name in names:
        importlib.import_module(name)
