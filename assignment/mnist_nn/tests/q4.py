from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=None, hidden=False)
def test_build_model_returns_a_keras_model(build_model):
    import keras
    model = build_model()
    assert isinstance(model, keras.Model) and type(model).__name__ in ('Sequential', 'Functional'), f'build_model should return a keras.Sequential model (or the same stack of layers built with keras.Model(inputs, outputs)), but it returned {type(model).__name__}.'
    try:
        output_shape = tuple(model.output_shape)
    except (AttributeError, ValueError):
        output_shape = 'undefined'
    assert output_shape == (None, 10), f'The model should output 10 probabilities per image, with output shape (None, 10), but its output shape is {output_shape}. Did you start with keras.Input(shape=(input_dim,))?'

