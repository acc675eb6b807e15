"""Code similarity between submissions; fast, no TensorFlow."""

from __future__ import annotations

import csv
import os
import random
import time

import nbformat

from autograder.classroom.similarity import SimilarPair, code_of, similar_pairs, similar_submissions, write_similarity_csv

TEMPLATE = '''\
import numpy as np
from tensorflow import keras

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()


def reshape_images(images):
    """Flatten each 28x28 image into a vector of 784 values."""
    ...


def normalize_images(images):
    ...


def one_hot_labels(labels, num_classes=10):
    ...


def build_model(input_dim=784):
    ...


x_train_flat = normalize_images(reshape_images(x_train))
x_test_flat = normalize_images(reshape_images(x_test))
y_train_hot = one_hot_labels(y_train)
model = build_model()
history = model.fit(x_train_flat, y_train_hot, epochs=5, batch_size=128, validation_split=0.1)
'''

ANSWERS = '''
def reshape_images(images):
    n = images.shape[0]
    flat = images.reshape(n, -1)
    return flat


def normalize_images(images):
    scaled = images.astype(np.float32)
    scaled = scaled / 255.0
    return scaled


def one_hot_labels(labels, num_classes=10):
    out = np.zeros((len(labels), num_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def build_model(input_dim=784):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def count_params(sizes):
    total = 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        total += fan_in * fan_out + fan_out
    return total


predictions = np.argmax(model.predict(x_test_flat), axis=1)
accuracy = np.mean(predictions == y_test)
print("test accuracy:", accuracy)
'''

# the same answers with every local name changed, comments and a docstring added, and the layout changed
DISGUISED = '''
def reshape_images(images):
  # how many pictures
  how_many = images.shape[ 0 ]
  vectors = images.reshape( how_many, -1 )  # one row per picture
  return vectors

def normalize_images(images):
  """Scale pixels to [0, 1]."""
  pixels = images.astype( np.float32 )

  pixels = pixels / 255.0
  return pixels

def one_hot_labels(labels, num_classes=10):
  # one column per class
  encoded = np.zeros(( len(labels), num_classes ), dtype = np.float32)
  encoded[ np.arange(len(labels)), labels ] = 1.0
  return encoded

def build_model(input_dim=784):
  net = keras.Sequential([keras.Input(shape=(input_dim,)),
                          keras.layers.Dense(128, activation="relu"),
                          keras.layers.Dense(10, activation="softmax")])
  net.compile(optimizer="adam",
              loss="categorical_crossentropy",
              metrics=["accuracy"])
  return net

def parameter_total(layer_widths):
  # weights plus biases of each layer
  acc = 0
  for a, b in zip(layer_widths[:-1], layer_widths[1:]):
    acc += a * b + b
  return acc

guesses = np.argmax(model.predict(x_test_flat), axis=1)
hit_rate = np.mean(guesses == y_test)
print('test accuracy:', hit_rate)
'''

# the same tasks solved independently, in another style
INDEPENDENT = '''
def reshape_images(images):
    return np.array([img.flatten() for img in images])


def normalize_images(images):
    return np.asarray(images, dtype="float32") * (1 / 255)


def one_hot_labels(labels, num_classes=10):
    return keras.utils.to_categorical(labels, num_classes)


def build_model(input_dim=784):
    net = keras.Sequential()
    net.add(keras.layers.Dense(128, activation="relu", input_shape=(input_dim,)))
    net.add(keras.layers.Dense(10, activation="softmax"))
    net.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(), metrics=["accuracy"])
    return net


layer_sizes = [784, 128, 10]
n_params = sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))

probs = model.predict(x_test_flat)
correct = 0
for p, y in zip(probs, y_test):
    if p.argmax() == y:
        correct += 1
print(f"accuracy {correct / len(y_test):.3f}")
'''

BROKEN_TAIL = '''
def unfinished(x:
      return x
  y = 1
s = """never closed
'''


def fill(template: str, answers: str) -> str:
    """A student notebook's code: the starter, with the answers appended after it."""
    return template + answers


def pair_scores(codes: dict[str, str], **kwargs) -> dict[tuple[str, str], float]:
    return {(p.first, p.second): p.score for p in similar_pairs(codes, template=TEMPLATE, threshold=0.0, **kwargs)}


