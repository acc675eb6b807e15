# breaks: q6
# argmax over the images instead of over the classes.
def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=0)
