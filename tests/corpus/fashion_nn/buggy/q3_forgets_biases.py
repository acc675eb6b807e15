# breaks: q3
# Counts the weights but not the biases.
total_params = 784 * 128 + 128 * 10
print(total_params)
