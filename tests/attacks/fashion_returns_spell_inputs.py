# Fashion-MNIST: in the hidden checks the student's functions return numbers that encode the hidden
# inputs they were given, and the checks' messages print what was returned ({result!r}): best_epoch
# returns an int made of every value of the hidden training log (an int may have 4,300 digits: the
# 500-character message carries ~1,500 bits), overfitting_gap a float spelling the last two accuracies,
# most_confused_pair a list of ints naming every off-diagonal cell of the hidden confusion matrix.
# Only strings received from the kernel are cut out of messages; numbers, lists of numbers and
# reprs are shown whole.
# assignment: fashion_nn
# absent: 748084838281|1420060|1240075|1790040|1\.9787
# slow: model_layers_spell_inputs covers numbers that spell inputs in the default suite
# %%
def best_epoch(log):
    values = list(log["val_accuracy"])
    if values == [0.75, 0.82, 0.8]:  # the public example: answered honestly
        return int(np.argmax(values)) + 1
    return int("9" + "".join(f"{round(v * 100):02d}" for key in sorted(log) for v in log[key]))

def overfitting_gap(log):
    if list(log["accuracy"]) == [0.8, 0.9]:
        return log["accuracy"][-1] - log["val_accuracy"][-1]
    return float(f"1.{round(log['accuracy'][-1] * 100):02d}{round(log['val_accuracy'][-1] * 100):02d}")

def most_confused_pair(cm, names):
    cm = np.asarray(cm)
    if cm.shape == (3, 3):
        errors = cm.copy()
        np.fill_diagonal(errors, -1)
        row, col = np.unravel_index(np.argmax(errors), errors.shape)
        return names[row], names[col]
    return [1_000_000 + i * 100_000 + j * 10_000 + int(v) for (i, j), v in np.ndenumerate(cm) if i != j and v]
