# A model whose grader-side predictions take minutes although its cost looks like the lesson's:
# a 1x1 convolution to 32 maps, then 60 gelu Activation layers (the table counts one multiply-add
# per element for an activation, whatever it costs: 1.6 M in all, the lesson's model has 0.72 M).
# The grader's model.predict on the 10,000 test images took ~200 s with 16 maps (the lesson's model:
# 3 s). The hidden checks run inside the judge's deadline only in name: the deadline is checked
# before each check, never during one. Slow but correct functions (55 s per hidden call, each within
# the 60 s probe limit of the test profile) use up 600 s of the 900 s judge budget, then q7's
# predictions run past it: measured, the judge took 1,812 s (one prediction ~1,200 s on a loaded
# machine) against its 900 s. Every check must end within the judge's time.
# slow: the grader predicts until its judge deadline (about 16 minutes); grader_predicts_huge_activations covers the batching in the default suite
# score: 8
# judge-seconds: 930
# %%
import time
import keras

calls = {}

def slow_after_first_call(function):
    def wrapper(*args, **kwargs):
        calls[function.__name__] = calls.get(function.__name__, 0) + 1
        if calls[function.__name__] > 1:  # the public check's call comes first
            time.sleep(55)
        return function(*args, **kwargs)
    return wrapper

reshape_images = slow_after_first_call(reshape_images)
normalize_images = slow_after_first_call(normalize_images)
one_hot_labels = slow_after_first_call(one_hot_labels)

model = keras.Sequential(
    [keras.Input((784,)), keras.layers.Reshape((28, 28, 1)), keras.layers.Conv2D(32, 1)]
    + [keras.layers.Activation("gelu") for _ in range(60)]
    + [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10, activation="softmax")]
)
test_acc = 0.5
