# breaks: q1
# Right values, but float64 where the question asks for float32.
def prepare_images(images):
    return images.reshape(len(images), -1) / 255.0
