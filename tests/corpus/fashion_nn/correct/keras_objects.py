# Keras objects instead of strings, add() one layer at a time, keyword arguments spelled out.
def build_model(hidden_units=128, input_dim=784, num_classes=10):
    model = keras.Sequential()
    model.add(keras.Input(shape=(input_dim,)))
    model.add(keras.layers.Dense(units=hidden_units, activation=keras.activations.relu))
    model.add(keras.layers.Dense(units=num_classes, activation=keras.activations.softmax))
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=[keras.metrics.CategoricalAccuracy()],
    )
    return model

# %%
def build_deeper_model(input_dim=784, num_classes=10):
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(rate=0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="categorical_crossentropy", metrics=["acc"])
    return model
