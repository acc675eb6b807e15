# breaks: q7
# Reports the last training accuracy as the test accuracy.
test_acc = float(log["accuracy"][-1])
