# One print of 200 MB: a single message larger than the grader's sockets accept is dropped
# before it reaches the grader's memory.
# score: honest
# slow: huge_output covers large prints in the default suite
# %%
print("x" * (200 * 1024**2))
