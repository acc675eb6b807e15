# ZeroMQ's maximum message size (MAXMSGSIZE, 4 MB on the grader's sockets) applies to each frame of a
# multipart message, and the receive high-water mark counts whole messages: a Jupyter message may
# carry any number of binary buffers, each a frame of its own. The kernel sends display messages
# with 150 buffers of 3.9 MB (585 MB each) on IOPub; the grader receives and decodes every frame
# before nbclient looks at the message, and queues up to 64 such messages while it is busy.
# Expected: the grader's peak within +500 MB of the honest baseline (benchmarks/grader_memory.py),
# the honest score kept.
# Measured before the relay: the grader peaked at 2,510 MB, +1,810 MB over the honest light notebook's 700 MB.
# Since the grader reads no output channel (link.py relays replies only): +33 MB.
# score: honest
# %%
import time

kernel = get_ipython().kernel
frame = b"x" * 3_900_000
for _ in range(3):
    kernel.session.send(
        kernel.iopub_socket,
        "display_data",
        {"data": {"text/plain": ""}, "metadata": {}, "transient": {}},
        parent=kernel.get_parent("shell"),
        buffers=[frame] * 150,
    )
    time.sleep(1)
