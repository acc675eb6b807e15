"""Grading package for the MNIST neural-network assignment."""

__version__ = "0.1.0"
