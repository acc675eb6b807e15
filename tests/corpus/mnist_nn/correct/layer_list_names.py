# keras.layers imported by name, layer list with names, evaluate() returning a dict.
def build_model(input_dim=784, num_classes=10):
    from keras.layers import Dense, Input

    model = keras.models.Sequential(
        [Input(shape=(input_dim,)), Dense(784, activation="relu", name="hidden1"),
         Dense(128, activation="relu", name="hidden2"), Dense(num_classes, activation="softmax", name="output")],
        name="digits",
    )
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    return model

# %%
test_acc = model.evaluate(X_test_norm, y_test_cat, verbose=0, return_dict=True)["accuracy"]
