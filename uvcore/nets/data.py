"""Training data without downloads (spec §6).

Kinds
-----
``gaussian``
    x ~ N(0, I_d) i.i.d.; linear target y = Bᵀ x / √d with B ~ N(0, 1)
    (d × k), so every target component has unit variance.
``teacher``
    x ~ N(0, I_d); target of a fixed random teacher network
    y = tanh(x A / √d) C / √m (A: d × m, C: m × k, standard normal,
    m = :data:`TEACHER_WIDTH`), each output column then standardized with the
    training set's mean and standard deviation.
``digits``
    scikit-learn's 8×8 handwritten digits (1,797 images shipped inside the
    package, read by ``sklearn.datasets.load_digits``; d = 64).  Shuffled with
    the seed; the first ``n_train`` are the training set and ALL remaining
    images the held-out test set (``n_train`` ≤ :data:`DIGITS_MAX_TRAIN`, so at
    least 297 test images).  Pixels standardized per feature with the training
    mean and standard deviation (constant pixels become 0).  Targets: one-hot
    (k = 10, entries 0/1) or scalar (k = 1): +1 for digits 5–9, −1 for 0–4.
``cifar10``
    CIFAR-10 read from a local directory (nothing is downloaded): the
    official "CIFAR-10 python version" (https://www.cs.toronto.edu/~kriz/cifar.html,
    ``cifar-10-python.tar.gz`` unpacked), i.e. ``data_batch_1`` …
    ``data_batch_5``, ``test_batch`` and ``batches.meta``, pickled dicts with
    ``b"data"`` (uint8, (10000, 3072), channel-major 32×32 RGB) and
    ``b"labels"``.  The directory is the ``directory`` argument, else the
    environment variable :data:`CIFAR10_ENV` (``CIFAR10_DIR``).  Pixels are
    scaled to [0, 1]; the 50,000 training images are shuffled with the seed
    and the first ``n_train`` (≤ :data:`CIFAR10_MAX_TRAIN`) are the training
    set; the test set is ``n_test`` images of ``test_batch`` shuffled with
    the seed (0: :data:`CIFAR10_DEFAULT_TEST` = 1,000).  Standardized per feature (d = 3072) with the
    training mean and standard deviation, as digits; targets one-hot (k = 10,
    the paper's MSE setup) or scalar (k = 1): +1 for the vehicles (airplane,
    automobile, ship, truck: labels 0, 1, 8, 9), −1 for the animals.  The
    pickles are read by a restricted unpickler that admits only plain
    containers and NumPy arrays, so a planted file cannot run code.

For synthetic kinds the test set has ``n_test`` examples drawn the same way
(0: no test split).  Everything is a deterministic function of the seed.
"""

from __future__ import annotations

import functools
import math
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..params import UVInputError, check_count
from .model import MAX_INPUT_DIM, MAX_OUT_DIM, MAX_TRAIN

__all__ = ["DATA_KINDS", "TEACHER_WIDTH", "DIGITS_MAX_TRAIN", "CIFAR10_ENV", "CIFAR10_FILES",
           "CIFAR10_MAX_TRAIN", "CIFAR10_VEHICLES", "Dataset", "make_data", "cifar10_dir",
           "accuracy"]

DATA_KINDS = ("gaussian", "teacher", "digits", "cifar10")
TEACHER_WIDTH = 64
DIGITS_TOTAL = 1797
DIGITS_MAX_TRAIN = 1500
#: Environment variable naming the CIFAR-10 directory (python version).
CIFAR10_ENV = "CIFAR10_DIR"
#: The files of the CIFAR-10 python version that are read.
CIFAR10_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta")
CIFAR10_MAX_TRAIN = 50_000
CIFAR10_DIM = 3072
#: Test images of cifar10 when ``n_test`` is 0 (all 10,000 would be 245 MB in float64).
CIFAR10_DEFAULT_TEST = 1000
#: CIFAR-10 labels of the vehicles (airplane, automobile, ship, truck): +1 when k = 1.
CIFAR10_VEHICLES = (0, 1, 8, 9)
CIFAR10_WHERE = ("get the CIFAR-10 python version (cifar-10-python.tar.gz) from "
                 "https://www.cs.toronto.edu/~kriz/cifar.html, unpack it and point "
                 f"{CIFAR10_ENV} (or --cifar10-dir) at the cifar-10-batches-py directory")


