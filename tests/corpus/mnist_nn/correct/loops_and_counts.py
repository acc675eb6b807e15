# Explicit loops, -1 reshapes, argmax(-1), and parameter counts read off the model.
def reshape_images(images):
    return images.reshape(-1, 28 * 28).copy()

# %%
def one_hot_labels(labels, num_classes=10):
    encoded = np.zeros((len(labels), num_classes))
    for row, label in enumerate(labels):
        encoded[row, label] = 1.0
    return encoded

# %%
total_params = model.count_params()

# %%
def predict_labels(model, images):
    return model.predict(images, verbose=0).argmax(-1)

# %%
model2_total_params = int(sum(layer.count_params() for layer in model2.layers))
model2_improved = test_acc2 > test_acc
