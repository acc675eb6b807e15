# breaks: q8
# Forgets the second 64-unit layer in the hand count.
model2_total_params = (784 * 256 + 256) + (256 * 64 + 64) + (64 * 32 + 32) + (32 * 10 + 10)
model2_improved = bool(test_acc2 > test_acc)
