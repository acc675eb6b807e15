# NumPy scalars where Python numbers are asked: np.sum for the counts, np.mean for the accuracy
# (np.float64), a comparison of NumPy floats for the flag (np.bool_). They count as the Python
# values they stand for (issue 8: np.mean's test_acc once scored q7 0/3).
total_params = np.sum([784 * 784 + 784, 784 * 128 + 128, 128 * 10 + 10])
print(total_params)

# %%
test_acc = np.mean(np.argmax(model.predict(X_test_norm, verbose=0), axis=1) == y_test)
print(f"test accuracy: {test_acc:.4f}")

# %%
model2_total_params = np.sum([784 * 256 + 256, 256 * 64 + 64, 64 * 64 + 64, 64 * 32 + 32, 32 * 10 + 10])
model2_improved = np.float64(test_acc2) > np.float64(test_acc)
print(model2_total_params, model2_improved)
