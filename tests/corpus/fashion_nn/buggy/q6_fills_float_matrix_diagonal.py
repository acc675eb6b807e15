# breaks: q6
# fails: q6 - most confused pair leaves its arguments unchanged
# says: changed its argument `cm`
# np.asarray(cm, dtype=float) copies a matrix of counts but not a normalized (float) one, whose diagonal
# is then overwritten in place.
def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1)


def most_confused_pair(cm, class_names):
    errors = np.asarray(cm, dtype=float)
    np.fill_diagonal(errors, -1)
    true_class, predicted_class = np.unravel_index(np.argmax(errors), errors.shape)
    return class_names[true_class], class_names[predicted_class]
