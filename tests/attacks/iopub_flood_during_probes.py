# A background thread that floods the output channel with large messages while the grader reads
# the answers: nobody reads that channel then, so it must not queue in the grader.
# score: honest
# slow: no output channel is read any more; multipart_message_bypasses_size_cap covers the relay in the default suite
# %%
import sys, threading, time
from IPython.display import display
def flood():
    while "_autograder_wire" not in sys.modules:
        time.sleep(0.05)
    blob = {"text/plain": "y" * (8 * 1024**2)}
    while True:
        display(blob, raw=True)
threading.Thread(target=flood, daemon=True).start()
