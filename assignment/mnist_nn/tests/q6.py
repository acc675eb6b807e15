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

