# Reach a listener on the host's loopback (the test starts one on AUTOGRADER_TEST_PORT).
# also: no-namespace
# %%
import socket
for port in range(40000, 40100):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).sendall(b"leak")
        total_params = -2
    except OSError:
        pass
