# In-place operations, but only on the function's own copy: the argument is never changed.
def reshape_images(images):
    flat = images.copy()
    flat.shape = (len(flat), 28 * 28)
    return flat

# %%
def normalize_images(images):
    scaled = images.astype(np.float32)  # astype always copies
    scaled /= 255.0
    return scaled

# %%
def one_hot_labels(labels, num_classes=10):
    encoded = np.zeros((len(labels), num_classes), dtype=np.float32)
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded

# %%
def predict_labels(model, images):
    probabilities = model.predict(images, verbose=0)
    return probabilities.argmax(axis=1)
