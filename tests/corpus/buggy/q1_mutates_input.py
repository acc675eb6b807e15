# breaks: q1
# Changes the shape of the caller's array in place.
def reshape_images(images):
    images.shape = (len(images), 784)
    return images
