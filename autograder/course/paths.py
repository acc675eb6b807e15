"""Where things live in the repository (per-assignment paths are in assignments.py)."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
SOLUTIONS = REPO / "solutions"
ASSIGNMENT = REPO / "assignment"
AUTOGRADER = REPO / "autograder"
HIDDEN_TESTS = AUTOGRADER / "hidden_tests"
DATA = REPO / "data"
OTTER_CONFIG = REPO / "otter_config.json"
BUILD = REPO / "build"
DATA_MODULE = SOLUTIONS / "nn_data.py"
LOCK = REPO / "requirements.lock"  # the grader's exact versions (gradescope/lock.py reads it)
# The setup cell's logic, shipped beside every student notebook (see release/setup_cell.py).
SETUP_MODULE = AUTOGRADER / "release" / "student" / "notebook_setup.py"
