# Wrong functions that also overwrite their input, hoping the grader compares against the changed
# input. The grader never writes the kernel's "after" arguments into its own test data: they score
# less than the same wrong functions without the overwrite (wrong_answers_keep_their_inputs.py,
# 3.5), since the overwrite itself is caught (2: q1's shape checks and q5; the review measured 4
# against 2.5 when the grader copied the arguments back).
# score: 2
# %%
def reshape_images(images):
    result = np.zeros((len(images), 784), dtype=images.dtype)
    images[...] = 0
    return result

def normalize_images(images):
    result = np.zeros(images.shape, dtype=np.float32)
    images[...] = 0
    return result

def one_hot_labels(labels, num_classes=10):
    result = np.zeros((len(labels), num_classes), dtype=np.float32)
    labels[...] = 0
    return result
