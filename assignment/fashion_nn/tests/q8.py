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

