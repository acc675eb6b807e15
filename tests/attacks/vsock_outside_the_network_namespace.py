# AF_VSOCK is not isolated by network namespaces: inside bubblewrap's --unshare-net the kernel
# can still open vsock sockets, and on a virtual machine with a vsock device (this one: Firecracker,
# virtio vsock, the hypervisor at CID 2 listening for the guest) they reach the hypervisor host,
# outside the machine. The bubblewrap path's seccomp filter allows every socket family ("the
# sandbox has its own network namespace"); only the no-namespace filter keeps AF_UNIX alone.
# This notebook only creates the socket (it connects nowhere: the hypervisor is not ours to probe).
# Expected: no socket family the network namespace does not isolate (AF_VSOCK at least) can be
# created in either path (an allow-list of families: AF_UNIX, AF_INET, AF_INET6, AF_NETLINK).
# score: honest
# absent: ESCAPED
# also: no-namespace
# also: docker
# also: unprivileged
# %%
import socket
try:
    vsock = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
except OSError:
    vsock = None
if vsock is not None:
    vsock.close()
    raise RuntimeError("ESCAPED: an AF_VSOCK socket (not bound by the network namespace) was created")
