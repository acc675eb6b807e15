from otter.test_files import test_case

OK_FORMAT = False

name = "q7"
points = 2

@test_case(points=None, hidden=False)
def test_test_acc_is_a_fraction(test_acc, model, np):
    import keras
    assert isinstance(model, keras.Model), 'There is no trained model called `model`; run the training cell.'
    assert isinstance(test_acc, (float, np.floating)) and 0.0 <= test_acc <= 1.0, f'test_acc should be a float between 0 and 1, but it is {test_acc!r} ({type(test_acc).__name__}).'

@test_case(points=None, hidden=True)
def test_model_reaches_minimum_test_accuracy(model, np):
    from nn_data import fashion_mnist
    _, (images, labels) = fashion_mnist.load_data()
    inputs = images.reshape(len(images), -1).astype('float32') / 255.0
    probabilities = np.asarray(model.predict(inputs, batch_size=1000, verbose=0))
    assert probabilities.shape == (len(labels), 10), f'The trained model should output 10 probabilities per test picture; it output shape {probabilities.shape}.'
    accuracy = float(np.mean(probabilities.argmax(axis=1) == labels))
    assert accuracy >= 0.84, f'The trained model classifies {accuracy:.1%} of the test pictures correctly, which is below what this network reaches. Check prepare_images, build_model, the compile settings and that the training cell ran.'

@test_case(points=None, hidden=True)
def test_test_acc_matches_model(test_acc, model, np):
    from nn_data import fashion_mnist
    _, (images, labels) = fashion_mnist.load_data()
    inputs = images.reshape(len(images), -1).astype('float32') / 255.0
    accuracy = float(np.mean(np.asarray(model.predict(inputs, batch_size=1000, verbose=0)).argmax(axis=1) == labels))
    assert isinstance(test_acc, (float, np.floating)) and abs(test_acc - accuracy) <= 0.005, f'test_acc is {test_acc!r}, but the trained model classifies {accuracy:.4f} of the test pictures correctly. Compute test_acc with model.evaluate on the prepared test data.'

