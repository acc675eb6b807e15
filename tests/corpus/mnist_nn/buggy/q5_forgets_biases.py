# breaks: q5
# Counts the weights but not the biases.
total_params = 784 * 784 + 784 * 128 + 128 * 10
