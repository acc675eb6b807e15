# Print 200 MB of output.
# score: honest
# message: more output than the grader keeps
# %%
import sys
line = "x" * 1023 + "\n"
for _ in range(200 * 1024):
    sys.stdout.write(line)
