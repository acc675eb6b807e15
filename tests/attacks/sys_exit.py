# sys.exit inside a cell (IPython turns it into an error; later answers still count).
# score: honest
# %%
import sys
sys.exit(3)
