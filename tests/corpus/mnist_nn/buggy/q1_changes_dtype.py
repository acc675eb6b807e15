# breaks: q1
# Reshapes correctly but converts to float64.
def reshape_images(images):
    return images.reshape(len(images), -1).astype(np.float64)
