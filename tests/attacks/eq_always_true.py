# Answers whose == is always True and which claim to be ints and arrays.
# slow: the codec rebuilds exact builtin types (tests/test_wire.py); ndarray_subclass covers it here
# %%
class Anything(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__
total_params = Anything(1)

class FakeArray:
    shape = (3, 784)
    dtype = np.uint8
    def __eq__(self, other): return True
    def __array__(self, *a, **k): return np.zeros((3, 784))
def reshape_images(images):
    return FakeArray()
