# breaks: q3
# A fixed hidden layer of 128 units: right for build_model(), wrong for build_model(hidden_units=512).
def build_model(hidden_units=128, input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
