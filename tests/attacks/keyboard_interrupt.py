# Raise KeyboardInterrupt from a cell.
# score: honest
# %%
raise KeyboardInterrupt
