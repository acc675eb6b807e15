# A valid cell that must start with a __future__ import: grading must not change the cell.
# score: honest
# absent: raised an error
# %%
from __future__ import annotations
def helper(x: SomeLaterType) -> int:
    return 1
