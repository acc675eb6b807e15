# List comprehensions: one image, one label or one prediction at a time.
def reshape_images(images):
    return np.array([image.ravel() for image in images])

# %%
def one_hot_labels(labels, num_classes=10):
    return np.array([[1.0 if column == label else 0.0 for column in range(num_classes)] for label in labels])

# %%
def predict_labels(model, images):
    return np.array([int(np.argmax(row)) for row in model.predict(images, verbose=0)])
