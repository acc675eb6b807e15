from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 2

@test_case(points=None, hidden=False)
def test_overfitting_gap_small_example(overfitting_gap, np):
    result = overfitting_gap({'accuracy': [0.8, 0.9], 'val_accuracy': [0.82, 0.85]})
    assert isinstance(result, (float, np.floating)), f'overfitting_gap should return a float, not {type(result).__name__}.'
    assert abs(result - 0.05) < 1e-09, f'For final accuracies 0.90 (training) and 0.85 (validation) the gap is 0.05, but overfitting_gap returned {result!r}.'

