# The output cap counts what nbclient appends to a cell, but nbclient also rewrites outputs in
# place for update_display_data: every output registered with a display_id (a few bytes each, far
# under the 2 MB cap) can then be replaced by a message of almost the socket's 4 MB limit, and
# nbclient keeps them all in the grader's copy of the notebook. 300 ids x 3.9 MB = 1.2 GB kept by the
# grader; with 20,000 ids the same cell asks for 78 GB. Expected: the grader's peak within +500 MB
# of the honest baseline (benchmarks/grader_memory.py), the honest score kept.
# Measured before the relay: the grader peaked at 1,858 MB, +1,158 MB over the honest light notebook's 700 MB.
# Since the grader reads no output channel (link.py relays replies only): +33 MB.
# score: honest
# slow: no output channel is read any more; multipart_message_bypasses_size_cap covers the relay in the default suite
# %%
import time
from IPython.display import display, update_display

for i in range(300):
    display({"text/plain": ""}, raw=True, display_id=f"d{i}")
for i in range(300):
    update_display({"text/plain": f"{i:08d}" + "x" * 3_900_000}, raw=True, display_id=f"d{i}")
    time.sleep(0.02)
