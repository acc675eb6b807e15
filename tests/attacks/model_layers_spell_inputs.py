# After the hidden q3 check has sent its labels, build_model answers the hidden q4 checks with a
# model whose Dense widths spell those labels, five digits per layer (a Dense(1) between them keeps
# the parameter count and the multiply-adds far below the grader's limits). The check "exactly
# three Dense layers" printed every layer's width, so the hidden labels would reach the student.
# Numbers the kernel chooses after a hidden input was sent are as free a channel as its strings: a
# width of up to 100,000 carries 16 bits, a 500-character message ~160. Widths not written in the test
# file are masked, and a list of widths is never shown (model_names_spell_inputs: names too).
# score: honest
# absent: \d{5}
# %%
import keras

seen_labels = []
honest_one_hot_labels = one_hot_labels

def one_hot_labels(labels, num_classes=10):
    seen_labels.append(np.asarray(labels).ravel().tolist())
    return honest_one_hot_labels(labels, num_classes)

def build_model(input_dim=784, num_classes=10):
    longest = max(seen_labels, key=len, default=[])
    if len(longest) < 50:  # nothing hidden seen yet: a model that simply fails the public check
        model = keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(num_classes - 1)])
    else:
        digits = "".join(str(v) for v in longest)
        layers = []
        for start in range(0, len(digits), 5):
            layers += [keras.layers.Dense(int(digits[start : start + 5]) + 1), keras.layers.Dense(1)]
        model = keras.Sequential([keras.Input((1,)), *layers])
    model.compile(optimizer="sgd", loss="mse")
    return model
