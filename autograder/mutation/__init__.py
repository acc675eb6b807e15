"""Mutation testing of an assignment's tests: how many wrong answers do they let through?

``python -m autograder mutants --assignment NAME`` takes every student function and value of the
master notebook's solution, makes small wrong versions of it (mutants), and grades each one with
the same judge that grades students, in one live kernel that ran the reference solution once.
One module per stage:

* :mod:`.targets`: what can be mutated (the solution code of each question);
* :mod:`.checks`: each check alone, and what it reads;
* :mod:`.operators`: the mutation operators (mutmut's, plus NumPy/Keras vocabulary ones);
* :mod:`.mutants`: the mutants of each target, with their diffs;
* :mod:`.kernel`: the live reference kernel: apply a mutant, judge, restore;
* :mod:`.equivalence`: the battery of inputs that tells an equivalent mutant from a survivor;
* :mod:`.accepted`: survivors the instructor judged correct answers;
* :mod:`.run`: the whole run and the classification of each mutant;
* :mod:`.render`: the terminal table, JSON and HTML.
"""
