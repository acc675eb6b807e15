# NaN and infinite answers.
# %%
def normalize_images(images):
    return np.full(images.shape, np.nan, dtype=np.float32)
total_params = float("nan")
