# tf.keras imports, class-based optimizer, loss and metric, np.argmax(..., -1), a layer loop.
def build_model(input_dim=784, num_classes=10):
    import tensorflow as tf

    model = tf.keras.Sequential([
        tf.keras.layers.Input(shape=(input_dim,)),
        tf.keras.layers.Dense(784, activation="relu"),
        tf.keras.layers.Dense(128, activation="relu"),
        tf.keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=1e-3),
        loss=tf.keras.losses.CategoricalCrossentropy(),
        metrics=[tf.keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    return model

# %%
def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), -1)

# %%
def build_deeper_model(input_dim=784, num_classes=10):
    from tensorflow import keras as tfk

    model = tfk.Sequential([tfk.Input(shape=(input_dim,))])
    for units in [256, 64, 64, 32]:
        model.add(tfk.layers.Dense(units, activation="relu"))
    model.add(tfk.layers.Dense(num_classes, activation="softmax"))
    model.compile(optimizer=tfk.optimizers.Adam(), loss=tfk.losses.CategoricalCrossentropy(), metrics=["accuracy"])
    return model
