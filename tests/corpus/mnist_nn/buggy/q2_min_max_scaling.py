# breaks: q2
# Min-max scaling: right on MNIST, wrong (NaN) on an image with a single value.
def normalize_images(images):
    images = images.astype(np.float32)
    return (images - images.min()) / (images.max() - images.min())
