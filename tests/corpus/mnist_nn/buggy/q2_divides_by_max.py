# breaks: q2
# Scales by the brightest pixel of the batch: right whenever a batch contains a 255 (found by `mutants`).
def normalize_images(images):
    return images.astype(np.float32) / images.max()
