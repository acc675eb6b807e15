# Activations as layer objects (activation=keras.layers.ReLU()) and as layers of their own
# (Dense(128), then ReLU()): valid Keras for the same networks.
def build_model(hidden_units=128, input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(hidden_units, activation=keras.layers.ReLU()),
        keras.layers.Dense(num_classes, activation=keras.layers.Softmax()),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model

# %%
def build_deeper_model(input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(128),
        keras.layers.ReLU(),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(64),
        keras.layers.Activation("relu"),
        keras.layers.Dense(num_classes),
        keras.layers.Softmax(),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
