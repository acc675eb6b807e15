# breaks: q4
# fails: q4 - best epoch leaves log unchanged
# says: changed its argument `log`
# Pads the caller's list with a 0 so that positions count from 1: right answers, but `log` grows by an
# epoch every time the cell runs.
def best_epoch(log):
    scores = log["val_accuracy"]
    scores.insert(0, 0.0)
    return int(np.argmax(scores))
