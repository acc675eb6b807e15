from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 2

@test_case(points=None, hidden=False)
def test_overfitting_gap_small_example(overfitting_gap, np):
    result = overfitting_gap({'accuracy': [0.8, 0.9], 'val_accuracy': [0.82, 0.85]})
    assert isinstance(result, (float, np.floating)), f'overfitting_gap should return a float, not {type(result).__name__}.'
    assert abs(result - 0.05) < 1e-09, f'For final accuracies 0.90 (training) and 0.85 (validation) the gap is 0.05, but overfitting_gap returned {result!r}.'

@test_case(points=None, hidden=True)
def test_overfitting_gap_uses_the_last_epoch_and_keeps_the_sign(overfitting_gap, np):
    cases = [({'accuracy': [0.7, 0.85, 0.93, 0.97], 'val_accuracy': [0.72, 0.86, 0.88, 0.87], 'loss': [0.9, 0.5, 0.3, 0.1], 'val_loss': [0.8, 0.5, 0.45, 0.5]}, 0.1), ({'accuracy': [0.78, 0.84], 'val_accuracy': [0.83, 0.86]}, -0.02), ({'accuracy': [0.6], 'val_accuracy': [0.6]}, 0.0)]
    for log, expected in cases:
        result = overfitting_gap(log)
        assert isinstance(result, (float, np.floating)) and abs(result - expected) < 1e-09, f"overfitting_gap returned {result!r} for a history of {len(log['accuracy'])} epoch(s). Subtract the last validation accuracy from the last training accuracy, in that order and without absolute value."

@test_case(points=None, hidden=True)
def test_overfitting_gap_of_your_own_training(gap, log, np):
    assert isinstance(log, dict) and 'accuracy' in log and ('val_accuracy' in log), '`log` should be history.history from training with validation_split=0.2.'
    expected = float(log['accuracy'][-1]) - float(log['val_accuracy'][-1])
    assert isinstance(gap, (float, np.floating)) and abs(float(gap) - expected) < 1e-06, f'gap is {gap!r}, but the last training and validation accuracies of your own log differ by another amount.'

@test_case(points=None, hidden=True)
def test_overfitting_gap_leaves_log_unchanged(overfitting_gap, np):
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
            result = overfitting_gap(log)
        except Exception:
            if required:
                raise
            continue
        log_after = getattr(overfitting_gap, 'arguments_after_call', (log,))[0]
        assert not required or isinstance(result, (float, np.floating)), f'overfitting_gap should return a float, but it returned {type(result).__name__}.'
        assert unchanged(log_after, original), f'overfitting_gap changed its argument `log` (its measures given as {kind}). Read the history without changing it: no sort, insert, append, pop or reverse on its lists, no in-place arithmetic on its arrays.'

