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

