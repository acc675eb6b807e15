# breaks: q3
# One-hot rows of integers instead of floats.
def one_hot_labels(labels, num_classes=10):
    return np.eye(num_classes, dtype=np.int64)[labels]
