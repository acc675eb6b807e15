# The root cause behind the no_namespace_root_* attacks: without bubblewrap, when the Python
# installation is not readable by others (/root is 0700 on this machine; can_drop_user() is
# False), the kernel runs as the grader's own user, root, with only the seccomp filter between it
# and the machine. GradingOptions' default (require_unprivileged=False, which the engine tests
# and the CLI's --allow-no-sandbox use) allows it; only Gradescope's run refuses. As root the
# kernel can leave its control group, outlive the grading, leave root-owned files that neither
# the cleanup (it removes the leased uid's files) nor the leftover check (it looks at that uid)
# sees (/var/tmp/left-behind and /dev/shm/left-behind on this machine were left so by
# shared_tmp_left_behind at 06:03), write /proc/<grader>/mem, read every file and kill the grader.
# Expected: student code never runs as root (refuse, or make the interpreter readable and drop).
# score: honest
# absent: ESCAPED
# also: no-namespace
# also: docker
# %%
import os
ids = os.getresuid() + os.getresgid()
with open("/proc/self/status") as status:
    effective = int(next(l for l in status if l.startswith("CapEff:")).split()[1], 16)
if 0 in ids or effective:
    raise RuntimeError(f"ESCAPED: the kernel runs with ids {ids} and capabilities {effective:#x}")