def filler(seed: int, statements: int = 30) -> str:
    """Distinct code of no particular shape, different for every seed."""
    rng = random.Random(seed)
    attrs = [f"method_{i}" for i in range(200)]
    lines = []
    for _ in range(statements):
        a, b = rng.sample(["u", "v", "w", "z"], 2)
        lines.append(rng.choice([f"{a} = {b}.{rng.choice(attrs)}({rng.randint(0, 9)})",
                                 f"{a} = [{b}.{rng.choice(attrs)} for {b} in {a}]",
                                 f"if {a}.{rng.choice(attrs)}:\n    {b} += {a}"]))
    return "\n" + "\n".join(lines) + "\n"


def test_disguised_copy_scores_at_least_point_nine():
    scores = pair_scores({"alice": fill(TEMPLATE, ANSWERS), "bob": fill(TEMPLATE, DISGUISED)})
    assert scores[("alice", "bob")] >= 0.9


def test_independent_solutions_score_below_the_threshold():
    codes = {"alice": fill(TEMPLATE, ANSWERS), "carol": fill(TEMPLATE, INDEPENDENT)}
    assert pair_scores(codes).get(("alice", "carol"), 0.0) < 0.6
    assert similar_pairs(codes, template=TEMPLATE) == []


def test_copy_padded_with_extra_code_still_scores_high():
    # containment, not Jaccard: a copy buried in extra cells of the copier's own is still a copy
    scores = pair_scores({"alice": fill(TEMPLATE, ANSWERS), "bob": fill(TEMPLATE, DISGUISED + filler(1, 60))})
    assert scores[("alice", "bob")] >= 0.9


def test_trivial_one_line_answers_are_not_reported():
    # both students filled two placeholders with the same obvious line each: similar by necessity
    answers = TEMPLATE.replace(
        '    """Flatten each 28x28 image into a vector of 784 values."""\n    ...',
        '    """Flatten each 28x28 image into a vector of 784 values."""\n    return images.reshape(len(images), -1)',
    ).replace("def normalize_images(images):\n    ...", "def normalize_images(images):\n    return images / 255.0")
    assert answers.count("...") == 2
    codes = {"dan": answers, "eve": answers, "fay": TEMPLATE, "gus": TEMPLATE + "\n# done!\n"}
    assert similar_pairs(codes, template=TEMPLATE, threshold=0.0) == []


def test_starter_code_never_counts():
    # both pasted the whole starter twice, plus their own unrelated code
    codes = {"hal": TEMPLATE + TEMPLATE + filler(2, 8), "ida": TEMPLATE + TEMPLATE + filler(3, 8)}
    assert pair_scores(codes).get(("hal", "ida"), 0.0) < 0.1
    unaware = similar_pairs(codes, template="", threshold=0.0)  # the control: without the template they look alike
    assert unaware[0].score >= 0.6


def test_code_that_does_not_tokenize_never_raises_and_is_still_compared():
    broken = fill(TEMPLATE, ANSWERS) + BROKEN_TAIL
    codes = {"alice": fill(TEMPLATE, ANSWERS), "bob": fill(TEMPLATE, DISGUISED) + BROKEN_TAIL,
             "jon": broken, "kim": "def f(:\n\x00 'unterminated\n" * 30}
    scores = pair_scores(codes)
    # the fallback tokenizer normalizes like tokenize, so a broken copy still matches a clean original
    assert scores[("alice", "bob")] >= 0.9 and scores[("alice", "jon")] >= 0.9


def test_ranking_is_deterministic():
    copies = {"c": fill(TEMPLATE, ANSWERS), "e": fill(TEMPLATE, DISGUISED), "b": fill(TEMPLATE, ANSWERS),
              "d": fill(TEMPLATE, INDEPENDENT), "a": fill(TEMPLATE, ANSWERS + filler(4, 40))}
    expected = similar_pairs(copies, template=TEMPLATE)
    # exact copies tie at 1.0 and come in name order, then the disguised copy's three pairs, tied again
    assert [(p.first, p.second) for p in expected] == [("a", "b"), ("a", "c"), ("b", "c"), ("a", "e"), ("b", "e"), ("c", "e")]
    assert [p.score for p in expected[:3]] == [1.0] * 3 and 0.9 <= expected[3].score == expected[5].score < 1.0
    names = list(copies)
    for seed in range(3):
        random.Random(seed).shuffle(names)
        assert similar_pairs({n: copies[n] for n in names}, template=TEMPLATE) == expected
    assert similar_pairs(copies, template=TEMPLATE, top=2) == expected[:2]


