# breaks: q3
# Always 10 columns, whatever num_classes says.
def one_hot_labels(labels, num_classes=10):
    return np.eye(10, dtype=np.float32)[labels]
