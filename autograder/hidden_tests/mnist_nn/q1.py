from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=None, hidden=False)
def test_reshape_returns_flat_rows(reshape_images, np):
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    result = reshape_images(images)
    assert isinstance(result, np.ndarray), f'reshape_images should return a NumPy array, but it returned {type(result).__name__}.'
    assert result.shape == (3, 784), f'For 3 images of shape (28, 28), reshape_images should return shape (3, 784), but it returned shape {result.shape}.'

@test_case(points=None, hidden=True)
def test_reshape_other_sizes_and_dtype(reshape_images, np):
    for n in (1, 7):
        images = np.arange(n * 28 * 28, dtype=np.uint8).reshape(n, 28, 28)
        result = reshape_images(images)
        assert isinstance(result, np.ndarray) and result.shape == (n, 784), f"reshape_images must work for any number of images: for {n} image(s) the result had shape {getattr(result, 'shape', type(result).__name__)}."
        assert result.dtype == images.dtype, f'reshape_images should keep the dtype: it received {images.dtype} and returned {result.dtype}.'

@test_case(points=None, hidden=True)
def test_reshape_is_row_major(reshape_images, np):
    images = np.random.default_rng(1).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    result = np.asarray(reshape_images(images))
    assert result.shape == (4, 784), f'reshape_images returned shape {result.shape}; expected (4, 784).'
    assert np.array_equal(result[0, :28], images[0, 0]), "The first 28 values of a row should be the top row of the picture, left to right. Check the order of your reshape (NumPy's default, row by row)."
    assert np.array_equal(result, images.reshape(4, 784)), 'Some pixels ended up in the wrong place or changed value: reshape row by row and do not rescale or sort the pixels.'

@test_case(points=None, hidden=True)
def test_reshape_leaves_input_unchanged(reshape_images, np):
    pixels = np.random.default_rng(2).integers(0, 256, size=(5, 28, 28))
    kinds = [(pixels.astype(np.uint8), True), ((pixels / 255.0).astype(np.float32), False), (pixels.astype(np.float64), False)]
    for images, required in kinds:
        original = images.copy()
        kind = original.dtype.name
        try:
            result = reshape_images(images)
        except Exception:
            if required:
                raise
            continue
        images_after = getattr(reshape_images, 'arguments_after_call', (images,))[0]
        assert not required or getattr(result, 'shape', None) == (5, 784), f"reshape_images should return shape (5, 784) for 5 images, not {getattr(result, 'shape', type(result).__name__)}."
        assert images_after.shape == original.shape and images_after.dtype == original.dtype and np.array_equal(images_after, original), f'reshape_images changed its argument `images` (given as {kind}). Return a new array (or a view) instead of changing the input in place (no `images.shape = ...` or `images.resize(...)`).'

