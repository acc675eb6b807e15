# A dozen processes spinning in their own sessions, left running after the notebook: the tree's
# CPU share bounds them while they run (beside other gradings), and grading ends them.
# score: honest
# limit: cpu
# also: no-namespace
# %%
import subprocess, sys
for _ in range(12):
    subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
