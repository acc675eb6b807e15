# NumPy idioms: np.divide with a dtype, broadcasting comparison, argmax(..., -1), np.where on the diagonal.
def prepare_images(images):
    return np.divide(images.reshape(images.shape[0], -1), 255, dtype=np.float32)

# %%
def one_hot_labels(labels, num_classes=10):
    return (np.asarray(labels)[:, None] == np.arange(num_classes)).astype(np.float32)

# %%
def best_epoch(log):
    return int(np.argmax(np.asarray(log["val_accuracy"]))) + 1

# %%
def overfitting_gap(log):
    return float(np.subtract(log["accuracy"][-1], log["val_accuracy"][-1]))

# %%
def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), -1)


def most_confused_pair(cm, class_names):
    matrix = np.asarray(cm)
    errors = np.where(np.eye(len(matrix), dtype=bool), -1, matrix)  # a new array: cm is left as it is
    true_class, predicted_class = divmod(int(errors.argmax()), errors.shape[1])
    return class_names[true_class], class_names[predicted_class]
