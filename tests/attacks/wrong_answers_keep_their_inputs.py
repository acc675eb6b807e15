# The same wrong functions as wrong_answers_zero_their_inputs.py, without touching their input:
# the checks that the input is unchanged pass here (3.5 = 2 + three of them).
# score: 3.5
# slow: wrong_answers_zero_their_inputs covers answers that change their inputs in the default suite
# %%
def reshape_images(images):
    return np.zeros((len(images), 784), dtype=images.dtype)

def normalize_images(images):
    return np.zeros(images.shape, dtype=np.float32)

def one_hot_labels(labels, num_classes=10):
    return np.zeros((len(labels), num_classes), dtype=np.float32)
