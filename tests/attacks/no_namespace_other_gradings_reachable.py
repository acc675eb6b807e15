# Without namespaces every grading's folder is in the host's /tmp, and the others' are open to
# any uid: /tmp/autograder-X and its box are 0755, the box's tmp and shm are 1777, the kernel's
# connection file (with its HMAC key) is 0644 and the requests folder (the grader's arguments,
# the hidden inputs of calls) is 0755. A kernel of one grading can therefore fill another
# grading's 1 GB tmpfs (its honest kernel then fails to write its files), plant files and links
# in its /tmp, read its connection key and its probe requests. This checks the modes of its own
# grading's folder from the point of view of another uid (the same layout as every concurrent
# grading's), and lists the other gradings' scratch folders it could write to right now.
# Expected: another grading's uid can neither write nor read anything of a grading's folder.
# score: honest
# absent: ESCAPED
# also: no-namespace
# also: docker
# %%
import glob, os, stat
def open_to_others(path, bit):
    """Every folder above path is traversable by others, and path has `bit` for others."""
    try:
        parents = [p for p in [os.path.dirname(path)] if p]
        while parents[-1] not in ("/", ""):
            parents.append(os.path.dirname(parents[-1]))
        if any(not os.stat(p).st_mode & stat.S_IXOTH for p in parents):
            return False
        return bool(os.stat(path).st_mode & bit)
    except OSError:
        return False
own = os.path.dirname(os.path.dirname(os.getcwd()))  # /tmp/autograder-XXXX without namespaces
found = []
if own.startswith("/tmp/autograder-"):
    for relative, bit in (("box/tmp", stat.S_IWOTH), ("box/shm", stat.S_IWOTH), ("ipc/kernel.json", stat.S_IROTH),
                          ("requests", stat.S_IROTH | stat.S_IXOTH)):
        if open_to_others(f"{own}/{relative}", bit):
            found.append(relative)
others = [f for f in glob.glob("/tmp/autograder-*/box/tmp") if not f.startswith(own + "/") and os.access(f, os.W_OK)]
if found:
    raise RuntimeError(f"ESCAPED: any uid may use {found} of a grading's folder ({len(others)} other gradings open now)")
