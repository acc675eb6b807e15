# breaks: q2
# fails: q2 - normalize leaves input unchanged
# says: changed its argument `images`
# Converts integer pixels as usual but divides a float array in place: X_train is normalized twice
# when the cell runs again (issue 15: every other q2 check passed).
def normalize_images(images):
    if images.dtype.kind != "f":
        images = images.astype(np.float32)
    images /= 255.0
    return images
