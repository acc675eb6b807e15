# breaks: q3
# fails: q3 - one hot leaves input unchanged
# says: changed its argument `labels`
# np.asarray copies uint8 labels (the dataset's) but not int64 ones, which then become a column in place.
def one_hot_labels(labels, num_classes=10):
    labels = np.asarray(labels, dtype=np.int64)
    labels.shape = (-1, 1)
    return (labels == np.arange(num_classes)).astype(np.float32)
