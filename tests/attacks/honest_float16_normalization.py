# Honest: normalize_images in float16. The question says any float dtype is correct, so every
# check of q2 must accept float16's rounding (about 5e-4 for values near 1).
# score: honest
# %%
def normalize_images(images):
    return images.astype(np.float16) / np.float16(255)
