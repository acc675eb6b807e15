"""Build and grade notebook assignments: master notebooks in, a sandboxed grader, batch and Gradescope grading out."""

__version__ = "0.1.0"
