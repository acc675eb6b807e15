"""Grading a class: finding submissions, batch grading on Dask with resume, the gradebook and the class report."""
