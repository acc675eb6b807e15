# In the no-namespace path a kernel that runs as root (see no_namespace_root_kernel_leaves_cgroup)
# starts a daemon that leaves the grading's control groups and its process tree (double fork,
# new session): the cleanup ends the group's members, the leased uid's processes and the kernel's
# descendants, and the daemon is none of these. It waits until its grading folder is gone, then
# takes the leased uid (so that the leftover check, which looks at that uid only, can see it) and
# lives on for a minute. Expected: nothing of the submission outlives grading.
# score: honest
# also: no-namespace
# slow: daemon_rewrites_results covers daemons in the default suite
# %%
import os, sys, time
lease = os.stat(".").st_uid  # the working folder belongs to the uid leased for this grading
folder = os.path.dirname(os.path.dirname(os.getcwd()))  # /tmp/autograder-XXXX without namespaces
if os.getuid() == 0 and folder.startswith("/tmp/autograder-") and os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for hierarchy in ("memory", "pids", "cpu", "cpuacct", "unified", "systemd", "freezer"):
            try:
                with open(f"/sys/fs/cgroup/{hierarchy}/cgroup.procs", "w") as procs:
                    procs.write(str(os.getpid()))
            except OSError:
                pass
        os.chdir("/")
        for fd in range(3, 1024):
            try:
                os.close(fd)
            except OSError:
                pass
        started = time.time()
        while os.path.exists(folder) and time.time() - started < 600:
            time.sleep(0.005)
        os.setresgid(lease, lease, lease)
        os.setresuid(lease, lease, lease)
        time.sleep(60)
    os._exit(0)
time.sleep(0.5)
