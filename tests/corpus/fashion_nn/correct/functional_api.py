# Keras's functional API for both networks, Dropout included: keras.Input, each layer called on the
# previous output, keras.Model(inputs, outputs); tf.nn activations and class-based objects.
def build_model(hidden_units=128, input_dim=784, num_classes=10):
    import tensorflow as tf

    inputs = keras.Input(shape=(input_dim,))
    hidden = keras.layers.Dense(hidden_units, activation=tf.nn.relu)(inputs)
    outputs = keras.layers.Dense(num_classes, activation=tf.nn.softmax)(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
    return model

# %%
def build_deeper_model(input_dim=784, num_classes=10):
    inputs = keras.Input(shape=(input_dim,))
    x = keras.layers.Dense(128, activation="relu")(inputs)
    x = keras.layers.Dropout(0.2)(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
