"""The students' side of the course: what students receive and how it reaches them.

* ``setup_cell``: the first cell of every student notebook (written by ``build``);
* ``student/``: files shipped beside every student notebook (``notebook_setup.py``: the setup
  cell's logic, the export, the environment check), never imported by the grader's own code
  except for the naming rules it shares with it;
* ``tree``: ``python -m autograder release``, the student tree (``assignment/``) copied to a
  folder, with what depends on where it is published.
"""
