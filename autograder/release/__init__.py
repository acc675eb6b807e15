"""The students' side of the course: the student-only tree and the links that hand it out.

``build`` generates the student tree's own files into ``assignment/`` (student_files.py: the student
requirements from requirements.py, a README, a .gitignore, Binder's configuration); ``links``
prints the links an instructor gives a class (links.py); leaks.py proves the tree gives nothing away.
"""
