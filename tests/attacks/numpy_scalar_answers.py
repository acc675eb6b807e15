# Honest answers of NumPy scalar types (what np.sum, np.mean and friends return): they count
# like the Python values they stand for.
# score: honest
# %%
total_params = np.sum([784 * 784 + 784, 784 * 128 + 128, 128 * 10 + 10])
assert type(total_params) is np.int64
