from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=None, hidden=False)
def test_prepare_images_shape_and_dtype(prepare_images, np):
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    result = prepare_images(images)
    assert isinstance(result, np.ndarray), f'prepare_images should return a NumPy array, but it returned {type(result).__name__}.'
    assert result.shape == (3, 784), f'For 3 images of shape (28, 28), prepare_images should return shape (3, 784), but it returned {result.shape}.'
    assert result.dtype == np.float32, f'prepare_images should return float32 values, but the dtype was {result.dtype}.'

@test_case(points=None, hidden=False)
def test_prepare_images_example_values(prepare_images, np):
    images = np.zeros((1, 28, 28), dtype=np.uint8)
    images[0, 0, :3] = (0, 51, 255)
    result = prepare_images(images)
    assert getattr(result, 'shape', None) == (1, 784), f"For one image the result should have shape (1, 784), not {getattr(result, 'shape', type(result).__name__)}."
    assert np.allclose(result[0, :3], [0.0, 0.2, 1.0]), f'The pixels 0, 51 and 255 should become 0.0, 0.2 and 1.0, but became {result[0, :3].tolist()}.'

