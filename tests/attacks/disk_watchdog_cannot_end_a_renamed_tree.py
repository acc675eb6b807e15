# The disk watchdog's hit ends nothing when one process of the tree has a name that is not UTF-8:
# ending the tree lists the uid's processes from /proc as text, which raises UnicodeDecodeError in
# the watchdog's thread after it has stopped every watchdog. The notebook then writes 2.5 GB (ten
# files of 250 MB, under the per-file limit) and holds them: the tree must be ended near 1 GB.
# absent: ESCAPED
# limit: disk
# also: docker
# %%
import os, time
open("/proc/self/comm", "wb").write(b"\xff\xfe")
block, held = b"\1" * (50 * 1024**2), 0
try:
    for i in range(10):
        with open(f"fill-{i}", "wb") as handle:
            for _ in range(5):
                handle.write(block)
                held += len(block)
except OSError as error:
    print("stopped:", error)
time.sleep(2)
for i in range(10):
    try:
        os.unlink(f"fill-{i}")
    except OSError:
        pass
open("/proc/self/comm", "w").write("kernel")  # so that the grading ends without a grader error
if held >= 2 * 1024**3:
    raise RuntimeError(f"ESCAPED: held {held / 1024**3:.1f} GB past the watchdog's hit")
