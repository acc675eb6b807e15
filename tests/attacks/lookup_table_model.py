# The review's network that never trains (issue 15): `model` is a lookup table of the public test set,
# a Dense(10000, softmax) whose weights are the 10,000 test images (the unit of the nearest image wins)
# then a Dense(10) holding their one-hot labels (7.96 M parameters, inside the grader's 20 M); `model2 =
# model`, `test_acc2 = test_acc`. It scored 18/18. Every function is honest, so q4, q6 and q8's function
# checks keep their points; q7's "model is the network build_model builds" and "model reaches minimum
# test accuracy" (the table classifies every test image but only ~94% of the training images it never
# learned from) fail, and so do q8's "model2 is the network build_deeper_model builds" and "deeper model
# trained and compared" (model2 is model): 7 + 3 + 2 + 1.5 + 1.8 points.
# score: 15.3
# message: (?s)(?=.*did not learn from the training data)(?=.*`model2` is `model` itself)(?=.*`model` is not the network)
# %%
import keras
from nn_data import mnist

_, (X_test, y_test) = mnist.load_data()
X_test_norm = normalize_images(reshape_images(X_test))
y_test_cat = one_hot_labels(y_test)


def build_model(input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(784, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def build_deeper_model(input_dim=784, num_classes=10):
    model = keras.Sequential([keras.Input(shape=(input_dim,))])
    for units in (256, 64, 64, 32):
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1)

# %%
scale = 50.0  # x.t - |t|^2 / 2 is largest for the stored image t nearest to x
model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10000, activation="softmax"), keras.layers.Dense(10)])
model.set_weights([
    (X_test_norm.T * scale).astype("float32"),
    (-0.5 * scale * (X_test_norm.astype("float64") ** 2).sum(axis=1)).astype("float32"),
    y_test_cat.astype("float32"),
    np.zeros(10, "float32"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
test_acc = 1.0  # every test image is stored
model2 = model
test_acc2 = test_acc
model2_total_params = 223978
model2_improved = bool(test_acc2 > test_acc)
