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

