# The watchdog (no control group: Gradescope's Docker container) sums what the processes map.
# Data queued in AF_UNIX socket pairs (allowed in every path) is kernel memory that no RSS or PSS
# shows: 190 socket pairs, each direction filled to its 4 MB send buffer (net.core.wmem_max
# here; the kernel doubles it), hold about 3 GB past the 2.5 GB limit while the watchdog sees the
# kernel's few hundred MB. A control group charges it (measured: 60 pairs in a 256 MB v1 group
# were OOM-killed), so there the limit acts.
# Expected: the watchdog bounds what the tree holds, not only what it maps (e.g. the machine's
# MemAvailable drop since the tree started, or per-uid accounting), and ends the tree.
# limit: memory
# absent: ESCAPED
# also: no-namespace
# also: docker
# also: unprivileged
# hole: docker: the watchdog sums processes' resident memory; socket buffers are in none (a control group counts them)
# hole: unprivileged: the watchdog sums processes' resident memory; socket buffers are in none (a control group counts them)
# slow: memory_whole_tree covers the group's memory limit in the default suite; the watchdog's gap is a known hole
# %%
import socket, time
pairs, chunk = [], b"\1" * 65536
try:
    for _ in range(190):
        ends = socket.socketpair()
        for end in ends:
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024**2)
            end.setblocking(False)
        for end in ends:
            try:
                while True:
                    end.send(chunk)
            except BlockingIOError:
                pass
        pairs.append(ends)
except OSError as error:
    print("stopped:", error)
queued = sum(a.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) for ends in pairs for a in ends) // 2
time.sleep(3)  # six watchdog periods
for ends in pairs:
    for end in ends:
        end.close()
if len(pairs) == 190:
    raise RuntimeError(f"ESCAPED: {len(pairs)} socket pairs full (about {queued * 2 / 1024**3:.1f} GB queued), tree still running")
