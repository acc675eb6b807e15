# Three globals the hidden checks read, each an array just under the 128 MB an answer may hold and
# together over the 256 MB a grading may take in. The judge fetches the globals its hidden checks
# read before the first check runs; the third array exhausts the grading's budget, so every later
# answer is refused with the budget's message (which costs honest answers their points: the
# message says what to change). The grader holds at most the budget plus one answer's file.
# Measured: score 1.5 (the public checks that ran before the fetch); the grader's peak stays within
# +500 MB of the honest light notebook's (benchmarks/grader_memory.py).
# score: 1.5
# message: larger than the grader accepts from one notebook
# %%
size = 134_000_000 // 8
total_params = np.ones(size)
test_acc = np.ones(size)
test_acc2 = np.ones(size)
