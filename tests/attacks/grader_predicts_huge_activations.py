# A small model that passes every limit of the layer table (3,082 parameters; 0.4 M multiply-adds
# per input, less than the lesson's own 0.72 M) but whose 1x1 convolution makes 256 feature maps
# of 28x28 per image. The hidden q7 checks run model.predict(..., batch_size=1000) in the grader's
# own process: one batch holds 1000 x 28 x 28 x 256 floats (800 MB). Measured: the grader peaked at
# 1,607 MB, +907 MB over the honest light notebook's 700 MB (target: +500 MB). Parameters and
# multiply-adds per input bound neither a batch's activations nor the grader's memory: filters=4096
# (6.4 M multiply-adds) asks for 12.8 GB per batch. q7's public check passes (a model and a
# fraction), hence 8.
# slow: the grader predicts the whole test set in batches of 800 MB of activations (about 3 minutes); the batching and the deadline are also checked in tests/test_wire.py
# score: 8
# %%
import keras

model = keras.Sequential([
    keras.Input((784,)),
    keras.layers.Reshape((28, 28, 1)),
    keras.layers.Conv2D(256, 1),
    keras.layers.GlobalAveragePooling2D(),
    keras.layers.Dense(10, activation="softmax"),
])
test_acc = 0.5
