# NaN and infinite answers.
# slow: wrong_types covers values of the wrong kind in the default suite
# %%
def normalize_images(images):
    return np.full(images.shape, np.nan, dtype=np.float32)
total_params = float("nan")
