"""Calibrate the minimum test accuracies that an assignment's hidden tests require.

Trains the reference networks of the assignment's master notebook exactly as its notebook does
(float32 inputs in [0, 1], validation_split=0.2, batch 128, the notebook's number of epochs) once
per seed, and a few networks that barely learn, then writes a table to benchmarks/results/:

* ``mnist_nn`` (questions q7, q8): ``build_model`` and ``build_deeper_model``, 5 epochs, on MNIST;
  results in ``accuracy_calibration.md/.json``;
* ``fashion_nn`` (questions q7, q8): ``build_model`` and ``build_deeper_model``, 8 epochs, on
  Fashion-MNIST; results in ``fashion_accuracy_calibration.md/.json``.

    python -m benchmarks.calibrate_accuracy --seeds 10                        # MNIST
    python -m benchmarks.calibrate_accuracy --assignment fashion_nn --seeds 10
    python -m benchmarks.calibrate_accuracy --assignment fashion_nn --report-only  # after editing a threshold

The Fashion-MNIST report also compares the thresholds written in the master notebook's hidden tests
with the measured accuracies.

**Any assignment** (``--measure``): the reference solution notebook itself runs once per seed, as
students run it (its public tests and files beside it, the grader's seeding before the first cell,
and every ``SEED = <n>`` line of the notebook set to the seed), and each measure, a Python
expression in the notebook's own names, is evaluated at its end; the report gives, per measure, the
values per seed, their min, mean, max and standard deviation, and the minimums the hidden tests
compare with (``x >= 0.9``). Nothing here knows the assignment: it needs only its built reference.

    python -m benchmarks.calibrate_accuracy --assignment digits_nn --seeds 10 --measure test_acc
    python -m benchmarks.calibrate_accuracy --assignment mnist_nn --seeds 3 \
        --measure test_acc --measure "model2_acc=model2.evaluate(X_test_norm, y_test_cat, verbose=0)[1]"

Results go to ``benchmarks/results/<assignment>_threshold_calibration.md/.json``. Then set each
threshold below the worst seed by several standard deviations and above what a network that barely
learns reaches (measure one by editing a copy of the master, e.g. one epoch), and say so in the test.

Training times are wall-clock times on this machine, inflated when other work runs at the same time.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from autograder.course.assignments import Assignment, get_assignment
from autograder.course.data import data_module
from autograder.course.master import reference_namespace
from autograder.course.paths import REPO

RESULTS = REPO / "benchmarks" / "results"


@dataclass(frozen=True)
class Calibration:
    """What to train for one assignment, and where its results go."""

    epochs: int  # as in the notebook's training cells
    results_stem: str
    weak_models: tuple[str, ...]  # the reference builders whose barely-learning versions are measured
    extended: bool  # also: one epoch on all the data, who wins, and the notebook's thresholds against all this


CALIBRATIONS = {
    "mnist_nn": Calibration(5, "accuracy_calibration", ("build_model",), False),
    "fashion_nn": Calibration(8, "fashion_accuracy_calibration", ("build_model", "build_deeper_model"), True),
}
MODELS = {"model": "build_model", "model2": "build_deeper_model"}  # notebook name -> builder, in both assignments
SAMPLE = 5000  # training images the learned-from-training check draws (the master notebooks' checks)
THRESHOLD_TESTS = {"model": "test_model_reaches_minimum_test_accuracy", "model2": "test_deeper_model_trained_and_compared"}
LABELS = {"build_model": "reference", "build_deeper_model": "deeper reference"}


def prepared_data(dataset: str):
    (x_train, y_train), (x_test, y_test) = getattr(data_module(), dataset).load_data()
    flat = lambda x: x.reshape(len(x), -1).astype("float32") / 255.0  # noqa: E731
    return flat(x_train), y_train, flat(x_test), y_test


def test_accuracy(model, x_test, y_test) -> float:
    return float(np.mean(model.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1) == y_test))


def trained_part(x_train, y_train):
    """The images `fit(..., validation_split=0.2)` trains on: all but the last 20%."""
    kept = len(x_train) - int(len(x_train) * 0.2)
    return x_train[:kept], y_train[:kept]


def train(builder, seed, x_train, y_train, **fit):
    """A reference network trained as the notebook trains it, and its training time."""
    import keras

    keras.utils.set_random_seed(seed)
    model = builder()
    start = time.perf_counter()
    targets = keras.utils.to_categorical(y_train, 10)
    model.fit(x_train, targets, verbose=0, **{"validation_split": 0.2, "epochs": 5, "batch_size": 128, **fit})
    return model, time.perf_counter() - start


def train_and_score(builder, seed, x_train, y_train, x_test, y_test, **fit) -> tuple[float, float]:
    model, seconds = train(builder, seed, x_train, y_train, **fit)
    return test_accuracy(model, x_test, y_test), seconds


def lookup_table(x_test, y_test, kind: str):
    """The review's network that never trains: a Dense softmax layer with one unit per test image, then a Dense
    layer holding their one-hot labels. `kind` "l2": the unit of the nearest image (squared distance) wins;
    "cosine": the unit of the image at the smallest angle."""
    import keras

    scale = 50.0  # softmax of scaled scores: all but certainly the best unit
    if kind == "cosine":
        weights, bias = x_test / np.linalg.norm(x_test, axis=1, keepdims=True), np.zeros(len(x_test))
    else:  # x.t - |t|^2 / 2 is largest for the t nearest to x
        weights, bias = x_test, -0.5 * np.sum(x_test.astype("float64") ** 2, axis=1)
    model = keras.Sequential([
        keras.Input(shape=(x_test.shape[1],)),
        keras.layers.Dense(len(x_test), activation="softmax"),
        keras.layers.Dense(10),
    ])  # fmt: skip
    model.set_weights([(weights.T * scale).astype("float32"), (bias * scale).astype("float32"),
                       np.eye(10, dtype="float32")[y_test], np.zeros(10, "float32")])  # fmt: skip
    return model


def stores_the_test_set(ref, calibration, x_train, y_train, x_test, y_test) -> dict[str, dict[str, float]]:
    """Networks that learned the test set instead of the training images: what the learned-from-training check
    must reject. Each: its accuracy on the test images and on the training images the notebook trains on."""
    x_seen, y_seen = trained_part(x_train, y_train)
    found = {}
    for key, builder in MODELS.items():
        model, _ = train(ref[builder], 0, x_test, y_test, epochs=calibration.epochs)
        found[f"{key} ({builder}) trained on the test images"] = model
    found["lookup table of the test images (nearest, squared distance)"] = lookup_table(x_test, y_test, "l2")
    found["lookup table of the test images (nearest, angle)"] = lookup_table(x_test, y_test, "cosine")
    return {
        name: {"test": test_accuracy(model, x_test, y_test), "trained": test_accuracy(model, x_seen, y_seen)}
        for name, model in found.items()
    }


def weak_networks(ref, calibration, x_train, y_train, x_test, y_test) -> dict[str, float]:
    """Networks that barely learn: what the thresholds must reject."""
    weak, n = {}, len(x_train) // 100
    for builder_name in calibration.weak_models:
        build, label = ref[builder_name], LABELS[builder_name]
        weak[f"{label}, 1 epoch on 1% of the data"] = train_and_score(
            build, 0, x_train[:n], y_train[:n], x_test, y_test, epochs=1)[0]  # fmt: skip
        weak[f"{label}, 1 epoch on 5% of the data"] = train_and_score(
            build, 0, x_train[: 5 * n], y_train[: 5 * n], x_test, y_test, epochs=1)[0]  # fmt: skip
        weak[f"{label}, raw 0-255 pixels, 1 epoch"] = train_and_score(
            build, 0, x_train * 255.0, y_train, x_test * 255.0, y_test, epochs=1)[0]  # fmt: skip
        weak[f"untrained {label}"] = test_accuracy(build(), x_test, y_test)
    return weak


def single_epoch(ref, *data) -> dict[str, float]:
    """Each reference network after one epoch on all the data (trained, but far less than asked)."""
    return {
        f"{LABELS[builder]}, 1 epoch on all the data": train_and_score(ref[builder], 0, *data, epochs=1)[0]
        for builder in MODELS.values()
    }


def notebook_thresholds(assignment: Assignment) -> dict[str, float]:
    """The minimum accuracies the master notebook's hidden tests require, per network."""
    found = {}
    for cell in nbformat.read(assignment.master, as_version=4).cells:
        for key, test in THRESHOLD_TESTS.items():
            match = re.search(r"accuracy >= ([0-9.]+)", cell.source) if f"def {test}(" in cell.source else None
            if match:
                found[key] = float(match.group(1))
    return found


