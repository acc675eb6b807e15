# breaks: q4
# Returns the position counted from 0.
def best_epoch(log):
    return int(np.argmax(log["val_accuracy"]))
