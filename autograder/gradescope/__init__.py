"""Gradescope: the autograder zip (its shell scripts are templates/) and the run inside Gradescope's container."""
