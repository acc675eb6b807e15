# breaks: q6
# Labels returned as floats.
def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1).astype(np.float32)
