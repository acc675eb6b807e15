from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

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
        output_shape = tuple(model.output_shape)
    except (AttributeError, ValueError):
        output_shape = 'undefined'
    assert output_shape == (None, 10), f'The model should output 10 probabilities per image, with output shape (None, 10), but its output shape is {output_shape}. Did you start with keras.Input(shape=(input_dim,))?'

@test_case(points=None, hidden=True)
def test_build_model_layers(build_model):
    import keras
    model = build_model()
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    described = [(type(layer).__name__, getattr(layer, 'units', None)) for layer in layers]
    assert len(layers) == 3 and all((isinstance(layer, keras.layers.Dense) for layer in layers)), f'The model should have exactly three Dense layers; it has {described}.'
    units = [layer.units for layer in layers]
    assert units == [784, 128, 10], f'The Dense layers should have 784, 128 and 10 units; yours have {units}.'
    activations = [keras.activations.serialize(layer.activation) for layer in layers]
    activations = [a if isinstance(a, str) else a.get('config', a) for a in activations]
    assert activations == ['relu', 'relu', 'softmax'], f'The activations should be relu, relu, softmax; yours are {activations}.'
    assert tuple(model.input_shape) == (None, 784), f'The model should read vectors of 784 pixels, but its input shape is {model.input_shape}.'

@test_case(points=None, hidden=True)
def test_build_model_honours_arguments(build_model):
    model = build_model(input_dim=20, num_classes=3)
    assert tuple(model.input_shape) == (None, 20), f'build_model(input_dim=20, num_classes=3) should read 20 values per image; its input shape is {tuple(model.input_shape)}. Use the input_dim argument instead of a fixed number.'
    assert tuple(model.output_shape) == (None, 3), f'build_model(input_dim=20, num_classes=3) should output 3 classes; its output shape is {tuple(model.output_shape)}. Use the num_classes argument instead of a fixed number.'

@test_case(points=None, hidden=True)
def test_build_model_compile_settings(build_model):
    model = build_model()
    config = model.get_compile_config() or {}

    def name_of(item):
        if isinstance(item, dict):
            item = item.get('config') if item.get('class_name') == 'function' else item.get('class_name')
        return str(item).lower().replace('_', '')
    optimizer = name_of(config.get('optimizer'))
    loss = name_of(config.get('loss'))
    metrics = config.get('metrics') or []
    metrics = [name_of(m) for m in (metrics if isinstance(metrics, list) else [metrics])]
    assert optimizer == 'adam', f"Compile the model with the adam optimizer; it uses {optimizer or 'none'}."
    assert loss == 'categoricalcrossentropy', f"Compile the model with the categorical_crossentropy loss; it uses {loss or 'none'}."
    assert any((m in ('accuracy', 'acc', 'categoricalaccuracy') for m in metrics)), f"Compile the model with the accuracy metric; its metrics are {metrics or 'none'}."

@test_case(points=None, hidden=True)
def test_build_model_parameter_count(build_model):
    model = build_model()
    count = model.count_params()
    assert count == 717210, f'The model has {count} parameters; check the layer sizes in the table.'