def threshold_lines(rows: list[dict], weak: dict, extra: dict, thresholds: dict[str, float]) -> list[str]:
    lines = [
        "\n| network | threshold in the notebook | min over seeds | margin below the min | best network that barely "
        "learns | margin above it | 1 epoch on all the data |",
        "|---|---|---|---|---|---|---|",
    ]
    best_weak = max(weak.values())
    for (key, builder), one_epoch in zip(MODELS.items(), extra.values(), strict=True):
        low = min(r[key] for r in rows)
        threshold = thresholds.get(key, float("nan"))
        lines.append(
            f"| {key} ({builder}) | {threshold:.3f} | {low:.4f} | {low - threshold:.4f} | {best_weak:.4f} | "
            f"{threshold - best_weak:.4f} | {one_epoch:.4f} ({'passes' if one_epoch >= threshold else 'fails'}) |"
        )
    return lines


def learned_lines(rows: list[dict], stored: dict[str, dict[str, float]]) -> list[str]:
    """What the learned-from-training check reads: accuracy on the images the notebook trains on, and how far
    it stands above the test accuracy, for the reference networks and for networks that learned the test set."""
    lines = ["\n| network | trained images acc (min over seeds) | trained - test (min over seeds) |", "|---|---|---|"]
    for key in MODELS:
        if rows and f"{key}_trained" in rows[0]:
            low = min(r[f"{key}_trained"] for r in rows)
            gap = min(r[f"{key}_trained"] - r[key] for r in rows)
            lines.append(f"| reference {key} | {low:.4f} | {gap:+.4f} |")
    lines += ["\n| network that learned the test set | test acc | trained images acc | trained - test |", "|---|---|---|---|"]
    lines += [f"| {name} | {acc['test']:.4f} | {acc['trained']:.4f} | {acc['trained'] - acc['test']:+.4f} |"
              for name, acc in stored.items()]  # fmt: skip
    if rows and "model_trained" in rows[0] and stored:
        honest = min(r[f"{key}_trained"] - r[key] for r in rows for key in MODELS)
        spread = max(np.sqrt(r[f"{key}_trained"] * (1 - r[f"{key}_trained"]) / SAMPLE) for r in rows for key in MODELS)
        worst = max(acc["trained"] - acc["test"] for acc in stored.values())
        lines.append(
            f"\nThe check (q7, q8) requires accuracy on {SAMPLE:,} of the trained images >= test accuracy: the reference's "
            f"smallest margin is {honest:+.4f} ({honest / spread:.1f} standard deviations of such a sample), the best "
            f"network that learned the test set stands at {worst:+.4f}."
        )
    return lines


