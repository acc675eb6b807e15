# The kernel describes its models itself (models.describe_model runs there): once the grader's probes are
# loaded, this notebook replaces that description with lies: for the builders' models, in turn, an input of
# 100,000^4 values with only a Flatten (no parameter, no multiply-add: planned, built, useless), an unknown
# layer class (Lambda, with its function as text), 200 Activation layers, and settings of the wrong types
# (units="10", activation=["relu"]); for `model`, BatchNormalization with negative variances (NaN out); for
# `model2`, a Conv2D whose kernel is sent transposed. Each is refused with its reason or rebuilt as described
# and judged on what it computes (9.8%: every NaN row is class 0); the grader neither crashes nor hangs, and
# no check that reads a model passes: the score is the honest notebook's.
# score: honest
# message: (?s)(?=.*output shape is \(None, 100000000000000000000\))(?=.*The trained model classifies [0-9.]+% of the test images)(?=.*its weights do not match its layers)(?=.*more than … layers)(?=.*its Dense layer has an integer setting outside)(?=.*a layer the grader cannot rebuild)
# %%
import sys
import keras

FLATTEN_HUGE = ({"class": "Sequential", "input_shape": [None, 100000, 100000, 100000, 100000], "layers": [{"class": "Flatten"}]}, [])
LAMBDA = ({"class": "Sequential", "input_shape": [None, 784], "layers": [{"class": "Lambda", "function": "lambda x: x"}]}, [])
NEGATIVE_VARIANCE = (
    {"class": "Sequential", "input_shape": [None, 784],
     "layers": [{"class": "BatchNormalization"}, {"class": "Dense", "units": 10, "activation": {"class": "Softmax", "axis": -1}}]},
    [np.ones(784, "float32"), np.zeros(784, "float32"), np.zeros(784, "float32"), -np.ones(784, "float32"),
     np.ones((784, 10), "float32"), np.zeros(10, "float32")],
)
TRANSPOSED = (
    {"class": "Functional", "input_shape": [None, 784],
     "layers": [{"class": "Reshape", "target_shape": [28, 28, 1]}, {"class": "Conv2D", "filters": 10, "kernel_size": [28, 28]},
                {"class": "Flatten"}, {"class": "Softmax", "axis": -1}]},
    [np.zeros((10, 1, 28, 28), "float32"), np.zeros(10, "float32")],
)
DEEP = ({"class": "Sequential", "input_shape": [None, 784], "layers": [{"class": "Activation", "activation": "relu"}] * 200}, [])
WRONG_TYPES = (
    {"class": "Sequential", "input_shape": [None, 784], "layers": [{"class": "Dense", "units": "10", "activation": ["relu"]}]},
    [np.zeros((784, 10), "float32"), np.zeros(10, "float32")],
)
# `model` and `model2` get their own lies; the builders' models, in the order the grader reads them: q4's and
# q8's public checks, build_model(input_dim=20, num_classes=3), build_deeper_model(input_dim=784, num_classes=10).
BUILT = [FLATTEN_HUGE, LAMBDA, DEEP, WRONG_TYPES]
told = []


def lying(network):
    if network is globals().get("model"):
        spec, weights = NEGATIVE_VARIANCE
    elif network is globals().get("model2"):
        spec, weights = TRANSPOSED
    else:
        spec, weights = BUILT[len(told) % len(BUILT)]
        told.append(spec["class"])
    return dict(spec), list(weights)


def install_lies(function):
    def wrapper(*args, **kwargs):
        described = sys.modules.get("_autograder_models")
        if described is not None:
            described.describe_model = lying
        return function(*args, **kwargs)
    return wrapper


def build_model(input_dim=784, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(784, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


build_deeper_model = build_model
reshape_images = install_lies(reshape_images)  # the public q1 check calls it first, after the probes are loaded
model, model2 = build_model(), build_model()
model2_total_params, model2_improved = 223978, True
