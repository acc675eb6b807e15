# Keras objects instead of strings, input_shape instead of keras.Input, and add().
def build_model(input_dim=784, num_classes=10):
    model = keras.Sequential()
    model.add(keras.layers.Dense(784, activation=keras.activations.relu, input_shape=(input_dim,)))
    model.add(keras.layers.Dense(128, activation=keras.activations.relu))
    model.add(keras.layers.Dense(num_classes, activation=keras.activations.softmax))
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=[keras.metrics.CategoricalAccuracy()],
    )
    return model

# %%
def build_deeper_model(input_dim=784, num_classes=10):
    from keras import layers

    model = keras.Sequential(
        [keras.Input((input_dim,))]
        + [layers.Dense(units, activation="relu") for units in (256, 64, 64, 32)]
        + [layers.Dense(num_classes, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss=keras.losses.categorical_crossentropy, metrics=["acc"])
    return model
