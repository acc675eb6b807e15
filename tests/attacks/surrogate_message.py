# An error message holding a lone surrogate, which no UTF-8 file can store as such.
# slow: the codec's text checks are in tests/test_wire.py
# %%
def normalize_images(images):
    raise ValueError("\ud800 broken \udfff")
