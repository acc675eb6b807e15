# breaks: q4
# Ignores input_dim and num_classes.
def build_model(input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(784, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
