"""Grading a class, one module per job.

* ``collect``: the submissions in the paths and Gradescope exports an instructor names;
* ``batch``: the gradings scheduled on Dask, a window at a time, with a progress bar;
* ``cluster``: a local cluster or an existing one, the worker command, tasks named by function;
* ``worker``: what runs on a worker (grade one submission from its bytes, identify its assignment);
* ``manifest``: the resume record of a submission and the grader version it carries;
* ``gradebook``: grades.csv; ``feedback``: each student's feedback.md;
* ``outputs``: the class outputs per assignment (gradebook, ``class_report``, ``similarity``),
  each written whatever the others do (``bounded`` runs a step in a limited child process);
* ``results_doc``: reading a results.json; ``otter_baseline``: stock ``otter run``, for comparison.
"""
