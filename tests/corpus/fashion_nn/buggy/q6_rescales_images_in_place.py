# breaks: q6
# fails: q6 - predict labels leaves images unchanged
# says: changed its argument `images`
# "Accepts raw pixels too" by dividing the caller's array in place when it holds values above 1.
def predict_labels(model, images):
    if images.max() > 1.0:
        images /= 255.0
    return np.argmax(model.predict(images, verbose=0), axis=1)


def most_confused_pair(cm, class_names):
    errors = np.array(cm, copy=True)
    np.fill_diagonal(errors, 0)
    true_class, predicted_class = np.unravel_index(np.argmax(errors), errors.shape)
    return class_names[true_class], class_names[predicted_class]
