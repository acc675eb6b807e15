# breaks: q5
# Drops the sign: a validation accuracy above the training accuracy gives a positive gap.
def overfitting_gap(log):
    return abs(float(log["accuracy"][-1] - log["val_accuracy"][-1]))