def write_results(
    calibration: Calibration, rows: list[dict], weak: dict, extra: dict, thresholds: dict, stored: dict
) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"seeds": rows, "weak": weak, "stores_the_test_set": stored}
    if calibration.extended:
        payload.update(epochs=calibration.epochs, one_epoch=extra, thresholds=thresholds)
    (RESULTS / f"{calibration.results_stem}.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        "| seed | model test acc | trained images | train time (s) | model2 test acc | trained images | train time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['seed']} | {r['model']:.4f} | {r.get('model_trained', float('nan')):.4f} | {r['model_s']:.1f} | "
        f"{r['model2']:.4f} | {r.get('model2_trained', float('nan')):.4f} | {r['model2_s']:.1f} |"
        for r in rows
    ]
    for key in MODELS:
        values = [r[key] for r in rows]
        summary = f"min {min(values):.4f}, mean {np.mean(values):.4f}, max {max(values):.4f}, sd {np.std(values):.4f}"
        lines.append(f"\n{key}: {summary}")
    if calibration.extended:
        wins = sum(r["model2"] > r["model"] for r in rows)
        lines.append(f"\nmodel2 beat model on {wins} of {len(rows)} seeds.")
    lines += learned_lines(rows, stored)
    lines.append("\n| network that barely learns | test acc |\n|---|---|")
    lines += [f"| {name} | {acc:.4f} |" for name, acc in weak.items()]
    if calibration.extended:
        lines.append(f"\n| trained for 1 epoch instead of {calibration.epochs} | test acc |\n|---|---|")
        lines += [f"| {name} | {acc:.4f} |" for name, acc in extra.items()]
        lines += threshold_lines(rows, weak, extra, thresholds)
    (RESULTS / f"{calibration.results_stem}.md").write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------- any assignment: its reference, once per seed

