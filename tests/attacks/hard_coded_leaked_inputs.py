# A wrong one_hot_labels (it ignores num_classes) that returns the right rows for the hidden q3 inputs a
# leak once revealed (issue 15: [2, 0, 1, 2] with num_classes=3 and [11] with num_classes=12). It used to
# pass "one hot honours num classes" (q3 2/2 against 1.5/2). The hidden inputs are now drawn per
# submission (GRADING_SEED: from the submission's code and the hidden tests, which the kernel cannot
# read), so inputs learned from one grading are not those of the next: the check fails as it does for the
# same wrong function without the written-in answers. Nothing else changes.
# message: Use the num_classes argument instead of 10
# slow: tests/test_seeded_checks.py checks the mechanism without a kernel: hidden inputs drawn per submission (and passing the reference for every seed)
# %%
LEAKED = {((2, 0, 1, 2), 3), ((11,), 12)}

def one_hot_labels(labels, num_classes=10):
    key = (tuple(np.asarray(labels).ravel().tolist()), num_classes)
    if key in LEAKED:
        return np.eye(num_classes, dtype=np.float32)[np.asarray(labels)]
    return np.eye(10, dtype=np.float32)[np.asarray(labels)]  # the bug: num_classes is ignored
