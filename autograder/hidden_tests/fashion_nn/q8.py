from otter.test_files import test_case

OK_FORMAT = False

name = "q8"
points = 3

@test_case(points=None, hidden=False)
def test_deeper_model_answers_have_the_right_types(build_deeper_model, model2_total_params, model2_improved, np):
    import keras
    model = build_deeper_model()
    assert isinstance(model, keras.Model) and type(model).__name__ in ('Sequential', 'Functional'), f'build_deeper_model should return a keras.Sequential model (or the same stack of layers built with keras.Model(inputs, outputs)), not {type(model).__name__}.'
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    try:
        chain = len({id(layer) for layer in layers}) == len(layers) and (not any((isinstance(layer, keras.Model) for layer in layers)))
        if type(model).__name__ == 'Functional':
            outputs = [model.layers[0].output] + [layer.output for layer in layers]
            chain = chain and len(model.inputs) == 1 and (len(model.outputs) == 1) and (model.outputs[0] is outputs[-1]) and all((layer.input is before for before, layer in zip(outputs, layers)))
    except (AttributeError, ValueError):
        chain = False
    assert chain, 'build_deeper_model should return one stack of layers from keras.Input to the output, each layer used once: no branches, no model inside the model, no functions such as keras.ops between layers. The grader reads only such models.'
    assert isinstance(model2_total_params, (int, np.integer)) and (not isinstance(model2_total_params, (bool, np.bool_))), f'model2_total_params should be an integer, not {type(model2_total_params).__name__}.'
    assert isinstance(model2_improved, (bool, np.bool_)), f'model2_improved should be True or False, not {type(model2_improved).__name__}.'

@test_case(points=None, hidden=True)
def test_deeper_model_layers_and_compile(build_deeper_model):
    import keras
    model = build_deeper_model()
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    described = [f'Dropout({layer.rate})' if isinstance(layer, keras.layers.Dropout) else f"{type(layer).__name__}({getattr(layer, 'units', '')})" for layer in layers]
    assert described == ['Dense(128)', 'Dropout(0.2)', 'Dense(64)', 'Dense(10)'], f'The deeper model should be Dense(128), Dropout(0.2), Dense(64), Dense(10); yours is {described}.'
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    activations = [keras.activations.serialize(layer.activation) for layer in dense]
    activations = [a if isinstance(a, str) else a.get('config', a) for a in activations]
    assert activations == ['relu', 'relu', 'softmax'], f'The activations should be relu, relu, softmax; yours are {activations}.'
    config = model.get_compile_config() or {}

    def name_of(item):
        if isinstance(item, dict):
            item = item.get('config') if item.get('class_name') == 'function' else item.get('class_name')
        return str(item).lower().replace('_', '')
    metrics = [name_of(m) for m in config.get('metrics') or []]
    settings = (name_of(config.get('optimizer')), name_of(config.get('loss')))
    assert settings == ('adam', 'categoricalcrossentropy') and any((m in ('accuracy', 'acc', 'categoricalaccuracy') for m in metrics)), f'Compile the deeper model like build_model (adam, categorical_crossentropy, accuracy); it uses {settings[0]}, {settings[1]} and metrics {metrics}.'
    other = build_deeper_model(input_dim=20, num_classes=3)
    assert tuple(other.input_shape) == (None, 20) and tuple(other.output_shape) == (None, 3), 'build_deeper_model should use its input_dim and num_classes arguments.'

@test_case(points=None, hidden=True)
def test_deeper_model_parameter_count(build_deeper_model, model2_total_params, np):
    model = build_deeper_model()
    assert model.count_params() == 109386, "The deeper model's parameter count is wrong; check the layer sizes."
    assert isinstance(model2_total_params, (int, np.integer)) and model2_total_params == 109386, f'model2_total_params is {model2_total_params!r}, which is not the number of trainable parameters of the deeper model. Apply m * k + k to each Dense layer; a Dropout layer has no parameters and does not change the width.'

@test_case(points=None, hidden=True)
def test_model2_is_the_network_build_deeper_model_builds(model2, build_deeper_model):
    import keras

    def layers_of(network):
        return [(type(layer).__name__, getattr(layer, 'units', None), getattr(layer, 'rate', None), keras.activations.serialize(layer.activation) if hasattr(layer, 'activation') else None) for layer in network.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert isinstance(model2, keras.Model), 'There is no trained model called `model2`; run the cell that trains it.'
    built = build_deeper_model()
    assert layers_of(model2) == layers_of(built) and tuple(model2.input_shape) == tuple(built.input_shape), '`model2` is not the network that build_deeper_model() returns: its layers, their sizes, rates or activations, or its input differ. Train the model that build_deeper_model() builds (model2 = build_deeper_model()).'
    assert model2.count_params() == built.count_params(), '`model2` does not have the parameters of the network that build_deeper_model() returns.'

@test_case(points=None, hidden=True)
def test_deeper_model_trained_and_compared(model2, model, test_acc, test_acc2, model2_improved, np, grading_seed):
    import keras
    from nn_data import fashion_mnist
    assert isinstance(model2, keras.Model), 'There is no trained model called `model2`; run the cell that trains it.'
    assert model2 is not model, '`model2` is `model` itself: train the network of build_deeper_model() as model2.'
    assert model2.count_params() != model.count_params() or not all((np.array_equal(a, b) for a, b in zip(model2.get_weights(), model.get_weights()))), '`model2` has exactly the weights of `model`: train model2 itself.'
    (train_images, train_labels), (images, labels) = fashion_mnist.load_data()
    inputs = images.reshape(len(images), -1).astype('float32') / 255.0
    accuracy = float(np.mean(np.asarray(model2.predict(inputs, batch_size=1000, verbose=0)).argmax(axis=1) == labels))
    assert accuracy >= 0.85, f'The trained model2 classifies {accuracy:.1%} of the test pictures correctly, which is below what this network reaches. Train it on the prepared images for EPOCHS epochs, like the first model.'
    seen = np.random.default_rng(grading_seed).choice(48000, size=5000, replace=False)
    sample = train_images[seen].reshape(len(seen), -1).astype('float32') / 255.0
    predicted = np.asarray(model2.predict(sample, batch_size=1000, verbose=0)).argmax(axis=1)
    trained_accuracy = float(np.mean(predicted == train_labels[seen]))
    assert trained_accuracy >= accuracy, f'model2 classifies {accuracy:.1%} of the test pictures but only {trained_accuracy:.1%} of a sample of the training pictures it should have learned from: it did not learn from the training data. Train model2 with its training cell (model2.fit on X_train_norm and y_train_cat).'
    assert isinstance(test_acc2, (float, np.floating)) and abs(test_acc2 - accuracy) <= 0.005, 'test_acc2 does not match the accuracy of model2 on the test set.'
    assert isinstance(model2_improved, (bool, np.bool_)) and model2_improved == (test_acc2 > test_acc), f'model2_improved is {model2_improved!r}, but your measured accuracies are {test_acc!r} (model) and {test_acc2!r} (model2).'

