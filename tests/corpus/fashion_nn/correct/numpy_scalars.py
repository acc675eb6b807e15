# NumPy scalars where Python numbers are asked: np.int64 epochs, np.float64 gap, np.sum counts, np.bool_ flag.
total_params = np.sum([784 * 128 + 128, 128 * 10 + 10])

# %%
def best_epoch(log):
    return np.argmax(log["val_accuracy"]) + 1

# %%
def overfitting_gap(log):
    return np.float64(log["accuracy"][-1]) - np.float64(log["val_accuracy"][-1])

# %%
model2_total_params = np.sum([784 * 128 + 128, 0, 128 * 64 + 64, 64 * 10 + 10])
model2_improved = np.float64(test_acc2) > np.float64(test_acc)
