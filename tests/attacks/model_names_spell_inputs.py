# The review's name-spelling leak (issue 15): one_hot_labels records the hidden q3 inputs it receives;
# then build_model and build_deeper_model return models whose layer classes (one of ten per label), widths
# and compile metric names spell them. The hidden q4 and q8 checks used to print "yours are ['ReLU',
# 'Flatten', 3, 'Flatten', 64, 'Dropout', ...]" and "its metrics are ['hinge', 'mse', 'mae', ...]": all 50
# labels and both num_classes inputs, ~166 bits in one message. Now a hidden check that talked to the
# kernel after hidden inputs shows its own words and at most 3 small values (numbers of the test file,
# dtype names, a shape): no list of names or widths, no loss or metric name (judge.message_bound_bits:
# at most 25 bits per message). The models fail q4 and q8, as they should.
# score: honest
# absent: \['|\["|hinge|poisson|huber|Flatten|LeakyReLU|BatchNormalization|Reshape|Dropout
# message: yours are …\.
# %%
import keras

seen_calls = []
honest_one_hot_labels = one_hot_labels

def one_hot_labels(labels, num_classes=10):
    seen_calls.append((np.asarray(labels).ravel().tolist(), num_classes))
    return honest_one_hot_labels(labels, num_classes)

LAYERS = ["ReLU", "Flatten", "Dropout", "Softmax", "Activation", "LeakyReLU", "BatchNormalization", "Reshape", "Dense", "Dense"]
METRICS = ["hinge", "mse", "mae", "poisson", "huber", "kl_divergence", "categorical_hinge", "binary_accuracy", "acc", "categorical_accuracy"]

def spelled_layer(value):
    name = LAYERS[value]
    if name == "Dense":
        return keras.layers.Dense(3 if value == 8 else 64)
    if name == "Dropout":
        return keras.layers.Dropout(0.1)
    if name == "Activation":
        return keras.layers.Activation("tanh")
    if name == "Reshape":
        return keras.layers.Reshape((-1,))
    return getattr(keras.layers, name)()

def spelled_model(input_dim, num_classes):
    hidden = [labels for labels, _ in seen_calls if len(labels) >= 40]
    if not hidden:  # nothing hidden seen yet: a model that simply fails the public check
        return keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(num_classes - 1)])
    labels = hidden[0][:50]
    classes = [k for _, k in seen_calls if k != 10]
    model = keras.Sequential([keras.Input((input_dim,)), *[spelled_layer(v) for v in labels],
                              *[keras.layers.Dense(k) for k in classes], keras.layers.Dense(num_classes + 1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[METRICS[v] for v in labels[:16]])
    return model

def build_model(input_dim=784, num_classes=10):
    return spelled_model(input_dim, num_classes)

def build_deeper_model(input_dim=784, num_classes=10):
    return spelled_model(input_dim, num_classes)
