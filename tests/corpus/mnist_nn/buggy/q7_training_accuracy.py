# breaks: q7
# Reports the last training accuracy as the test accuracy.
test_acc = float(history.history["accuracy"][-1])
