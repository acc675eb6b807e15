from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 2

@test_case(points=None, hidden=False)
def test_build_model_returns_a_keras_model(build_model):
    import keras
    model = build_model()
    assert isinstance(model, keras.Model) and type(model).__name__ in ('Sequential', 'Functional'), f'build_model should return a keras.Sequential model (or the same stack of layers built with keras.Model(inputs, outputs)), but it returned {type(model).__name__}.'
    try:
        shapes = (tuple(model.input_shape), tuple(model.output_shape))
    except (AttributeError, ValueError):
        shapes = 'undefined'
    assert shapes == ((None, 784), (None, 10)), f'build_model() should read vectors of 784 values and output 10 probabilities: input and output shapes (None, 784) and (None, 10). Yours are {shapes}. Did you start with keras.Input(shape=(input_dim,))?'

@test_case(points=None, hidden=False)
def test_total_params_is_an_int(total_params, np):
    assert isinstance(total_params, (int, np.integer)) and (not isinstance(total_params, (bool, np.bool_))), f'total_params should be an integer, but it is {type(total_params).__name__}.'