def test_shared_lines_quote_the_copied_code():
    pairs = similar_pairs({"alice": fill(TEMPLATE, ANSWERS), "bob": fill(TEMPLATE, DISGUISED)}, template=TEMPLATE)
    lines = pairs[0].shared_lines
    assert 0 < len(lines) <= 5
    assert 'model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])' in lines
    assert all("x_train_flat = normalize_images" not in line for line in lines)  # starter code is not evidence


def test_answers_common_to_much_of_the_class_are_not_evidence():
    # 12 students share one long block (the assignment's natural answer) and otherwise write their own code;
    # three of them also share a block nobody else has
    common, ring = ANSWERS, filler(100, 40)
    codes = {f"s{i:02d}": fill(TEMPLATE, common + filler(i, 40) + (ring if i < 3 else "")) for i in range(12)}
    pairs = similar_pairs(codes, template=TEMPLATE, threshold=0.3)
    assert {(p.first, p.second) for p in pairs} == {("s00", "s01"), ("s00", "s02"), ("s01", "s02")}


def test_code_of_skips_markdown_magics_and_shell_lines():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("x = 'not code'"),
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip install numpy\n  %time y = 2\nx = 1"),
        nbformat.v4.new_code_cell("print(x)"),
    ])
    code = code_of(notebook)
    assert "x = 1" in code and "print(x)" in code
    assert "%" not in code and "pip" not in code and "not code" not in code


def test_code_of_skips_cells_whose_magic_is_not_python():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%%nonexistent_magic\nsecret = 1\n" * 3),
        nbformat.v4.new_code_cell("%%bash\necho hi"),
        nbformat.v4.new_code_cell("%%time\nkept = 2"),
        nbformat.v4.new_code_cell("%%\nalso_skipped = 3"),
    ])
    code = code_of(notebook)
    assert "kept = 2" in code
    assert "secret" not in code and "echo" not in code and "also_skipped" not in code


def test_code_of_stops_at_its_cap_on_a_line_end():
    cells = [nbformat.v4.new_code_cell("\n".join(f"row_{c}_{i} = {i}" for i in range(1000))) for c in range(5)]
    code = code_of(nbformat.v4.new_notebook(cells=cells), max_chars=20_000)
    assert 19_000 < len(code) <= 20_001
    assert code.rstrip("\n").split("\n")[-1].startswith("row_") and code.rstrip().split(" = ")[-1].isdigit()
    assert code_of(nbformat.v4.new_notebook(cells=cells)).startswith(code.rstrip("\n"))


def test_similar_submissions_of_files_reads_within_its_caps(tmp_path):
    """A 4 MB cell of code is read up to the cap: seconds, not the minute it took in full."""
    paths = {}
    for name, code in (("alice", ANSWERS), ("bob", DISGUISED), ("carol", INDEPENDENT),
                       ("mallory", ANSWERS + "\n" + filler(7, 40_000))):
        paths[name] = tmp_path / f"{name}.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TEMPLATE + code)]), paths[name])
    assert paths["mallory"].stat().st_size > 1024**2
    template = tmp_path / "template.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TEMPLATE)]), template)
    started = time.perf_counter()
    pairs = similar_submissions(paths, template, "mnist_nn.ipynb")
    assert time.perf_counter() - started < 10  # measured with other gradings running
    assert {(p.first, p.second) for p in pairs} >= {("alice", "bob"), ("alice", "mallory")}
    assert all("carol" not in (p.first, p.second) for p in pairs)


def test_similarity_csv(tmp_path):
    path = tmp_path / "similar.csv"
    write_similarity_csv([SimilarPair("a", "b", 0.987654, ["x"]), SimilarPair("a", "c", 0.6, [])], path)
    with path.open(newline="") as handle:
        assert list(csv.reader(handle)) == [["first", "second", "score"], ["a", "b", "0.9877"], ["a", "c", "0.6000"]]
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["similar.csv"]
