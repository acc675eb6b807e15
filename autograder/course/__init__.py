"""Course authoring: the assignments, their master notebooks, what is built from them, their data."""
