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

@test_case(points=None, hidden=True)
def test_normalize_exact_values(normalize_images, np):
    images = np.random.default_rng(3).integers(0, 256, size=(6, 784), dtype=np.uint8)
    images[0, :2] = (0, 255)
    result = normalize_images(images)
    assert isinstance(result, np.ndarray) and result.shape == images.shape, f"normalize_images should return an array of the input's shape {images.shape}."
    assert np.issubdtype(result.dtype, np.floating), f'The result should be floats, not {result.dtype}.'
    tolerance = max(1e-06, 2 * float(np.finfo(result.dtype).eps))
    assert np.isfinite(result).all() and result.min() >= 0.0 and (result.max() <= 1.0), 'Every normalized value should lie between 0 and 1.'
    assert np.allclose(result, images / 255.0, atol=tolerance), 'Each pixel should be divided by 255 (0 becomes 0.0 and 255 becomes 1.0); some values differ from pixel / 255.'
    dark = np.random.default_rng(6).integers(0, 200, size=(2, 784), dtype=np.uint8)
    dark_result = normalize_images(dark)
    assert getattr(dark_result, 'shape', None) == dark.shape and np.allclose(dark_result, dark / 255.0, atol=tolerance), 'For images whose brightest pixel is below 255 some values differ from pixel / 255: divide by 255, the largest possible pixel value, not by the largest pixel of the images you were given.'

@test_case(points=None, hidden=True)
def test_normalize_any_shape(normalize_images, np):
    images = np.full((2, 28, 28), 255, dtype=np.uint8)
    result = normalize_images(images)
    assert getattr(result, 'shape', None) == (2, 28, 28), f"normalize_images should accept any shape; for shape (2, 28, 28) it returned {getattr(result, 'shape', type(result).__name__)}."
    assert np.allclose(result, 1.0), 'A pixel of 255 should become 1.0.'

@test_case(points=None, hidden=True)
def test_normalize_leaves_input_unchanged(normalize_images, np):
    pixels = np.random.default_rng(4).integers(0, 256, size=(3, 784))
    kinds = [(pixels.astype(np.uint8), True), (pixels.reshape(3, 28, 28), False), (pixels.astype(np.float32), False), (pixels.reshape(3, 28, 28).astype(np.float64), False)]
    for images, required in kinds:
        original = images.copy()
        kind = original.dtype.name
        try:
            result = normalize_images(images)
        except Exception:
            if required:
                raise
            continue
        images_after = getattr(normalize_images, 'arguments_after_call', (images,))[0]
        assert not required or getattr(result, 'shape', None) == (3, 784), f"normalize_images should return an array of the input's shape (3, 784), not {getattr(result, 'shape', type(result).__name__)}."
        assert images_after.shape == original.shape and images_after.dtype == original.dtype and np.array_equal(images_after, original), f"normalize_images changed its argument `images` (given as {kind}). Compute a new array instead of dividing in place: `images /= 255` changes the caller's array whenever it already holds floats."

