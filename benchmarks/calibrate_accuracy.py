"""Calibrate the minimum test accuracy of questions q7 and q8.

Trains the reference networks of the master notebook exactly as the lesson does (float32
inputs in [0, 1], validation_split=0.2, 5 epochs, batch 128) once per seed, and a few
networks that barely learn, then writes a table to benchmarks/results/.

    python benchmarks/calibrate_accuracy.py --seeds 10
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from autograder.data import data_module
from autograder.master import reference_namespace
from autograder.paths import REPO

RESULTS = REPO / "benchmarks" / "results"


def prepared_data():
    (x_train, y_train), (x_test, y_test) = data_module().mnist.load_data()
    flat = lambda x: x.reshape(len(x), -1).astype("float32") / 255.0  # noqa: E731
    return flat(x_train), y_train, flat(x_test), y_test


def test_accuracy(model, x_test, y_test) -> float:
    return float(np.mean(model.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1) == y_test))


def train_and_score(builder, seed, x_train, y_train, x_test, y_test, **fit) -> tuple[float, float]:
    import keras

    keras.utils.set_random_seed(seed)
    model = builder()
    start = time.perf_counter()
    targets = keras.utils.to_categorical(y_train, 10)
    model.fit(x_train, targets, verbose=0, **{"validation_split": 0.2, "epochs": 5, "batch_size": 128, **fit})
    return test_accuracy(model, x_test, y_test), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds (0..N-1) to train")
    args = parser.parse_args()

    ref = reference_namespace()
    x_train, y_train, x_test, y_test = prepared_data()
    rows = []
    for seed in range(args.seeds):
        acc, secs = train_and_score(ref["build_model"], seed, x_train, y_train, x_test, y_test)
        acc2, secs2 = train_and_score(ref["build_deeper_model"], seed, x_train, y_train, x_test, y_test)
        rows.append({"seed": seed, "model": acc, "model_s": secs, "model2": acc2, "model2_s": secs2})
        print(f"seed {seed}: model {acc:.4f} ({secs:.1f} s)  model2 {acc2:.4f} ({secs2:.1f} s)", flush=True)

    # Networks that barely learn: what the threshold must reject.
    weak = {}
    n = 600
    weak["reference, 1 epoch on 1% of the data"] = train_and_score(
        ref["build_model"], 0, x_train[:n], y_train[:n], x_test, y_test, epochs=1)[0]
    weak["reference, 1 epoch on 5% of the data"] = train_and_score(
        ref["build_model"], 0, x_train[: 5 * n], y_train[: 5 * n], x_test, y_test, epochs=1)[0]
    weak["reference, raw 0-255 pixels, 1 epoch"] = train_and_score(
        ref["build_model"], 0, x_train * 255.0, y_train, x_test * 255.0, y_test, epochs=1)[0]
    weak["untrained reference"] = test_accuracy(ref["build_model"](), x_test, y_test)
    for name, acc in weak.items():
        print(f"{name}: {acc:.4f}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "accuracy_calibration.json").write_text(json.dumps({"seeds": rows, "weak": weak}, indent=2) + "\n")
    lines = ["| seed | model test acc | train time (s) | model2 test acc | train time (s) |", "|---|---|---|---|---|"]
    lines += [f"| {r['seed']} | {r['model']:.4f} | {r['model_s']:.1f} | {r['model2']:.4f} | {r['model2_s']:.1f} |" for r in rows]
    for key in ("model", "model2"):
        values = [r[key] for r in rows]
        summary = f"min {min(values):.4f}, mean {np.mean(values):.4f}, max {max(values):.4f}, sd {np.std(values):.4f}"
        lines.append(f"\n{key}: {summary}")
    lines.append("\n| network that barely learns | test acc |\n|---|---|")
    lines += [f"| {name} | {acc:.4f} |" for name, acc in weak.items()]
    (RESULTS / "accuracy_calibration.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
