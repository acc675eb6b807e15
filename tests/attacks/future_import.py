# A valid cell that must start with a __future__ import: grading must not change the cell.
# score: honest
# absent: raised an error
# slow: syntax_error covers cells the kernel refuses in the default suite
# %%
from __future__ import annotations
def helper(x: SomeLaterType) -> int:
    return 1
