"""The offline dataset loaders (MNIST, Fashion-MNIST): real data with Keras's shapes, and refusal of anything corrupt."""

from __future__ import annotations

import gzip
import importlib.util
import itertools
import pickle
import shutil
import sys
import zipfile

import numpy as np
import pytest

from autograder.course.data import data_module, prepare_judge_data
from autograder.course.paths import DATA, DATA_MODULE

from .loopback import serving

nn_data = data_module()
WHEEL = DATA / "downloads" / nn_data.HUB_WHEEL


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """NN_DATA_DIR is the only data folder: the helper's own folder and those above it hold nothing."""
    monkeypatch.setenv("NN_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(nn_data, "HERE", tmp_path / "helper")
    monkeypatch.setattr(nn_data, "PARENT_LEVELS", 0)
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


# ---------------------------------------------------------------- Fashion-MNIST

DEBIAN_DIR = nn_data.DEBIAN_FASHION_DIR
FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


@pytest.fixture
def debian_dir(tmp_path, monkeypatch):
    """A stand-in for the Debian package's folder: links to its real files, replaceable one by one."""
    assert (DEBIAN_DIR / "train-images-idx3-ubyte.gz").is_file(), (
        "Debian's dataset-fashion-mnist package is not installed: run `bash setup.sh` as root"
    )
    folder = tmp_path / "debian"
    folder.mkdir()
    for path in DEBIAN_DIR.glob("*-ubyte.gz"):
        (folder / path.name).symlink_to(path)
    monkeypatch.setattr(nn_data, "DEBIAN_FASHION_DIR", folder)
    return folder


def idx_bytes(path):
    return gzip.decompress(path.read_bytes())


def replace_idx(folder, name, data, compress=True):
    (folder / f"{name}.gz").unlink()
    (folder / (f"{name}.gz" if compress else name)).write_bytes(gzip.compress(data, compresslevel=1) if compress else data)


def test_fashion_load_data_matches_keras_shapes_and_dtypes():
    (x_train, y_train), (x_test, y_test) = nn_data.fashion_mnist.load_data()
    assert (x_train.shape, x_train.dtype) == ((60000, 28, 28), np.uint8)
    assert (y_train.shape, y_train.dtype) == ((60000,), np.uint8)
    assert (x_test.shape, x_test.dtype) == ((10000, 28, 28), np.uint8)
    assert (y_test.shape, y_test.dtype) == ((10000,), np.uint8)
    assert np.bincount(y_train).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]  # Keras's first labels: ankle boot, T-shirt, ...
    assert x_train.max() == 255 and x_train.min() == 0
    assert list(nn_data.fashion_mnist.class_names) == FASHION_NAMES


def test_registry_names_every_dataset():
    assert nn_data.DATASETS == {"mnist": nn_data.mnist, "fashion_mnist": nn_data.fashion_mnist}
    for name, dataset in nn_data.DATASETS.items():
        assert dataset.spec.name == name and len(dataset.class_names) == 10
        assert callable(dataset.load_data) and callable(dataset.local_arrays)


def test_debian_files_convert_to_the_pinned_arrays(data_dir, debian_dir):
    arrays, path = nn_data.fashion_mnist.local_arrays(allow_download=False)
    assert path == data_dir / "fashion_mnist.npz" and path.is_file()
    assert [p.name for p in data_dir.iterdir() if p != debian_dir] == ["fashion_mnist.npz"], "a temporary file was left behind"
    reread = nn_data.read_npz(path)
    assert sorted(reread) == sorted(nn_data.FASHION_MNIST_ARRAYS)
    assert all(np.array_equal(reread[k], arrays[k]) and reread[k].dtype == np.uint8 for k in reread)
    again, same_path = nn_data.fashion_mnist.local_arrays(allow_download=False)  # now read from the .npz
    assert same_path == path and np.array_equal(again["x_test"], arrays["x_test"])


def test_uncompressed_idx_files_are_read_too(data_dir, debian_dir):
    name = "t10k-labels-idx1-ubyte"
    replace_idx(debian_dir, name, idx_bytes(DEBIAN_DIR / f"{name}.gz"), compress=False)
    arrays, origin = nn_data.debian_fashion_source(data_dir, False)
    nn_data.verify_arrays(arrays, origin, nn_data.FASHION_MNIST)


