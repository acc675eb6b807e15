# q7's "model is the network build_model builds" and q8's "model2 is the network build_deeper_model builds"
# compare the trained answer with what the builder returns *then*. The kernel can count the calls: this
# build_model returns the asked network to q4's four calls without arguments and then, to q7's, the network
# `model` really is (a small Dense(32) one, untrained); build_deeper_model does the same after two calls
# without arguments (q8's public check and its parameter count). Both "is the network" checks passed (+0.75 and +0.6):
# a student could train any network and be told it is the asked one. Now the judge asks a function with
# the same plain arguments only once per grading (judge.KernelNamespace.call): q7 and q8 get the
# answers q4's and q8's public checks got, and both checks fail again: honest builders and predict_labels,
# untrained models with matching test_acc values: 7 + 3 (q4) + 2 (q6) + 1.5 (q7) + 1.8 (q8).
# score: 15.3
# message: (?s)(?=.*`model` is not the network that build_model\(\) returns)(?=.*`model2` is not the network that build_deeper_model\(\) returns)
# %%
import keras
from nn_data import mnist

_, (X_test, y_test) = mnist.load_data()
X_test_norm = normalize_images(reshape_images(X_test))
calls = {"build_model": 0, "build_deeper_model": 0}


def small(units, input_dim=784, num_classes=10):
    network = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(units, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    network.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return network


def build_model(*args, **kwargs):
    if not args and not kwargs:
        calls["build_model"] += 1
        if calls["build_model"] > 4:  # q4 asked four times: this is q7 comparing it with `model`
            return small(32)
    return honest_model(*args, **kwargs)


def honest_model(input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(784, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def build_deeper_model(*args, **kwargs):
    if not args and not kwargs:
        calls["build_deeper_model"] += 1
        if calls["build_deeper_model"] > 2:  # q8's public check and parameter count asked: this is the comparison
            return small(16)
    return honest_deeper_model(*args, **kwargs)


def honest_deeper_model(input_dim=784, num_classes=10):
    model = keras.Sequential([keras.Input(shape=(input_dim,))])
    for units in (256, 64, 64, 32):
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1)

# %%
model, model2 = small(32), small(16)  # never trained
test_acc = float(np.mean(predict_labels(model, X_test_norm) == y_test))
test_acc2 = float(np.mean(predict_labels(model2, X_test_norm) == y_test))
model2_total_params = 223978
model2_improved = bool(test_acc2 > test_acc)
