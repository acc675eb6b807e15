# build_model returns a Sequential without an input shape whose layers would allocate ~200 M
# parameters once the grader gave it an input: refused from its configuration, nothing built.
# message: input shape is unknown
# %%
import keras
def build_model(input_dim=784, num_classes=10):
    model = keras.Sequential([keras.layers.Dense(12_000), keras.layers.Dense(12_000), keras.layers.Dense(num_classes)])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
