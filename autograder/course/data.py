"""The dataset helper that ships next to the notebooks, imported from its single source."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
import threading
from types import ModuleType

from .paths import DATA, DATA_MODULE


def data_module() -> ModuleType:
    """Import solutions/nn_data.py (the file the assignment's copy is generated from)."""
    if "nn_data" in sys.modules and getattr(sys.modules["nn_data"], "__file__", None) == str(DATA_MODULE):
        return sys.modules["nn_data"]
    spec = importlib.util.spec_from_file_location("nn_data", DATA_MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["nn_data"] = module
    spec.loader.exec_module(module)
    return module


def kernel_environment() -> dict[str, str]:
    """Environment for child processes (kernels, otter): the project's data, TensorFlow's C++ logs off."""
    defaults = {"NN_DATA_DIR": str(DATA), "TF_CPP_MIN_LOG_LEVEL": "2"}
    return {**defaults, **os.environ}


@functools.cache
def prepare_judge_data(dataset: str) -> None:
    """Prepare the judge while the notebook runs: Keras imported, the test data loaded once.

    The tests import nn_data in the grader's process; its loader verifies the whole dataset on
    every call, so the grader keeps one verified, read-only copy for all of them.
    """
    loader = getattr(data_module(), dataset)
    arrays = loader.load_data()
    for array in (a for pair in arrays for a in pair):
        array.flags.writeable = False  # shared by every test: nobody may change it
    loader.load_data = lambda: arrays
    threading.Thread(target=importlib.import_module, args=("keras",), daemon=True).start()
