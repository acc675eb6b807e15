# The grader's requests now go through a relay (engine/link.py): the kernel answers on its shell
# channel, the only channel the relay reads. This notebook sends the relay, as if it were a reply,
# one message of 300 frames of 3.9 MB (1.2 GB, each frame under the 4 MB frame cap), twice, while
# its cell runs. ZeroMQ holds a whole multipart message before handing over its first frame, so
# the relay, under its 1 GB address space, may die: that must cost only this submission (its kernel
# counts as stopped), never the grader's memory, and a result is still written.
# Expected: the grader's peak unchanged (benchmarks/grader_memory.py), a valid result, no more than
# the honest score.
# Measured: the relay died, the grading ended as kernel-died with a result in 53 s, and the
# grader's own peak was 759 MB (the honest light notebook's: 709-760 MB).
# status: kernel-died
# %%
import time

kernel = get_ipython().kernel
frame = b"x" * 3_900_000
ident = kernel._parent_ident["shell"]
for _ in range(2):
    kernel.session.send(
        kernel.shell_socket if hasattr(kernel, "shell_socket") else kernel.shell_stream,
        "execute_reply",
        {"status": "ok", "execution_count": 1, "user_expressions": {}, "payload": []},
        parent=kernel.get_parent("shell"),
        ident=ident,
        buffers=[frame] * 300,
    )
time.sleep(2)
