# Fill the private /tmp (memory no rlimit counts) with big files: its size cap stops it.
# score: honest
# %%
written = 0
try:
    for i in range(12):
        with open(f"/tmp/fill-{i}", "wb") as handle:
            handle.write(b"\0" * (200 * 1024**2))
        written += 1
except OSError as error:
    print("stopped after", written, "files:", error)