MEASURED = "CALIBRATION-MEASURES "  # the line the measuring cell prints


def seeded(notebook: nbformat.NotebookNode, seed: int, seed_variable: str) -> nbformat.NotebookNode:
    """A copy of the reference whose seeding uses `seed`: the grader's own preamble, and the notebook's SEED lines."""
    from autograder.engine.pipeline import preamble

    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    line = re.compile(rf"^(\s*){re.escape(seed_variable)}\s*=\s*\d+\s*$", re.MULTILINE)
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = line.sub(rf"\g<1>{seed_variable} = {seed}", cell.source)
    copy.cells.insert(0, nbformat.v4.new_code_cell(preamble(seed)))
    return copy


def measuring_cell(measures: dict[str, str]) -> nbformat.NotebookNode:
    code = (
        "__import__('builtins').print(" + repr(MEASURED) + " + __import__('json').dumps("
        "{name: float(eval(expression)) for name, expression in " + repr(list(measures.items())) + "}))"
    )
    return nbformat.v4.new_code_cell(code)


def run_reference(assignment: Assignment, seed: int, measures: dict[str, str]) -> dict[str, float]:
    """Execute the assignment's reference solution with `seed`; the measures' values at its end."""
    from autograder.course.build import execute_as_students_run

    notebook = seeded(nbformat.read(assignment.solution, as_version=4), seed, assignment.config().get("seed_variable", "SEED"))
    notebook.cells.append(measuring_cell(measures))
    execute_as_students_run(assignment, notebook, assignment.public_tests, timeout=1800)
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs if o.get("output_type") == "stream")
    return json.loads(printed.split(MEASURED, 1)[1].splitlines()[0])


def hidden_minimums(assignment: Assignment) -> list[str]:
    """The `name >= number` comparisons of the hidden tests (the thresholds to calibrate), as written."""
    found = []
    for path in sorted(assignment.hidden_tests.glob("q*.py")):
        found += [f"{path.stem}: {m.group(0)}" for m in re.finditer(r"[\w\].)]+\s*>=?\s*0?\.\d+", path.read_text())]
    return found


