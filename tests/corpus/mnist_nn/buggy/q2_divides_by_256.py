# breaks: q2
# Off by one: 255 becomes 0.996, not 1.0.
def normalize_images(images):
    return images.astype(np.float32) / 256.0
