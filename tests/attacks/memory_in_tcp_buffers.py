# TCP socket buffers are not charged to a cgroup v1 memory group unless its
# memory.kmem.tcp.limit_in_bytes is set (the grader sets only memory.limit_in_bytes): inside its
# own network namespace the kernel connects to itself over loopback and leaves data unread in
# both directions of 40 connections (4 MB send buffers, net.core.wmem_max here), about 0.6 GB
# that the grading's group never sees, beside two children of 0.9 GB that it does. Measured
# outside the grader: 60 such connections in a 256 MB group took 1.4 GB of the machine's memory
# with the group at 6 MB. The only bound is the machine-wide net.ipv4.tcp_mem (2.2 GB here),
# shared with every TCP connection on the host (Dask's included): past its pressure point (1.5 GB)
# the whole machine's TCP is throttled. This notebook stays well below it.
# Expected: the tree's TCP buffers are bounded by its group (v1: memory.kmem.tcp.limit_in_bytes,
# TreeLimits.tcp_buffer_bytes, 64 MB; v2 charges them to memory.max): the sends stop there.
# score: honest
# absent: ESCAPED
# %%
import socket, subprocess, sys, time
def tcp_pages():
    for line in open("/proc/net/sockstat"):
        if line.startswith("TCP:"):
            words = line.split()
            return int(words[words.index("mem") + 1])
    return 0
hog = "import time\nx = b'\\x01' * 900_000_000\nprint('full', flush=True)\ntime.sleep(300)"
children = [subprocess.Popen([sys.executable, "-c", hog], stdout=subprocess.PIPE, text=True) for _ in range(2)]
full = [child.stdout.readline() for child in children]
before = tcp_pages()
held = []
try:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    chunk = b"\1" * 65536
    for _ in range(40):
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024**2)
        client.connect(server.getsockname())
        peer, _ = server.accept()
        for end in (client, peer):
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024**2)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024**2)
        for end in (client, peer):
            end.setblocking(False)
            try:
                while True:
                    end.send(chunk)
            except BlockingIOError:
                pass
        held.append((client, peer))
except OSError as error:
    print("sockets:", error)
time.sleep(2)
outside = (tcp_pages() - before) * 4096
alive = all(full) and all(child.poll() is None for child in children)
for client, peer in held:
    client.close()
    peer.close()
if alive and outside > 0.5 * 1024**3:
    raise RuntimeError(f"ESCAPED: {outside / 1024**3:.2f} GB in TCP buffers beside 1.8 GB of children, no OOM")