def test_tampered_idx_labels_are_refused_and_nothing_is_written(data_dir, debian_dir):
    name = "t10k-labels-idx1-ubyte"
    data = bytearray(idx_bytes(DEBIAN_DIR / f"{name}.gz"))
    data[8], data[9] = data[9], data[8]  # swap two labels: same counts, different digest
    replace_idx(debian_dir, name, bytes(data))
    with pytest.raises(
        nn_data.DataError, match="y_test does not match its pinned SHA-256.*apt-get install dataset-fashion-mnist"
    ):
        nn_data.fashion_mnist.local_arrays(allow_download=False)
    assert [p.name for p in data_dir.iterdir()] == ["debian"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data[:-100], "train-labels-idx1-ubyte.gz: the file is truncated"),
        (lambda data: data + b"\0", "longer than its dimensions say"),
        (lambda data: b"\0\0\x08\x03" + data[4:], "not an IDX file of unsigned bytes with 1 dimension"),
        (lambda data: b"\0\0\x0d\x01" + data[4:], r"magic number 00000d01"),
        (lambda data: data[:4] + (59999).to_bytes(4, "big") + data[8:], r"IDX dimensions are \(59999,\), expected \(60000,\)"),
    ],
    ids=["truncated", "too-long", "wrong-rank", "wrong-type", "wrong-size"],
)
def test_malformed_idx_is_refused_with_a_fix(data_dir, debian_dir, change, message):
    name = "train-labels-idx1-ubyte"
    replace_idx(debian_dir, name, change(idx_bytes(DEBIAN_DIR / f"{name}.gz")))
    with pytest.raises(nn_data.DataError, match=f"{message}.*apt-get install --reinstall dataset-fashion-mnist"):
        nn_data.fashion_mnist.local_arrays(allow_download=False)
    assert [p.name for p in data_dir.iterdir()] == ["debian"]


def test_truncated_gzip_is_refused(data_dir, debian_dir):
    name = "t10k-images-idx3-ubyte.gz"
    (debian_dir / name).unlink()
    (debian_dir / name).write_bytes((DEBIAN_DIR / name).read_bytes()[:100_000])
    with pytest.raises(nn_data.DataError, match=f"{name} is not a readable IDX file"):
        nn_data.fashion_mnist.local_arrays(allow_download=False)


def _corrupt_fashion_copy(data_dir):
    arrays = nn_data.read_npz(DATA / "fashion_mnist.npz")
    arrays["x_test"] = arrays["x_test"].copy()
    arrays["x_test"][5, 14, 14] ^= 0x80
    np.savez(data_dir / "fashion_mnist.npz", **arrays)


def test_corrupted_fashion_npz_is_refused(data_dir, monkeypatch):
    _corrupt_fashion_copy(data_dir)
    monkeypatch.setattr(nn_data, "DEBIAN_FASHION_DIR", data_dir / "not-installed")
    with pytest.raises(nn_data.DataError, match="x_test does not match its pinned SHA-256.*fetch-data"):
        nn_data.fashion_mnist.local_arrays(allow_download=False)


def test_a_damaged_copy_is_replaced_from_a_working_source(data_dir, debian_dir):
    _corrupt_fashion_copy(data_dir)
    arrays, path = nn_data.fashion_mnist.local_arrays(allow_download=False)
    assert path == data_dir / "fashion_mnist.npz"
    nn_data.verify_arrays(nn_data.read_npz(path), str(path), nn_data.FASHION_MNIST)  # the damaged file was rewritten


def test_missing_fashion_data_says_how_to_fix(data_dir, monkeypatch):
    monkeypatch.setattr(nn_data, "DEBIAN_FASHION_DIR", data_dir / "not-installed")
    with pytest.raises(nn_data.DataError, match="Fashion-MNIST not found in .*fetch-data.*apt-get install dataset-fashion-mnist"):
        nn_data.fashion_mnist.local_arrays(allow_download=False)


# ---------------------------------------------------------------- on a student's machine: a copy of nn_data beside a notebook

_copies = itertools.count()
PROJECT_WORDS = ("python -m", "autograder", "apt-get", "setup.sh", "sudo", "as root", "fetch-data")


