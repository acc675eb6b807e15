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

@test_case(points=None, hidden=True)
def test_prepare_images_values_and_order(prepare_images, np):
    images = np.random.default_rng(11).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    images[0, 0, :2] = (0, 255)
    result = prepare_images(images)
    assert isinstance(result, np.ndarray) and result.shape == (4, 784), f"For 4 images prepare_images should return shape (4, 784), not {getattr(result, 'shape', type(result).__name__)}."
    assert result.dtype == np.float32, f'The result should be float32, not {result.dtype}.'
    assert np.isfinite(result).all() and result.min() >= 0.0 and (result.max() <= 1.0), 'Every prepared value should lie between 0 and 1: divide each pixel by 255.'
    assert np.allclose(result[0, :28], images[0, 0] / 255.0, atol=1e-06), "The first 28 values of a row should be the top row of the picture, left to right, divided by 255. Flatten row by row (NumPy's default order)."
    assert np.allclose(result, images.reshape(4, 784) / 255.0, atol=1e-06), "Some values differ from pixel / 255 at the pixel's row-by-row position."
    dark = np.random.default_rng(14).integers(0, 200, size=(2, 28, 28), dtype=np.uint8)
    dark_result = prepare_images(dark)
    assert getattr(dark_result, 'shape', None) == (2, 784) and np.allclose(dark_result, dark.reshape(2, 784) / 255.0, atol=1e-06), 'For pictures whose brightest pixel is below 255 some values differ from pixel / 255: divide by 255, the largest possible pixel value, not by the largest pixel of the pictures you were given.'

@test_case(points=None, hidden=True)
def test_prepare_images_any_number_of_images(prepare_images, np):
    for n in (1, 9):
        images = np.full((n, 28, 28), 255, dtype=np.uint8)
        result = prepare_images(images)
        assert getattr(result, 'shape', None) == (n, 784), f"prepare_images must work for any number of images: for {n} image(s) it returned shape {getattr(result, 'shape', type(result).__name__)}. Avoid fixed numbers such as 60000."
        assert np.allclose(result, 1.0), 'A pixel of 255 should become 1.0.'

@test_case(points=None, hidden=True)
def test_prepare_images_leaves_input_unchanged(prepare_images, np):
    pixels = np.random.default_rng(12).integers(0, 256, size=(5, 28, 28))
    kinds = [(pixels.astype(np.uint8), True), (pixels, False), (pixels.astype(np.float32), False), (pixels.astype(np.float64), False)]
    for images, required in kinds:
        original = images.copy()
        kind = original.dtype.name
        try:
            result = prepare_images(images)
        except Exception:
            if required:
                raise
            continue
        images_after = getattr(prepare_images, 'arguments_after_call', (images,))[0]
        assert not required or getattr(result, 'shape', None) == (5, 784), f"For 5 images prepare_images should return shape (5, 784), not {getattr(result, 'shape', type(result).__name__)}."
        assert images_after.shape == original.shape and images_after.dtype == original.dtype and np.array_equal(images_after, original), f'prepare_images changed its argument `images` (given as {kind}). Build a new array instead of reshaping or dividing in place (`astype(..., copy=False)` gives back the same array when it already has that dtype).'

