from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 1

@test_case(points=None, hidden=False)
def test_one_hot_shape_and_values(one_hot_labels, np):
    result = one_hot_labels(np.array([0, 2, 9]))
    assert isinstance(result, np.ndarray), f'one_hot_labels should return a NumPy array, not {type(result).__name__}.'
    assert result.shape == (3, 10), f'For 3 labels one_hot_labels should return shape (3, 10), but returned {result.shape}.'
    assert result[1].tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], f'The label 2 should become [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], but became {result[1].tolist()}.'

@test_case(points=None, hidden=True)
def test_one_hot_rows_match_labels(one_hot_labels, np, grading_seed):
    labels = np.random.default_rng(grading_seed).integers(0, 10, size=40).astype(np.uint8)
    result = one_hot_labels(labels)
    assert isinstance(result, np.ndarray) and result.shape == (40, 10), f"For 40 labels the result should have shape (40, 10), not {getattr(result, 'shape', type(result).__name__)}."
    assert np.issubdtype(result.dtype, np.floating), f'One-hot rows should be floats, not {result.dtype}.'
    assert np.isin(result, (0.0, 1.0)).all() and np.array_equal(result.sum(axis=1), np.ones(40)), 'Each one-hot row should hold exactly one 1 and zeros elsewhere.'
    assert np.array_equal(result.argmax(axis=1), labels), 'The 1 in each row should sit at the index of its label.'

@test_case(points=None, hidden=True)
def test_one_hot_honours_num_classes(one_hot_labels, np, grading_seed):
    rng = np.random.default_rng(grading_seed)
    for num_classes in rng.choice([3, 4, 5, 6, 7, 8, 9, 11, 12], size=2, replace=False).tolist():
        labels = rng.integers(0, num_classes, size=3)
        result = one_hot_labels(labels, num_classes=num_classes)
        assert getattr(result, 'shape', None) == (3, num_classes), f"With num_classes={num_classes}, three labels should give shape (3, {num_classes}), not {getattr(result, 'shape', type(result).__name__)}. Use the num_classes argument instead of 10."
        assert np.array_equal(result.argmax(axis=1), labels), f'With num_classes={num_classes} the ones are in the wrong places.'

@test_case(points=None, hidden=True)
def test_one_hot_leaves_labels_unchanged(one_hot_labels, np):
    kinds = [(np.array([3, 8, 0], dtype=np.uint8), True), (np.array([3, 8, 0, 5], dtype=np.int64), False), ([3, 8, 0, 6], False)]

    def unchanged(after, before):
        if isinstance(before, np.ndarray):
            return isinstance(after, np.ndarray) and after.dtype == before.dtype and (after.shape == before.shape) and np.array_equal(after, before)
        return type(after) is list and len(after) == len(before) and all((type(a) is int and a == b for a, b in zip(after, before)))
    for labels, required in kinds:
        original = labels.copy()
        kind = original.dtype.name if isinstance(original, np.ndarray) else type(original).__name__
        try:
            result = one_hot_labels(labels)
        except Exception:
            if required:
                raise
            continue
        labels_after = getattr(one_hot_labels, 'arguments_after_call', (labels,))[0]
        assert not required or getattr(result, 'shape', None) == (3, 10), f"For 3 labels one_hot_labels should return shape (3, 10), not {getattr(result, 'shape', type(result).__name__)}."
        assert unchanged(labels_after, original), f"one_hot_labels changed its argument `labels` (given as {kind}). Build the rows without reshaping, sorting or overwriting the labels (`labels.shape = ...` changes the caller's array, and `np.asarray` does not copy an array that already has the dtype you ask for)."

