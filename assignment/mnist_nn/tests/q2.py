from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

@test_case(points=None, hidden=False)
def test_normalize_returns_floats_in_unit_range(normalize_images, np):
    images = np.array([[0, 51, 255]], dtype=np.uint8)
    result = normalize_images(images)
    assert isinstance(result, np.ndarray), f'normalize_images should return a NumPy array, but it returned {type(result).__name__}.'
    assert np.issubdtype(result.dtype, np.floating), f'normalize_images should return floating-point values, but the dtype was {result.dtype}.'
    assert result.shape == images.shape, f'normalize_images should keep the shape {images.shape}, but returned {result.shape}.'
    assert np.allclose(result, [[0.0, 0.2, 1.0]], atol=2 * float(np.finfo(result.dtype).eps)), f'normalize_images([[0, 51, 255]]) should give [[0.0, 0.2, 1.0]], but gave {result.tolist()}.'

