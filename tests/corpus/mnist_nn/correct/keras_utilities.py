# Keras helpers and float64 arithmetic: to_categorical, np.reshape with an explicit size, / 255.0.
def reshape_images(images):
    return np.reshape(images, (images.shape[0], 28 * 28))

# %%
def normalize_images(images):
    return images / 255.0

# %%
def one_hot_labels(labels, num_classes=10):
    return keras.utils.to_categorical(labels, num_classes=num_classes)
