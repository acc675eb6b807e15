from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 1

@test_case(points=None, hidden=False)
def test_total_params_is_an_int(total_params, np):
    assert isinstance(total_params, (int, np.integer)) and (not isinstance(total_params, (bool, np.bool_))), f'total_params should be an integer, but it is {type(total_params).__name__}.'

@test_case(points=None, hidden=True)
def test_total_params_value(total_params, np):
    assert isinstance(total_params, (int, np.integer)) and total_params == 717210, 'total_params is not the number of trainable parameters of the model. Apply m * k + k to each of the three Dense layers and add them up.'

