# breaks: q6
# Returns the highest probability instead of its index.
def predict_labels(model, images):
    return np.max(model.predict(images, verbose=0), axis=1)