@dataclass(frozen=True)
class Dataset:
    """Train/test arrays.

    Attributes
    ----------
    X, Y : ndarray (N, d), (N, k)
    X_test, Y_test : ndarray (N_test, d), (N_test, k); N_test may be 0
    labels, labels_test : ndarray of int or None
        Class labels (digits only; for k = 1 the binary class 0/1).
    kind : str
    """

    X: np.ndarray
    Y: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    labels: np.ndarray | None
    labels_test: np.ndarray | None
    kind: str

    @property
    def has_test(self) -> bool:
        return self.X_test.shape[0] > 0

    @property
    def in_dim(self) -> int:
        return self.X.shape[1]

    @property
    def out_dim(self) -> int:
        return self.Y.shape[1]


def make_data(kind: str, n_train: int, input_dim: int | None = None, out_dim: int | None = None,
              n_test: int = 0, seed: int = 0, directory: str | os.PathLike | None = None) -> Dataset:
    """Build a :class:`Dataset` (module docstring).

    ``input_dim`` defaults to 64 for synthetic data and digits (and must be 64
    for digits, 3072 for cifar10); ``out_dim`` defaults to 1 for synthetic
    data and 10 (one-hot) for digits and cifar10.  ``directory``: cifar10's
    directory (default: ``$CIFAR10_DIR``); ignored by the other kinds.
    """
    kind = str(kind).lower()
    if kind not in DATA_KINDS:
        raise UVInputError(f"data must be one of {', '.join(DATA_KINDS)}, got {kind!r}")
    seed = check_count("seed", seed, 0, 2 ** 63 - 1)
    rng = np.random.default_rng(seed)
    if kind == "digits":
        return _digits(n_train, input_dim, out_dim, rng)
    if kind == "cifar10":
        return _cifar10(n_train, input_dim, out_dim, n_test, rng, directory)
    d = check_count("input_dim", 64 if input_dim is None else input_dim, 1, MAX_INPUT_DIM)
    k = check_count("out_dim", 1 if out_dim is None else out_dim, 1, MAX_OUT_DIM)
    n = check_count("n_train", n_train, 1, MAX_TRAIN)
    nt = check_count("n_test", n_test, 0, MAX_TRAIN)
    X = rng.standard_normal((n + nt, d))
    if kind == "gaussian":
        B = rng.standard_normal((d, k))
        Y = X @ B / math.sqrt(d)
    else:
        A = rng.standard_normal((d, TEACHER_WIDTH))
        C = rng.standard_normal((TEACHER_WIDTH, k))
        Y = np.tanh(X @ A / math.sqrt(d)) @ C / math.sqrt(TEACHER_WIDTH)
        mu, sd = Y[:n].mean(0), Y[:n].std(0)
        Y = (Y - mu) / np.where(sd > 0, sd, 1.0)
    return Dataset(X[:n], Y[:n], X[n:], Y[n:], None, None, kind)


def _digits(n_train, input_dim, out_dim, rng) -> Dataset:
    if input_dim is not None and int(input_dim) != 64:
        raise UVInputError(f"digits has input_dim 64, got {input_dim}")
    k = 10 if out_dim is None else check_count("out_dim", out_dim, 1, MAX_OUT_DIM)
    if k not in (1, 10):
        raise UVInputError(f"digits needs out_dim 10 (one-hot) or 1 (scalar), got {k}")
    n = check_count("n_train", n_train, 1, DIGITS_MAX_TRAIN)
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - requirements.txt pins scikit-learn
        raise UVInputError("data 'digits' needs scikit-learn (pip install -r requirements.txt)") from None
    raw = load_digits()
    X = np.asarray(raw.data, dtype=float)
    lab = np.asarray(raw.target, dtype=int)
    order = rng.permutation(X.shape[0])
    X, lab = X[order], lab[order]
    X = _standardize(X, n)
    Y, cls = _class_targets(lab, k, (5, 6, 7, 8, 9))
    return Dataset(X[:n], Y[:n], X[n:], Y[n:], cls[:n], cls[n:], "digits")


def _class_targets(lab: np.ndarray, k: int, positive) -> tuple[np.ndarray, np.ndarray]:
    """(Y, class labels): one-hot for k = 10, else ±1 with +1 for labels in ``positive``."""
    if k == 10:
        return np.eye(10)[lab], lab
    cls = np.isin(lab, positive).astype(int)
    return (2.0 * cls - 1.0)[:, None], cls


def _standardize(X: np.ndarray, n: int) -> np.ndarray:
    """Per-feature standardization with the first ``n`` rows' mean and sd (constant
    features become 0)."""
    mu, sd = X[:n].mean(0), X[:n].std(0)
    X = (X - mu) / np.where(sd > 0, sd, 1.0)
    X[:, sd == 0] = 0.0
    return X


