# The reference solution, unchanged.
