# Crash the interpreter with a segmentation fault.
# status: kernel-died
# %%
import ctypes
ctypes.string_at(0)
