# breaks: q5
# fails: q5 - overfitting gap leaves log unchanged
# says: changed its argument `log`
# np.asarray copies lists (Keras's history) but not arrays, which the in-place subtraction then changes.
def overfitting_gap(log):
    accuracy, val_accuracy = np.asarray(log["accuracy"]), np.asarray(log["val_accuracy"])
    accuracy -= val_accuracy
    return float(accuracy[-1])
