# breaks: q6
# Reads the matrix as (predicted, true): the pair comes back the wrong way round.
def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1)


def most_confused_pair(cm, class_names):
    errors = np.array(cm, copy=True)
    np.fill_diagonal(errors, 0)
    true_class, predicted_class = np.unravel_index(np.argmax(errors), errors.shape)
    return class_names[predicted_class], class_names[true_class]
