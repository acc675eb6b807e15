# breaks: q8
# The comparison is the wrong way round.
model2_total_params = 223978
model2_improved = bool(test_acc2 < test_acc)
