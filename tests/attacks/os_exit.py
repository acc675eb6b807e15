# Kill the kernel process outright.
# status: kernel-died
# message: kernel stopped in code cell
# %%
import os
os._exit(0)
