# tf.keras imports and class-based loss and metric; parameter counts read off the models.
def build_model(hidden_units=128, input_dim=784, num_classes=10):
    import tensorflow as tf

    model = tf.keras.models.Sequential([
        tf.keras.layers.Input(shape=(input_dim,)),
        tf.keras.layers.Dense(hidden_units, activation="relu", name="hidden"),
        tf.keras.layers.Dense(num_classes, activation="softmax", name="output"),
    ])
    model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(), metrics=[tf.keras.metrics.CategoricalAccuracy(name="accuracy")])
    return model

# %%
total_params = model.count_params()
print(total_params)

# %%
def build_deeper_model(input_dim=784, num_classes=10):
    from tensorflow import keras as tfk

    model = tfk.Sequential(name="deeper")
    model.add(tfk.Input(shape=(input_dim,)))
    model.add(tfk.layers.Dense(128, activation="relu"))
    model.add(tfk.layers.Dropout(0.2))
    model.add(tfk.layers.Dense(64, activation="relu"))
    model.add(tfk.layers.Dense(num_classes, activation="softmax"))
    model.compile(optimizer=tfk.optimizers.Adam(), loss=tfk.losses.CategoricalCrossentropy(), metrics=["accuracy"])
    return model

# %%
model2_total_params = int(sum(layer.count_params() for layer in model2.layers))
model2_improved = bool(test_acc2 > test_acc)
print(model2_total_params, model2_improved)
