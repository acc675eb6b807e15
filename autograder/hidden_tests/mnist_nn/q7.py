from otter.test_files import test_case

OK_FORMAT = False

name = "q7"
points = 3

@test_case(points=None, hidden=False)
def test_test_acc_is_a_fraction(test_acc, np):
    assert isinstance(test_acc, (float, np.floating)) and 0.0 <= test_acc <= 1.0, f'test_acc should be a float between 0 and 1, but it is {test_acc!r} ({type(test_acc).__name__}).'

@test_case(points=None, hidden=True)
def test_model_is_the_network_build_model_builds(model, build_model):
    import keras

    def layers_of(network):
        return [(type(layer).__name__, getattr(layer, 'units', None), getattr(layer, 'rate', None), keras.activations.serialize(layer.activation) if hasattr(layer, 'activation') else None) for layer in network.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert isinstance(model, keras.Model), 'There is no trained model called `model`; run the cell that trains it.'
    built = build_model()
    assert layers_of(model) == layers_of(built) and tuple(model.input_shape) == tuple(built.input_shape), '`model` is not the network that build_model() returns: its layers, their sizes or activations, or its input differ. Train the model that build_model() builds (model = build_model(), then model.fit).'
    assert model.count_params() == built.count_params(), '`model` does not have the parameters of the network that build_model() returns.'

@test_case(points=None, hidden=True)
def test_model_reaches_minimum_test_accuracy(model, np, grading_seed):
    from nn_data import mnist
    (train_images, train_labels), (images, labels) = mnist.load_data()
    inputs = images.reshape(len(images), -1).astype('float32') / 255.0
    probabilities = np.asarray(model.predict(inputs, batch_size=1000, verbose=0))
    assert probabilities.shape == (len(labels), 10), f'The trained model should output 10 probabilities per test image; it output shape {probabilities.shape}.'
    accuracy = float(np.mean(probabilities.argmax(axis=1) == labels))
    assert accuracy >= 0.965, f"The trained model classifies {accuracy:.1%} of the test images correctly, which is below what this lesson's network reaches. Check the preprocessing, the layers, the compile settings and that the training cell ran."
    seen = np.random.default_rng(grading_seed).choice(48000, size=5000, replace=False)
    sample = train_images[seen].reshape(len(seen), -1).astype('float32') / 255.0
    predicted = np.asarray(model.predict(sample, batch_size=1000, verbose=0)).argmax(axis=1)
    trained_accuracy = float(np.mean(predicted == train_labels[seen]))
    assert trained_accuracy >= accuracy, f'The trained model classifies {accuracy:.1%} of the test images but only {trained_accuracy:.1%} of a sample of the training images it should have learned from: it did not learn from the training data. Train `model` with the training cell (model.fit on X_train_norm and y_train_cat).'

@test_case(points=None, hidden=True)
def test_test_acc_matches_model(test_acc, model, np):
    from nn_data import mnist
    _, (images, labels) = mnist.load_data()
    inputs = images.reshape(len(images), -1).astype('float32') / 255.0
    accuracy = float(np.mean(np.asarray(model.predict(inputs, batch_size=1000, verbose=0)).argmax(axis=1) == labels))
    assert isinstance(test_acc, (float, np.floating)) and abs(test_acc - accuracy) <= 0.005, f'test_acc is {test_acc!r}, but the trained model classifies {accuracy:.4f} of the test images correctly. Compute test_acc with model.evaluate on the normalized test data.'

