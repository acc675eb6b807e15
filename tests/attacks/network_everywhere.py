# Reach the network: listeners on every address of the host (the test starts some), raw and
# netlink sockets, and the internet by name. Neither path has any network (a network namespace,
# or a seccomp filter that allows only local sockets).
# score: honest
# also: no-namespace
# %%
import re, socket
addresses = {"127.0.0.1"}
try:
    addresses |= set(re.findall(r"\|-- (\d+\.\d+\.\d+\.\d+)\n\s+/32 host LOCAL", open("/proc/net/fib_trie").read()))
except OSError:
    pass
reached = []
for address in sorted(addresses):
    for port in range(40000, 40100):
        try:
            socket.create_connection((address, port), timeout=0.2).sendall(b"leak")
            reached.append((address, port))
        except OSError:
            pass
try:
    socket.create_connection(("pypi.org", 443), timeout=3).close()
    reached.append("pypi.org")
except OSError:
    pass
if reached:
    total_params = -3
