from otter.test_files import test_case

OK_FORMAT = False

name = "q8"
points = 3

@test_case(points=None, hidden=False)
def test_deeper_model_answers_have_the_right_types(build_deeper_model, model2_total_params, model2_improved, np):
    import keras
    model = build_deeper_model()
    assert isinstance(model, keras.Model) and type(model).__name__ in ('Sequential', 'Functional'), f'build_deeper_model should return a keras.Sequential model (or the same stack of layers built with keras.Model(inputs, outputs)), not {type(model).__name__}.'
    assert isinstance(model2_total_params, (int, np.integer)) and (not isinstance(model2_total_params, (bool, np.bool_))), f'model2_total_params should be an integer, not {type(model2_total_params).__name__}.'
    assert isinstance(model2_improved, (bool, np.bool_)), f'model2_improved should be True or False, not {type(model2_improved).__name__}.'

