# Honest but unreadable: build_model returns a subclass of keras.Model (its own call method), which the
# grader cannot rebuild from a layer table. q4's public check says that the question asks for a
# keras.Sequential (or the same functional stack); its hidden checks and q7's checks on `model` say which
# answer could not be read and why. predict_labels and test_acc are judged on their own: q6 keeps its
# points and q7 its "test acc is a fraction" (7 + 2 + 0.75).
# score: 9.75
# message: (?s)(?=.*What build_model returned could not be read by the grader: it is a model of a class of its own)(?=.*`model` could not be read by the grader: it is a model of a class of its own)
# %%
import keras


class DigitNet(keras.Model):
    def __init__(self, num_classes=10):
        super().__init__()
        self.hidden1 = keras.layers.Dense(784, activation="relu")
        self.hidden2 = keras.layers.Dense(128, activation="relu")
        self.out = keras.layers.Dense(num_classes, activation="softmax")

    def call(self, x):
        return self.out(self.hidden2(self.hidden1(x)))


def build_model(input_dim=784, num_classes=10):
    model = DigitNet(num_classes)
    model.build((None, input_dim))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1)

# %%
model = build_model()
test_acc = 0.1  # untrained: a fraction all the same
