# Several globals a test reads, each far larger than any honest answer: the grader refuses each
# by its size before reading it, and keeps nothing large.
# slow: budget_sized_values_stay_cached covers the grading's budget in the default suite
# %%
big = np.ones(300 * 1024**2 // 8)
X_test_norm = big
model = big
test_acc = big
model2 = big
