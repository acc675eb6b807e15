# breaks: q1
# fails: q1 - reshape leaves input unchanged
# says: changed its argument `images`
# Changes the shape of the caller's array in place.
def reshape_images(images):
    images.shape = (len(images), 784)
    return images
