# breaks: q4
# A separate Softmax layer after a linear Dense(10): the same network as the lesson's, but not the
# three Dense layers with their activations that q4 asks for. Only q4 may lose points: the trained
# model predicts exactly like the reference, so q6 and q7 keep theirs. (Review of issue 8: the grader
# refused the whole model because Softmax is not in its layer table, and q6's public check and all
# of q7 were lost with it.)
def build_model(input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(784, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(num_classes),
        keras.layers.Softmax(),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
