# Plausible-looking answers of the wrong types.
# %%
total_params = 717210.0
def one_hot_labels(labels, num_classes=10):
    return [[1.0 if i == label else 0.0 for i in range(num_classes)] for label in labels]
