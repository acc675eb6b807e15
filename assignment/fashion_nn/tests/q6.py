from otter.test_files import test_case

OK_FORMAT = False

name = "q6"
points = 3

@test_case(points=None, hidden=False)
def test_predict_labels_shape_and_dtype(predict_labels, np):
    import keras
    known = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation='softmax')])
    images = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    result = predict_labels(known, images)
    assert isinstance(result, np.ndarray), f'predict_labels should return a NumPy array, not {type(result).__name__}.'
    assert result.shape == (5,), f'For 5 images predict_labels should return shape (5,), one label per image, but returned {result.shape}. Did you take the argmax along axis=1?'
    assert np.issubdtype(result.dtype, np.integer), f'Predicted labels should be integers, not {result.dtype}.'

@test_case(points=None, hidden=False)
def test_most_confused_pair_small_example(most_confused_pair, np):
    cm = np.array([[50, 2, 1], [9, 40, 3], [0, 4, 45]])
    result = most_confused_pair(cm, ['cat', 'dog', 'fox'])
    assert isinstance(result, (tuple, list)) and len(result) == 2, f'most_confused_pair should return a tuple of two class names, but returned {result!r}.'
    assert tuple(result) == ('dog', 'cat'), f"In this matrix 9 dogs (row 1) were predicted as cats (column 0): the answer is ('dog', 'cat'), but most_confused_pair returned {tuple(result)!r}."