class _ArraysOnly(pickle.Unpickler):
    """An unpickler that builds only containers and NumPy arrays (what the CIFAR-10
    batches hold); any other global, which could run code, is refused."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR-10 batch")


def cifar10_dir(directory: str | os.PathLike | None = None) -> Path:
    """The CIFAR-10 directory (``directory`` or ``$CIFAR10_DIR``) holding every file
    of :data:`CIFAR10_FILES`; UVInputError saying where to get the data otherwise."""
    raw = directory if directory not in (None, "") else os.environ.get(CIFAR10_ENV, "").strip()
    if not raw:
        raise UVInputError(f"data 'cifar10' needs its files and {CIFAR10_ENV} is not set: "
                           + CIFAR10_WHERE)
    path = Path(raw).expanduser()
    missing = [f for f in CIFAR10_FILES if not (path / f).is_file()]
    if missing:
        raise UVInputError(f"CIFAR-10 directory {path} lacks {', '.join(missing)}: "
                           + CIFAR10_WHERE)
    return path


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            d = _ArraysOnly(f, encoding="bytes").load()
        data = np.asarray(d[b"data"])
        labels = np.asarray(d[b"labels"], dtype=np.int64)
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, ValueError,
            IndexError, AttributeError) as err:
        raise UVInputError(f"{path} is not a CIFAR-10 python batch ({type(err).__name__}: "
                           f"{str(err).splitlines()[0] if str(err) else ''}); "
                           + CIFAR10_WHERE) from None
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != CIFAR10_DIM \
            or labels.shape != (data.shape[0],) or labels.min(initial=0) < 0 \
            or labels.max(initial=0) > 9:
        raise UVInputError(f"{path} is not a CIFAR-10 python batch (b'data' must be uint8 "
                           f"(N, {CIFAR10_DIM}) with N labels in 0..9)")
    return data, labels


@functools.lru_cache(maxsize=2)
def _cifar10_arrays(directory: str, stamp: tuple) -> tuple:
    """(train pixels, train labels, test pixels, test labels) of a directory; cached per
    process, keyed by the files' sizes and modification times (``stamp``)."""
    parts = [_read_batch(Path(directory) / f"data_batch_{i}") for i in range(1, 6)]
    X = np.concatenate([p[0] for p in parts])
    lab = np.concatenate([p[1] for p in parts])
    Xt, labt = _read_batch(Path(directory) / "test_batch")
    return X, lab, Xt, labt


def _cifar10(n_train, input_dim, out_dim, n_test, rng, directory) -> Dataset:
    if input_dim is not None and int(input_dim) != CIFAR10_DIM:
        raise UVInputError(f"cifar10 has input_dim {CIFAR10_DIM}, got {input_dim}")
    k = 10 if out_dim is None else check_count("out_dim", out_dim, 1, MAX_OUT_DIM)
    if k not in (1, 10):
        raise UVInputError(f"cifar10 needs out_dim 10 (one-hot) or 1 (scalar), got {k}")
    path = cifar10_dir(directory)
    stamp = tuple((f, (path / f).stat().st_size, (path / f).stat().st_mtime_ns)
                  for f in CIFAR10_FILES)
    X, lab, Xt, labt = _cifar10_arrays(str(path.resolve()), stamp)
    n = check_count("n_train", n_train, 1, min(CIFAR10_MAX_TRAIN, X.shape[0]))
    nt = check_count("n_test", n_test, 0, Xt.shape[0]) or min(CIFAR10_DEFAULT_TEST, Xt.shape[0])
    tr = rng.permutation(X.shape[0])[:n]
    te = rng.permutation(Xt.shape[0])[:nt]
    Xall = np.concatenate([X[tr], Xt[te]]).astype(float) / 255.0
    Xall = _standardize(Xall, n)
    Y, cls = _class_targets(np.concatenate([lab[tr], labt[te]]), k, CIFAR10_VEHICLES)
    return Dataset(Xall[:n], Y[:n], Xall[n:], Y[n:], cls[:n], cls[n:], "cifar10")


def accuracy(F: np.ndarray, labels: np.ndarray) -> float:
    """Classification accuracy of outputs F (N, k): argmax for k > 1, sign for k = 1."""
    F = np.asarray(F)
    if F.ndim == 1:
        F = F[:, None]
    pred = np.argmax(F, axis=1) if F.shape[1] > 1 else (F[:, 0] > 0).astype(int)
    return float(np.mean(pred == np.asarray(labels)))
