# Answers made of thousands of objects of distinct classes: each would once have become a new
# class in the grader. Now one placeholder class per known type name is ever made.
# slow: the codec's refusals are checked without a kernel in tests/test_wire.py
# %%
total_params = [type(f"Kind{n}", (), {})() for n in range(60_000)]
def reshape_images(images):
    return [type(f"Row{n}", (), {})() for n in range(50_000)]
