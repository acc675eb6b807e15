# A redaction hole: `one_hot_labels` is not a function but a Keras model (a functional Input(shape=(50,)) and a
# Reshape). The grader reads it before the hidden checks, as a value, and rebuilds it; the hidden checks then
# call it in the grader itself, with the hidden labels, so nothing reaches the kernel and the check counts as
# one that did not talk to it: its message was shown as written. Keras's error for an input of the wrong
# shape repeats the input ("Invalid input shape for input [6. 8. 0. ...]", "inputs=array([4, 1, 7], ...)"),
# and the message showed the exception's first 300 characters: all 50 labels drawn from the grading seed,
# and the fixed arrays of the "leaves input unchanged" check. Now an unexpected exception of a hidden check
# shows its type only, whether or not the check talked to the kernel (the public check's error, about its
# public input [0, 3, 9], is still shown whole), and a rebuilt model called as a function (not through
# predict) counts as contact, so an assert's values computed by it are redacted too
# (tests/test_judge.py::test_a_model_called_as_a_function_counts_as_contact). q3's checks fail (7 - 2).
# score: 5
# absent: \[4\.? 1\.? 7|(\d\.?,? ){20}
# message: Your answer has an unexpected type or value \(ValueError\)\.
# %%
import keras

inputs = keras.Input(shape=(50,))
one_hot_labels = keras.Model(inputs, keras.layers.Reshape((5, 10))(inputs))
