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

