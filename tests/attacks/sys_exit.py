# sys.exit inside a cell (IPython turns it into an error; later answers still count).
# score: honest
# slow: os_exit covers a kernel that leaves in the default suite
# %%
import sys
sys.exit(3)
