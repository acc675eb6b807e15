# Activations as layer objects (activation=keras.layers.ReLU(), activation=keras.layers.Softmax(): valid
# Keras; issue 15: it scored 10.25/18, the grader said "an activation other than elu, ...") and, in the
# deeper model, each activation as its own layer (Dense(256), Activation("relu"), ..., Softmax(); it lost
# q8's layer check). Both compute the lesson's networks: every question keeps its points.
def build_model(input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(784, activation=keras.layers.ReLU()),
        keras.layers.Dense(128, activation=keras.layers.ReLU()),
        keras.layers.Dense(num_classes, activation=keras.layers.Softmax()),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model

# %%
def build_deeper_model(input_dim=784, num_classes=10):
    model = keras.Sequential([keras.Input(shape=(input_dim,))])
    for units in (256, 64, 64, 32):
        model.add(keras.layers.Dense(units))
        model.add(keras.layers.Activation("relu"))
    model.add(keras.layers.Dense(num_classes))
    model.add(keras.layers.Softmax())
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