def student_copy(folder, monkeypatch):
    """nn_data.py copied into folder and imported from there, as a student's notebook imports it
    (under its own module name: the grader's nn_data stays as it is)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(DATA_MODULE, folder / "nn_data.py")
    name = f"nn_data_student_copy_{next(_copies)}"
    spec = importlib.util.spec_from_file_location(name, folder / "nn_data.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "DEBIAN_FASHION_DIR", folder / "no-debian-package")
    return module


@pytest.fixture
def student_env(monkeypatch):
    for name in ("NN_DATA_DIR", "NN_DATA_URL", "NN_DATA_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _link_data(folder, name="mnist.npz"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).symlink_to(DATA / name)
    return folder / name


def test_the_release_and_the_checkout_layouts_find_the_courses_data(tmp_path, student_env):
    release = student_copy(tmp_path / "release" / "mnist_nn", student_env)  # DIR/<name>/nn_data.py, DIR/data/
    shipped = _link_data(tmp_path / "release" / "data")
    assert release.mnist.local_arrays(allow_download=False)[1] == shipped
    checkout = student_copy(tmp_path / "repo" / "assignment" / "mnist_nn", student_env)  # assignment/<name>/, ./data/
    ours = _link_data(tmp_path / "repo" / "data")
    assert checkout.mnist.local_arrays(allow_download=False)[1] == ours
    assert checkout.data_dirs()[:3] == [tmp_path / "repo" / p / "data" for p in ("assignment/mnist_nn", "assignment", ".")]


def test_a_hubs_shared_copy_comes_first_and_a_damaged_copy_is_passed_over(tmp_path, student_env):
    helper = student_copy(tmp_path / "course" / "mnist_nn", student_env)
    local = _link_data(tmp_path / "course" / "data")
    hub = _link_data(tmp_path / "hub")
    student_env.setenv("NN_DATA_DIR", str(tmp_path / "hub"))
    assert helper.mnist.local_arrays(allow_download=False)[1] == hub
    hub.unlink()
    hub.write_bytes(b"damaged")
    assert helper.mnist.local_arrays(allow_download=False)[1] == local


def test_students_are_told_what_to_do_in_their_own_terms(tmp_path, student_env):
    helper = student_copy(tmp_path / "laptop" / "mnist_nn", student_env)
    for dataset in (helper.mnist, helper.fashion_mnist):
        with pytest.raises(helper.DataError) as missing:
            dataset.local_arrays(allow_download=False)
        message = str(missing.value)
        assert "Check your internet connection" in message and "ask your instructor for the file" in message
        assert str(tmp_path / "laptop" / "mnist_nn" / "data" / dataset.spec.npz_name) in message
        assert not [w for w in PROJECT_WORDS if w in message], message
    (tmp_path / "laptop" / "mnist_nn" / "data").mkdir()
    (tmp_path / "laptop" / "mnist_nn" / "data" / "mnist.npz").write_bytes(b"half a download")
    with pytest.raises(helper.DataError, match="not a readable .npz file.*Check your internet connection") as damaged:
        helper.mnist.local_arrays(allow_download=False)
    assert not [w for w in PROJECT_WORDS if w in str(damaged.value)]
    helper.AUDIENCE = "instructor"  # what the course's tools set: the same failure in the project's terms
    with pytest.raises(helper.DataError, match="fetch-data"):
        helper.fashion_mnist.local_arrays(allow_download=False)


def test_the_published_data_is_downloaded_verified_and_kept(tmp_path, student_env):
    _link_data(tmp_path / "published" / "data")
    helper = student_copy(tmp_path / "content", student_env)
    only_the_url = helper.Dataset(helper.MNIST, [helper.url_source("mnist")])
    with serving(tmp_path / "published") as url:
        student_env.setenv("NN_DATA_URL", f"{url}data/")
        arrays, kept = only_the_url.local_arrays()
        assert kept == tmp_path / "content" / "data" / "mnist.npz" and np.array_equal(arrays["y_test"][:5], [7, 2, 1, 0, 4])
        assert sorted(p.name for p in kept.parent.iterdir()) == ["mnist.npz"]  # no partial download left
        kept.unlink()
        student_env.setenv("NN_DATA_URL", f"{url}nowhere/")
        with pytest.raises(helper.DataError, match="downloading it did not work"):
            only_the_url.local_arrays()
    assert sorted(p.name for p in kept.parent.iterdir()) == []


@pytest.mark.slow
def test_nn_data_works_with_numpy_1(tmp_path):
    """Students' environments may hold NumPy 1.x (np._core is NumPy 2's): a venv with NumPy 1.26 converts the
    MNIST wheel (the unpickler's allow-list) and reads the course's .npz. Needs PyPI (pip install numpy==1.26.4)."""
    import subprocess

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "numpy==1.26.4"], check=True, timeout=900)
    folder = tmp_path / "laptop" / "mnist_nn"
    folder.mkdir(parents=True)
    shutil.copy2(DATA_MODULE, folder / "nn_data.py")
    (folder / "data").mkdir()
    shutil.copy2(WHEEL, folder / "data" / WHEEL.name)
    script = (
        "import numpy, nn_data\n"
        "arrays, path = nn_data.mnist.local_arrays(allow_download=False)\n"
        "(x, y), _ = nn_data.mnist.load_data()\n"
        "print(numpy.__version__, path.name, x.shape, int(y[:100].sum()))\n"
    )
    done = subprocess.run([str(python), "-c", script], cwd=folder, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    labels = int(nn_data.mnist.load_data()[0][1][:100].sum())
    assert done.stdout.split() == ["1.26.4", "mnist.npz", "(60000,", "28,", "28)", str(labels)]


def test_the_judge_reads_the_tasks_data_folder_and_nothing_else(tmp_path):
    """A grading's judge reads each dataset from the task's data folder (the kernel's /data): a damaged or
    missing copy there fails the grading, even with a verified copy in data/ and the registries reachable."""
    assert (DATA / "mnist.npz").is_file()
    (tmp_path / "mnist.npz").write_bytes(b"not an npz")
    for folder in (tmp_path, tmp_path / "missing"):
        with pytest.raises(data_module(DATA_MODULE).DataError, match=f"{folder}/mnist.npz"):
            prepare_judge_data(DATA_MODULE, ("mnist",), folder)
    assert not list(tmp_path.glob("**/*.whl")) and not (tmp_path / "missing").exists()  # nothing fetched
