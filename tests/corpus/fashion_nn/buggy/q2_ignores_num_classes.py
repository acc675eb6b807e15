# breaks: q2
# Always 10 columns, whatever num_classes says.
def one_hot_labels(labels, num_classes=10):
    return keras.utils.to_categorical(labels, 10)
