from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=None, hidden=False)
def test_best_epoch_small_example(best_epoch, np):
    log = {'accuracy': [0.7, 0.8, 0.9], 'val_accuracy': [0.75, 0.82, 0.8]}
    result = best_epoch(log)
    assert isinstance(result, (int, np.integer)) and (not isinstance(result, (bool, np.bool_))), f'best_epoch should return an int, but it returned {type(result).__name__}.'
    assert result == 2, f'For validation accuracies [0.75, 0.82, 0.80], the best epoch is 2 (counting from 1), but best_epoch returned {result}.'

