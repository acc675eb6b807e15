from otter.test_files import test_case

OK_FORMAT = False

name = "q6"
points = 2

@test_case(points=None, hidden=False)
def test_predict_labels_shape_and_dtype(predict_labels, np):
    import keras
    known = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation='softmax')])
    images = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    result = predict_labels(known, images)
    assert isinstance(result, np.ndarray), f'predict_labels should return a NumPy array, but it returned {type(result).__name__}.'
    assert result.shape == (5,), f'For 5 images, predict_labels should return shape (5,) (one label per image), but returned {result.shape}. Did you take the argmax along axis=1?'
    assert np.issubdtype(result.dtype, np.integer), f'Predicted labels should be integers, but the dtype was {result.dtype}.'

@test_case(points=None, hidden=True)
def test_predict_labels_on_known_model(predict_labels, np):
    import keras
    known = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation='softmax')])
    known.set_weights([np.array([[5, 0, 0], [0, 5, 0], [0, 0, 5], [0, 0, 0]], dtype='float32'), np.zeros(3, dtype='float32')])
    images = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 2, 1], [3, 0, 0, 9], [0, 1, 0, 0], [0, 0, 0.5, 0]], dtype='float32')
    result = predict_labels(known, images)
    assert isinstance(result, np.ndarray) and result.shape == (7,), f"For 7 images predict_labels should return an array of shape (7,), not {getattr(result, 'shape', type(result).__name__)}."
    assert np.issubdtype(result.dtype, np.integer), f'Predicted labels should be integers, not {result.dtype}.'
    assert result.tolist() == [0, 2, 1, 2, 0, 1, 2], 'On a small model whose answers are known, some predicted labels were wrong. Return the index of the largest probability for each image (argmax along axis=1).'

@test_case(points=None, hidden=True)
def test_predict_labels_leaves_images_unchanged(predict_labels, np):
    import keras
    known = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation='softmax')])
    known.set_weights([np.eye(4, 3, dtype='float32') * 5, np.zeros(3, dtype='float32')])
    values = np.random.default_rng(7).random((6, 4))
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
        assert not required or getattr(result, 'shape', None) == (6,), f"For 6 images predict_labels should return an array of shape (6,), not {getattr(result, 'shape', type(result).__name__)}."
        assert images_after.shape == original.shape and images_after.dtype == original.dtype and np.array_equal(images_after, original), f"predict_labels changed its argument `images` (given as {kind}). Predict on the images as they are: scaling or reshaping them in place changes the caller's data (run the cell again and they change again)."

