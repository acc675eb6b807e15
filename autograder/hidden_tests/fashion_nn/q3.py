from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 2

@test_case(points=None, hidden=False)
def test_build_model_returns_a_keras_model(build_model):
    import keras
    model = build_model()
    assert isinstance(model, keras.Model) and type(model).__name__ in ('Sequential', 'Functional'), f'build_model should return a keras.Sequential model (or the same stack of layers built with keras.Model(inputs, outputs)), but it returned {type(model).__name__}.'
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    try:
        chain = len({id(layer) for layer in layers}) == len(layers) and (not any((isinstance(layer, keras.Model) for layer in layers)))
        if type(model).__name__ == 'Functional':
            outputs = [model.layers[0].output] + [layer.output for layer in layers]
            chain = chain and len(model.inputs) == 1 and (len(model.outputs) == 1) and (model.outputs[0] is outputs[-1]) and all((layer.input is before for before, layer in zip(outputs, layers)))
    except (AttributeError, ValueError):
        chain = False
    assert chain, 'build_model should return one stack of layers from keras.Input to the output, each layer used once: no branches, no model inside the model, no functions such as keras.ops between layers. The grader reads only such models.'
    try:
        shapes = (tuple(model.input_shape), tuple(model.output_shape))
    except (AttributeError, ValueError):
        shapes = 'undefined'
    assert shapes == ((None, 784), (None, 10)), f'build_model() should read vectors of 784 values and output 10 probabilities: input and output shapes (None, 784) and (None, 10). Yours are {shapes}. Did you start with keras.Input(shape=(input_dim,))?'

@test_case(points=None, hidden=False)
def test_total_params_is_an_int(total_params, np):
    assert isinstance(total_params, (int, np.integer)) and (not isinstance(total_params, (bool, np.bool_))), f'total_params should be an integer, but it is {type(total_params).__name__}.'

@test_case(points=None, hidden=True)
def test_build_model_layers_and_activations(build_model):
    import keras
    model = build_model()
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    described = [(type(layer).__name__, getattr(layer, 'units', None)) for layer in layers]
    assert len(layers) == 2 and all((isinstance(layer, keras.layers.Dense) for layer in layers)), f'build_model() should have exactly two Dense layers (hidden and output); it has {described}.'
    assert [layer.units for layer in layers] == [128, 10], f'With the default arguments the Dense layers should have 128 and 10 units; yours have {described}.'
    activations = [keras.activations.serialize(layer.activation) for layer in layers]
    activations = [a if isinstance(a, str) else a.get('config', a) for a in activations]
    assert activations == ['relu', 'softmax'], f'The activations should be relu then softmax; yours are {activations}.'

@test_case(points=None, hidden=True)
def test_build_model_honours_its_arguments(build_model):
    model = build_model(hidden_units=32, input_dim=20, num_classes=3)
    assert tuple(model.input_shape) == (None, 20), f'build_model(hidden_units=32, input_dim=20, num_classes=3) should read 20 values; its input shape is {tuple(model.input_shape)}. Use the input_dim argument.'
    assert tuple(model.output_shape) == (None, 3), f'build_model(hidden_units=32, input_dim=20, num_classes=3) should output 3 classes; its output shape is {tuple(model.output_shape)}. Use the num_classes argument.'
    assert model.count_params() == 20 * 32 + 32 + 32 * 3 + 3, 'build_model(hidden_units=32, ...) does not have a hidden layer of 32 units. Use the hidden_units argument.'

@test_case(points=None, hidden=True)
def test_build_model_compile_settings(build_model):
    model = build_model()
    config = model.get_compile_config() or {}

    def name_of(item):
        if isinstance(item, dict):
            item = item.get('config') if item.get('class_name') == 'function' else item.get('class_name')
        return str(item).lower().replace('_', '')
    metrics = config.get('metrics') or []
    metrics = [name_of(m) for m in (metrics if isinstance(metrics, list) else [metrics])]
    settings = (name_of(config.get('optimizer')), name_of(config.get('loss')))
    assert settings == ('adam', 'categoricalcrossentropy') and any((m in ('accuracy', 'acc', 'categoricalaccuracy') for m in metrics)), f"Compile the model with optimizer adam, loss categorical_crossentropy and metric accuracy; yours uses {settings[0]}, {settings[1]} and metrics {metrics or 'none'}."

@test_case(points=None, hidden=True)
def test_total_params_value(total_params, model, np):
    import keras
    assert isinstance(model, keras.Model) and model.count_params() == 101770, 'Your `model` does not have the parameters of build_model(): check the layer sizes and the cell that creates `model`.'
    assert isinstance(total_params, (int, np.integer)) and total_params == model.count_params(), f'total_params is {total_params!r}, which is not the number of trainable parameters of your model. Apply m * k + k to each Dense layer and add them up.'