def calibrate_any(assignment: Assignment, seeds: int, measures: dict[str, str], results: Path = RESULTS) -> Path:
    rows = []
    for seed in range(seeds):
        started = time.perf_counter()
        rows.append({"seed": seed, **run_reference(assignment, seed, measures), "seconds": time.perf_counter() - started})
        print(f"seed {seed}: " + ", ".join(f"{k} {rows[-1][k]:.4f}" for k in measures) + f" ({rows[-1]['seconds']:.0f} s)",
              flush=True)
    stem = results / f"{assignment.name}_threshold_calibration"
    results.mkdir(parents=True, exist_ok=True)
    minimums = hidden_minimums(assignment)
    stem.with_suffix(".json").write_text(json.dumps({"measures": measures, "seeds": rows, "hidden_minimums": minimums},
                                                    indent=2) + "\n")
    lines = [f"# {assignment.name}: the reference solution over {seeds} seeds", "",
             "| seed | " + " | ".join(measures) + " | seconds |", "|---" * (len(measures) + 2) + "|"]
    lines += [f"| {r['seed']} | " + " | ".join(f"{r[k]:.4f}" for k in measures) + f" | {r['seconds']:.0f} |" for r in rows]
    lines += ["", "| measure | expression | min | mean | max | sd |", "|---|---|---|---|---|---|"]
    for name, expression in measures.items():
        values = [r[name] for r in rows]
        lines.append(f"| {name} | `{expression}` | {min(values):.4f} | {np.mean(values):.4f} | {max(values):.4f} | "
                     f"{np.std(values):.4f} |")
    lines += ["", "Minimums the hidden tests compare with:", *[f"- `{m}`" for m in minimums or ["(none found)"]]]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return stem.with_suffix(".md")


def _measure(text: str) -> tuple[str, str]:
    name, _, expression = text.partition("=") if re.match(r"^\w+=", text) else (text, "", text)
    return name.strip(), expression.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="mnist_nn", help="which assignment (any, with --measure)")
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds (0..N-1) to train")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the last results, no training")
    parser.add_argument("--measure", action="append", type=_measure, metavar="[NAME=]EXPRESSION",
                        help="a value to calibrate, in the notebook's names (repeatable): runs the reference per seed")
    args = parser.parse_args()

    assignment = get_assignment(args.assignment)
    if args.measure or args.assignment not in CALIBRATIONS:
        if not args.measure:
            parser.error(f"{args.assignment} needs --measure: the value its threshold applies to, e.g. --measure test_acc")
        print(calibrate_any(assignment, args.seeds, dict(args.measure)))
        return
    calibration = CALIBRATIONS[args.assignment]
    thresholds = notebook_thresholds(assignment) if calibration.extended else {}
    if args.report_only:
        saved = json.loads((RESULTS / f"{calibration.results_stem}.json").read_text())
        write_results(calibration, saved["seeds"], saved["weak"], saved.get("one_epoch", {}), thresholds,
                      saved.get("stores_the_test_set", {}))
        return
    ref = reference_namespace(assignment.master)
    x_train, y_train, x_test, y_test = data = prepared_data(assignment.datasets[0])
    rows = []
    for seed in range(args.seeds):
        row = {"seed": seed}
        for key, builder in MODELS.items():
            model, row[f"{key}_s"] = train(ref[builder], seed, x_train, y_train, epochs=calibration.epochs)
            row[key] = test_accuracy(model, x_test, y_test)
            row[f"{key}_trained"] = test_accuracy(model, *trained_part(x_train, y_train))
        rows.append(row)
        print(f"seed {seed}: model {row['model']:.4f} ({row['model_s']:.1f} s, trained images {row['model_trained']:.4f})  "
              f"model2 {row['model2']:.4f} ({row['model2_s']:.1f} s, trained images {row['model2_trained']:.4f})",
              flush=True)  # fmt: skip

    weak = weak_networks(ref, calibration, x_train, y_train, x_test, y_test)
    extra = single_epoch(ref, *data) if calibration.extended else {}
    for name, acc in {**weak, **extra}.items():
        print(f"{name}: {acc:.4f}")
    stored = stores_the_test_set(ref, calibration, *data)
    for name, acc in stored.items():
        print(f"{name}: test {acc['test']:.4f}, trained images {acc['trained']:.4f}")
    write_results(calibration, rows, weak, extra, thresholds, stored)


if __name__ == "__main__":
    main()
