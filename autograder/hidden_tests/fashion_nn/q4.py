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

@test_case(points=None, hidden=True)
def test_best_epoch_uses_validation_accuracy(best_epoch):
    log = {'accuracy': [0.71, 0.79, 0.83, 0.86, 0.88, 0.91], 'loss': [0.9, 0.6, 0.5, 0.4, 0.35, 0.3], 'val_accuracy': [0.74, 0.8, 0.84, 0.83, 0.82, 0.81], 'val_loss': [0.7, 0.52, 0.49, 0.47, 0.5, 0.55]}
    result = best_epoch(log)
    assert result != 6, "best_epoch returned the last epoch, where the training accuracy is highest. Use the validation accuracy, log['val_accuracy']."
    assert result != 4, 'best_epoch chose the epoch with the lowest validation loss; use the validation accuracy.'
    assert result == 3, f"best_epoch returned {result!r} for a history whose validation accuracy peaks earlier or later. Return the position of the highest value of log['val_accuracy'], counting from 1."

@test_case(points=None, hidden=True)
def test_best_epoch_counts_from_one_and_breaks_ties_early(best_epoch, np):
    cases = [({'accuracy': [0.8, 0.85, 0.87, 0.88], 'val_accuracy': [0.9, 0.86, 0.87, 0.88]}, 1), ({'accuracy': [0.8, 0.85, 0.87, 0.88], 'val_accuracy': [0.8, 0.86, 0.86, 0.85]}, 2), ({'accuracy': [0.6], 'val_accuracy': [0.65]}, 1), ({'accuracy': [0.5] * 12, 'val_accuracy': [0.5 + 0.01 * i for i in range(12)]}, 12)]
    for log, expected in cases:
        result = best_epoch(log)
        assert result == expected, f"best_epoch returned {result!r} for a history of {len(log['val_accuracy'])} epoch(s). Count epochs from 1 (add 1 to the position) and, when two epochs tie, return the earlier one (np.argmax does)."

@test_case(points=None, hidden=True)
def test_best_epoch_of_your_own_training(best, log, np):
    assert isinstance(log, dict) and 'val_accuracy' in log, '`log` should be history.history from training with validation_split=0.2, so that it records val_accuracy.'
    values = np.asarray(log['val_accuracy'], dtype=float)
    assert values.ndim == 1 and len(values) >= 1, "log['val_accuracy'] should hold one value per epoch."
    assert isinstance(best, (int, np.integer)) and (not isinstance(best, (bool, np.bool_))) and (best == int(np.argmax(values)) + 1), f'best is {best!r}, which is not the epoch with the highest validation accuracy of your own training.'

@test_case(points=None, hidden=True)
def test_best_epoch_leaves_log_unchanged(best_epoch, np):
    history = {'accuracy': [0.71, 0.8, 0.84], 'loss': [0.8, 0.55, 0.45], 'val_accuracy': [0.76, 0.83, 0.82], 'val_loss': [0.62, 0.47, 0.5]}
    kinds = [({key: list(values) for key, values in history.items()}, True), ({key: np.array(values) for key, values in history.items()}, False)]

    def unchanged(after, before):
        if type(after) is not dict or set(after) != set(before):
            return False
        for key, values in before.items():
            got = after[key]
            if isinstance(values, np.ndarray):
                same = isinstance(got, np.ndarray) and got.dtype == values.dtype and (got.shape == values.shape) and np.array_equal(got, values)
            else:
                same = type(got) is list and len(got) == len(values) and all((type(a) is float and a == b for a, b in zip(got, values)))
            if not same:
                return False
        return True
    for log, required in kinds:
        original = {key: values.copy() for key, values in log.items()}
        kind = type(original['val_accuracy']).__name__
        try:
            result = best_epoch(log)
        except Exception:
            if required:
                raise
            continue
        log_after = getattr(best_epoch, 'arguments_after_call', (log,))[0]
        assert not required or (isinstance(result, (int, np.integer)) and (not isinstance(result, (bool, np.bool_)))), f'best_epoch should return an int, but it returned {type(result).__name__}.'
        assert unchanged(log_after, original), f'best_epoch changed its argument `log` (its measures given as {kind}). Read the history without changing it: no sort, insert, append, pop or reverse on its lists, no in-place arithmetic on its arrays.'

