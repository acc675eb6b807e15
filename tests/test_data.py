"""The offline MNIST loader: real data with Keras's shapes, and refusal of anything corrupt."""

from __future__ import annotations

import pickle
import shutil
import zipfile

import numpy as np
import pytest

from autograder.data import data_module
from autograder.paths import DATA

nn_data = data_module()
WHEEL = DATA / "downloads" / nn_data.HUB_WHEEL


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NN_DATA_DIR", str(tmp_path))
    return tmp_path


def test_load_data_matches_keras_shapes_and_dtypes():
    (x_train, y_train), (x_test, y_test) = nn_data.mnist.load_data()
    assert (x_train.shape, x_train.dtype) == ((60000, 28, 28), np.uint8)
    assert (y_train.shape, y_train.dtype) == ((60000,), np.uint8)
    assert (x_test.shape, x_test.dtype) == ((10000, 28, 28), np.uint8)
    assert (y_test.shape, y_test.dtype) == ((10000,), np.uint8)
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert x_train.max() == 255 and x_train.min() == 0


def test_wheel_converts_to_the_pinned_arrays(data_dir):
    shutil.copy2(WHEEL, data_dir / WHEEL.name)
    arrays, path = nn_data.local_mnist_arrays(allow_download=False)
    assert path == data_dir / "mnist.npz" and path.is_file()
    assert sorted(p.name for p in data_dir.iterdir()) == sorted([WHEEL.name, "mnist.npz"]), "a temporary file was left behind"
    reread = nn_data.read_npz(path)
    assert all(np.array_equal(reread[k], arrays[k]) for k in nn_data.MNIST_ARRAYS)


def test_corrupted_npz_is_refused_with_a_fix(data_dir):
    arrays = nn_data.read_npz(DATA / "mnist.npz")
    arrays["x_train"] = arrays["x_train"].copy()
    arrays["x_train"][0, 0, 0] ^= 1  # one flipped bit
    np.savez(data_dir / "mnist.npz", **arrays)
    with pytest.raises(nn_data.DataError, match="x_train does not match its pinned SHA-256.*fetch-data"):
        nn_data.local_mnist_arrays(allow_download=False)


def test_truncated_npz_is_refused(data_dir):
    (data_dir / "mnist.npz").write_bytes((DATA / "mnist.npz").read_bytes()[:1000])
    with pytest.raises(nn_data.DataError, match="not a readable .npz file"):
        nn_data.local_mnist_arrays(allow_download=False)


def test_wrong_label_counts_are_refused(data_dir, monkeypatch):
    arrays = nn_data.read_npz(DATA / "mnist.npz")
    arrays["y_train"] = np.sort(arrays["y_train"])
    monkeypatch.setitem(nn_data.MNIST_ARRAYS, "y_train", ((60000,), nn_data.array_digest(arrays["y_train"])))
    arrays["y_train"][0] = 9
    monkeypatch.setitem(nn_data.MNIST_ARRAYS, "y_train", ((60000,), nn_data.array_digest(arrays["y_train"])))
    np.savez(data_dir / "mnist.npz", **arrays)
    with pytest.raises(nn_data.DataError, match="label counts of y_train"):
        nn_data.local_mnist_arrays(allow_download=False)


def test_tampered_wheel_is_refused_and_nothing_is_written(data_dir):
    with zipfile.ZipFile(WHEEL) as source, zipfile.ZipFile(data_dir / WHEEL.name, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data[:-1] + b"\0" if info.filename == nn_data.HUB_MEMBER else data)
    with pytest.raises(nn_data.DataError, match="does not match its pinned SHA-256"):
        nn_data.local_mnist_arrays(allow_download=False)
    assert [p.name for p in data_dir.iterdir()] == [WHEEL.name]


def test_missing_data_says_how_to_fix(data_dir):
    with pytest.raises(nn_data.DataError, match="MNIST not found in .*fetch-data"):
        nn_data.local_mnist_arrays(allow_download=False)


def test_only_numpy_arrays_can_be_unpickled():
    payload = pickle.dumps(shutil.rmtree)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load shutil.rmtree"):
        nn_data._NumpyArraysOnly(__import__("io").BytesIO(payload)).load()


def test_failed_write_leaves_no_partial_file(tmp_path):
    class Unsavable:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        nn_data.write_npz_atomically(tmp_path / "mnist.npz", {"x": Unsavable()})
    assert list(tmp_path.iterdir()) == []
