# NumPy idioms: np.divide with a dtype, broadcasting comparison, tensorflow's argmax.
def normalize_images(images):
    return np.divide(images, 255, dtype=np.float32)

# %%
def one_hot_labels(labels, num_classes=10):
    return (np.asarray(labels)[:, None] == np.arange(num_classes)).astype(np.float32)

# %%
def predict_labels(model, images):
    import tensorflow as tf

    return tf.argmax(model(images, training=False), axis=1).numpy()

# %%
test_acc = float(np.mean(predict_labels(model, X_test_norm) == y_test))
