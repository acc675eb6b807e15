# Honest but not this network: build_model returns a functional model with a skip connection (the input
# concatenated to the hidden layer's output): not one chain of layers, so the grader cannot read it as the
# stack the question asks for. q4's hidden checks and q7's checks on `model` say which answer could not be
# read and why; predict_labels and test_acc are judged on their own (7 + 2 + 0.75): q4 loses all its
# points, its public check included (the grader cannot read the model it asks about).
# score: 9.75
# message: (?s)(?=.*What build_model returned could not be read by the grader: it is a functional model that is not one chain of layers)(?=.*`model` could not be read by the grader: it is a functional model that is not one chain)
# slow: subclassed_model takes the same path through the judge (an unreadable model named in q4 and q7); tests/test_models.py checks the branching refusal
# %%
import keras


def build_model(input_dim=784, num_classes=10):
    inputs = keras.Input(shape=(input_dim,))
    hidden = keras.layers.Dense(128, activation="relu")(inputs)
    joined = keras.layers.Concatenate()([inputs, hidden])
    outputs = keras.layers.Dense(num_classes, activation="softmax")(joined)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1)

# %%
model = build_model()
test_acc = 0.1
