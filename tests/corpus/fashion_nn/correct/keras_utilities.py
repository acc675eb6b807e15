# to_categorical for the labels; evaluate() as a dict; a reshape with an explicit size.
def prepare_images(images):
    flat = np.reshape(images, (len(images), 28 * 28))
    return flat.astype("float32") / 255.0

# %%
def one_hot_labels(labels, num_classes=10):
    return keras.utils.to_categorical(labels, num_classes=num_classes)

# %%
test_acc = model.evaluate(X_test_norm, y_test_cat, verbose=0, return_dict=True)["accuracy"]
