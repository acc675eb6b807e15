# Without bubblewrap the kernel sees the host's filesystem. The interpreter it runs is the
# grader's virtual environment, which lives inside the repository (/work/main/.venv), so the
# hidden tests are one folder up, world-readable (0644 in 0755 folders), whatever uid the kernel
# has (the unprivileged drop does not help: `setpriv --reuid=61499 cat .../q5.py` works here).
# The README accepts "the kernel can read whatever the machine lets its uid read", but nothing
# checks that the hidden tests are not among it; on Gradescope the same holds if the source
# folder is readable by the sandbox uid. Expected: the grader refuses the no-namespace path (or
# moves/locks the tests) when the kernel's uid could read the hidden tests.
# absent: ESCAPED
# also: no-namespace
# also: docker
# %%
import glob, os, re, sys
candidates = {os.path.dirname(sys.prefix), os.path.dirname(os.path.realpath(sys.prefix))}
for pid in os.listdir("/proc"):
    try:
        candidates.add(os.readlink(f"/proc/{pid}/cwd"))  # the grader's own folder (root only)
    except OSError:
        pass
leaked = {}
for root in sorted(candidates):
    for path in glob.glob(f"{root}/autograder/hidden_tests/*/q5.py") + glob.glob(f"{root}/tests/q5.py"):
        try:
            text = open(path).read()
        except OSError:
            continue
        match = re.search(r"total_params == (\d+)", text)
        if "hidden=True" in text:
            leaked[path] = match.group(1) if match else "?"
if leaked:
    path, value = next(iter(leaked.items()))
    raise RuntimeError(f"ESCAPED: read {len(leaked)} hidden test files, e.g. {path} (q5 wants {value})")
