# breaks: q1
# fails: q1 - prepare images leaves input unchanged
# says: changed its argument `images`
# astype(copy=False) gives back the same array when it is already float32, and /= then divides the caller's pictures.
def prepare_images(images):
    flat = images.reshape(len(images), -1).astype(np.float32, copy=False)
    flat /= 255
    return flat
