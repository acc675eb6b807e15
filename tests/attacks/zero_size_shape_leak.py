# Return empty arrays whose shape spells out the hidden inputs, hoping a check's message prints
# the shape. Shapes are bounded in rank and size, so they cannot carry the inputs.
# absent: \(0(, \d+){6,}\)
# slow: the judge's redaction is checked without a kernel in tests/test_judge.py; error_echoes_inputs covers it here
# %%
def one_hot_labels(labels, num_classes=10):
    return np.zeros((0,) + tuple(int(v) for v in np.asarray(labels).ravel()[:60]), dtype=np.float32)

def reshape_images(images):
    return np.zeros((0,) + tuple(int(v) + 1 for v in images.ravel()[:60]), dtype=np.uint8)
