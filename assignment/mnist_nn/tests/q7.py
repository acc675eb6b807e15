from otter.test_files import test_case

OK_FORMAT = False

name = "q7"
points = 3

@test_case(points=None, hidden=False)
def test_test_acc_is_a_fraction(test_acc, np):
    assert isinstance(test_acc, (float, np.floating)) and 0.0 <= test_acc <= 1.0, f'test_acc should be a float between 0 and 1, but it is {test_acc!r} ({type(test_acc).__name__}).'

