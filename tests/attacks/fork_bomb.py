# A fork bomb in a child process; the process limit stops it and grading ends it.
# also: no-namespace
# %%
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(2)
