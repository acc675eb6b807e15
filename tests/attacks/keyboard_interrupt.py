# Raise KeyboardInterrupt from a cell.
# score: honest
# slow: infinite_loop covers interrupted cells in the default suite
# %%
raise KeyboardInterrupt
