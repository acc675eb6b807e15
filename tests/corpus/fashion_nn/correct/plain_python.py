# Plain Python: list methods, loops, comprehensions.
def prepare_images(images):
    return np.array([image.ravel() for image in images], dtype=np.float32) / 255

# %%
def one_hot_labels(labels, num_classes=10):
    return np.array([[float(column == label) for column in range(num_classes)] for label in labels])

# %%
def best_epoch(log):
    scores = log["val_accuracy"]
    return scores.index(max(scores)) + 1  # index() finds the first of equal values

# %%
def overfitting_gap(log):
    return log["accuracy"][-1] - log["val_accuracy"][-1]

# %%
def predict_labels(model, images):
    return np.array([int(np.argmax(probabilities)) for probabilities in model.predict(images, verbose=0)])


def most_confused_pair(cm, class_names):
    largest, pair = -1, None
    for true_class, row in enumerate(cm):
        for predicted_class, count in enumerate(row):
            if true_class != predicted_class and count > largest:
                largest, pair = count, (class_names[true_class], class_names[predicted_class])
    return pair
