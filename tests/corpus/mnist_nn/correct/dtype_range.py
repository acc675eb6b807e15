# Divides by the largest value the dtype of the input can hold (255 for uint8 images) instead of a literal 255.
def normalize_images(images):
    return images / np.float32(np.iinfo(images.dtype).max)
