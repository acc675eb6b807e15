# Against q7's and q8's "learned from the training images" checks (5,000 training images drawn from the
# submission's grading_seed must score at least the test accuracy): both networks are the asked ones, honestly
# built, and trained on the 10,000 test images only (a fifth of the work of the training cells), until they
# know them by heart: test accuracy near 100% with no real training. They classify fewer of the training
# images than of the test images they memorised, so only those two checks fail (18 - 0.75 - 0.6); every
# other answer is honest. Each fit is split into cells of a few epochs (the attack profile's 20 s cells).
# score: 16.65
# message: (?s)(?=.*did not learn from the training data)(?=.*training images it should have learned from)
# slow: real training (about a minute of fits); lookup_table_model covers a model that never trained
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


model = build_model()
model2 = build_deeper_model()
# %%
model.fit(X_test_norm, y_test_cat, epochs=5, batch_size=128, verbose=0)
# %%
model.fit(X_test_norm, y_test_cat, epochs=5, batch_size=128, verbose=0)
# %%
model.fit(X_test_norm, y_test_cat, epochs=5, batch_size=128, verbose=0)
# %%
model2.fit(X_test_norm, y_test_cat, epochs=8, batch_size=128, verbose=0)
# %%
model2.fit(X_test_norm, y_test_cat, epochs=8, batch_size=128, verbose=0)
# %%
test_loss, test_acc = model.evaluate(X_test_norm, y_test_cat, verbose=0)
test_loss2, test_acc2 = model2.evaluate(X_test_norm, y_test_cat, verbose=0)
model2_total_params = 223978
model2_improved = bool(test_acc2 > test_acc)
