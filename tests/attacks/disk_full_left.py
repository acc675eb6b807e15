# Fill the working folder and the temporary folder to the brim and leave them full: the disk cap
# stops the writes, and the kernel's answers still reach the grader (they have a folder of their own).
# score: honest
# limit: disk
# also: no-namespace
# slow: disk_deep_tree covers the capped folder and its cleanup in the default suite
# %%
import tempfile
written = 0
for folder in (".", tempfile.gettempdir()):
    try:
        for i in range(20):
            with open(f"{folder}/fill-{i}", "wb") as handle:
                for _ in range(100):
                    handle.write(b"\1" * 1024**2)
                    written += 1024**2
    except OSError:
        pass
if written >= 1500 * 1024**2:
    total_params = -1
