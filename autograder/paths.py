"""Where things live in the repository."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
ASSIGNMENT = REPO / "assignment"
AUTOGRADER = REPO / "autograder"
HIDDEN_TESTS = AUTOGRADER / "hidden_tests"
DATA = REPO / "data"
OTTER_CONFIG = REPO / "otter_config.json"
BUILD = REPO / "build"

ASSIGNMENT_NAME = "mnist_nn"
MASTER_NOTEBOOK = SOLUTIONS / f"{ASSIGNMENT_NAME}.ipynb"
SOLUTION_NOTEBOOK = SOLUTIONS / f"{ASSIGNMENT_NAME}_solution.ipynb"
STUDENT_NOTEBOOK = ASSIGNMENT / f"{ASSIGNMENT_NAME}.ipynb"
DATA_MODULE = SOLUTIONS / "nn_data.py"
OTTER_AUTOGRADER_ZIP = BUILD / f"{ASSIGNMENT_NAME}-otter-autograder.zip"
