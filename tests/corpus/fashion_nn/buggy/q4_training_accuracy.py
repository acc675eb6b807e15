# breaks: q4
# Picks the epoch with the best training accuracy.
def best_epoch(log):
    return int(np.argmax(log["accuracy"])) + 1
