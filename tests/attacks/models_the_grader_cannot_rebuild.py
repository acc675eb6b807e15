# Against the functional-model reading of issue 15: four answers the grader cannot rebuild faithfully, each
# of which must be refused from what the kernel describes, quickly, with a reason the student can act on.
# build_model: a functional chain of 300 Dense(1) layers (planned from its description: refused at the
# 65th layer, nothing built); `model`: a Sequential holding another Sequential as a layer; build_deeper_model:
# a Sequential using one Dense object twice (Keras keeps one set of weights for both places: it used to be
# refused only as "its weights do not match its layers"); `model2`: a functional model applying keras.ops
# between its layers (they are operations, not layers: the model is not one chain of layers). No points
# beyond the honest ones and q7's "test acc is a fraction" (test_acc is a float in [0, 1]: judged on its own).
# score: 7.75
# judge-seconds: 240
# message: (?s)(?=.*What build_model returned could not be read by the grader: .*more than 64 layers)(?=.*`model` could not be read by the grader: it is a model with another model inside it)(?=.*What build_deeper_model returned could not be read by the grader: it is a model that uses one layer object twice)(?=.*`model2` could not be read by the grader: it is a functional model that is not one chain of layers: .*applies a function between layers)
# slow: tests/test_models.py checks each refusal without a kernel; subclassed_model takes the same path through the judge
# %%
import keras


def build_model(input_dim=784, num_classes=10):
    inputs = x = keras.Input(shape=(input_dim,))
    for _ in range(300):
        x = keras.layers.Dense(1)(x)
    model = keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(x))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def build_deeper_model(input_dim=784, num_classes=10):
    reused = keras.layers.Dense(input_dim, activation="relu")
    model = keras.Sequential([keras.Input(shape=(input_dim,)), reused, reused, keras.layers.Dense(num_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model

# %%
model = keras.Sequential([
    keras.Input(shape=(784,)),
    keras.Sequential([keras.layers.Dense(128, activation="relu")]),
    keras.layers.Dense(10, activation="softmax"),
])
inputs = keras.Input(shape=(784,))
hidden = keras.ops.relu(keras.layers.Dense(64)(inputs))
model2 = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden * 2.0))
test_acc = test_acc2 = 0.1
