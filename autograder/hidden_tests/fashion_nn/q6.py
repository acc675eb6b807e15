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

@test_case(points=None, hidden=True)
def test_predict_labels_on_a_known_model(predict_labels, np):
    import keras
    known = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation='softmax')])
    known.set_weights([np.array([[4, 0, 0, 0], [0, 0, 4, 0], [0, 0, 0, 4]], dtype='float32'), np.array([0, 1, 0, 0], dtype='float32')])
    images = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0], [2, 0, 3], [0, 1, 0.1]], dtype='float32')
    result = predict_labels(known, images)
    assert isinstance(result, np.ndarray) and result.shape == (6,), f"For 6 images predict_labels should return shape (6,), not {getattr(result, 'shape', type(result).__name__)}."
    assert np.issubdtype(result.dtype, np.integer) and result.tolist() == [0, 3, 2, 1, 3, 2], 'On a small model whose answers are known, some predicted labels were wrong. Return the index of the largest probability of each image (argmax along axis=1).'

@test_case(points=None, hidden=True)
def test_predict_labels_leaves_images_unchanged(predict_labels, np):
    import keras
    known = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation='softmax')])
    known.set_weights([np.eye(3, 4, dtype='float32') * 4, np.zeros(4, dtype='float32')])
    values = np.random.default_rng(15).random((6, 3))
    kinds = [(values.astype(np.float32), True), ((values * 255).astype(np.float32), False), (values * 3, False)]
    for images, required in kinds:
        original = images.copy()
        kind = original.dtype.name
        try:
            result = predict_labels(known, images)
        except Exception:
            if required:
                raise
            continue
        images_after = getattr(predict_labels, 'arguments_after_call', (known, images))[1]
        assert not required or getattr(result, 'shape', None) == (6,), f"For 6 images predict_labels should return shape (6,), not {getattr(result, 'shape', type(result).__name__)}."
        assert images_after.shape == original.shape and images_after.dtype == original.dtype and np.array_equal(images_after, original), f"predict_labels changed its argument `images` (given as {kind}). Predict on the images as they are: scaling or reshaping them in place changes the caller's data (run the cell again and they change again)."

@test_case(points=None, hidden=True)
def test_most_confused_pair_ignores_the_diagonal_and_reads_rows_as_true(most_confused_pair, np):
    names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
    cm = np.diag(np.full(10, 900))
    cm[4, 2] = 60
    cm[2, 4] = 75
    cm[7, 9] = 40
    result = most_confused_pair(cm, names)
    assert isinstance(result, (tuple, list)) and len(result) == 2, f'most_confused_pair should return a tuple of two class names, not {result!r}.'
    assert tuple(result) != ('T-shirt/top', 'T-shirt/top') and result[0] != result[1], 'most_confused_pair returned a class paired with itself: ignore the diagonal, which counts correct answers.'
    assert tuple(result) != ('Coat', 'Pullover'), 'most_confused_pair swapped the classes or picked the wrong entry: the row is the true class and the column the predicted class.'
    assert tuple(result) == ('Pullover', 'Coat'), f'most_confused_pair returned {tuple(result)!r}, which is not the largest off-diagonal entry of the matrix.'
    fractions = np.array([[0.7, 0.1, 0.2], [0.05, 0.9, 0.05], [0.3, 0.25, 0.45]])
    result = most_confused_pair(fractions, ['ant', 'bee', 'cow'])
    assert isinstance(result, (tuple, list)) and tuple(result) == ('cow', 'ant'), 'For a matrix of fractions (every entry below 1, as confusion_matrix(..., normalize="true") returns) most_confused_pair did not return its largest off-diagonal entry: whatever you put on the diagonal to ignore it must be smaller than every mistake (0 is, for counts and for fractions).'

@test_case(points=None, hidden=True)
def test_most_confused_pair_any_size_and_ties(most_confused_pair, np):
    cm = np.array([[5, 1, 7, 0], [7, 9, 0, 2], [0, 3, 8, 7], [1, 0, 0, 6]], dtype=np.int64)
    result = most_confused_pair(cm, ['a', 'b', 'c', 'd'])
    assert isinstance(result, (tuple, list)) and tuple(result) == ('a', 'c'), f'most_confused_pair returned {result!r} for a 4x4 matrix whose largest mistake appears several times. It must use the names it is given, and break ties by reading row by row (np.argmax does).'

@test_case(points=None, hidden=True)
def test_most_confused_pair_leaves_its_arguments_unchanged(most_confused_pair, np):
    counts = np.array([[40, 3, 6], [2, 45, 1], [8, 0, 39]], dtype=np.int64)
    names = ['ant', 'bee', 'cow']
    kinds = [(counts, True), (counts / counts.sum(axis=1, keepdims=True), False), (counts.tolist(), False)]

    def unchanged(after, before):
        if isinstance(before, np.ndarray):
            return isinstance(after, np.ndarray) and after.dtype == before.dtype and (after.shape == before.shape) and np.array_equal(after, before)
        return type(after) is list and len(after) == len(before) and all((type(row) is list and len(row) == len(expected) and all((type(a) is int and a == b for a, b in zip(row, expected))) for row, expected in zip(after, before)))
    for cm, required in kinds:
        original = cm.copy() if isinstance(cm, np.ndarray) else [list(row) for row in cm]
        kind = original.dtype.name if isinstance(original, np.ndarray) else type(original).__name__
        class_names = list(names)
        try:
            result = most_confused_pair(cm, class_names)
        except Exception:
            if required:
                raise
            continue
        cm_after, names_after = getattr(most_confused_pair, 'arguments_after_call', (cm, class_names))
        assert not required or (isinstance(result, (tuple, list)) and len(result) == 2), f'most_confused_pair should return a tuple of two class names, not {type(result).__name__}.'
        assert unchanged(cm_after, original), f'most_confused_pair changed its argument `cm` (given as {kind}), for example by filling its diagonal. Work on a copy: `errors = np.array(cm, copy=True)` (`np.asarray` gives back the same array when it can).'
        assert type(names_after) is list and names_after == names, f'most_confused_pair changed its argument `class_names` (with `cm` given as {kind}). Read the names without changing the list.'

@test_case(points=None, hidden=True)
def test_confusion_matrix_and_pair_of_your_own_model(cm, worst_pair, model, np):
    from nn_data import fashion_mnist
    _, (images, labels) = fashion_mnist.load_data()
    inputs = images.reshape(len(images), -1).astype('float32') / 255.0
    predicted = np.asarray(model.predict(inputs, batch_size=1000, verbose=0)).argmax(axis=1)
    expected = np.zeros((10, 10), dtype=np.int64)
    np.add.at(expected, (labels, predicted), 1)
    matrix = np.asarray(cm)
    assert matrix.shape == (10, 10) and np.array_equal(matrix.sum(axis=1), np.full(10, 1000)), 'cm should be the 10x10 confusion matrix of the 10,000 test pictures, with 1,000 per true class (row). If its diagonal is now zero, most_confused_pair changed it: make it work on a copy.'
    assert np.abs(matrix - expected).sum() <= 20, 'cm does not match the predictions of your trained model on the test set: compute it from y_test and predict_labels(model, X_test_norm), true labels first.'
    errors = matrix.copy()
    np.fill_diagonal(errors, -1)
    row, col = np.unravel_index(np.argmax(errors), errors.shape)
    names = fashion_mnist.class_names
    assert isinstance(worst_pair, (tuple, list)) and tuple(worst_pair) == (names[row], names[col]), f'worst_pair is {worst_pair!r}, which is not the largest off-diagonal entry of your own confusion matrix.'

