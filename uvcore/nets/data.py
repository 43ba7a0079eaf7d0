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

For synthetic kinds the test set has ``n_test`` examples drawn the same way
(0: no test split).  Everything is a deterministic function of the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..params import UVInputError, check_count
from .model import MAX_INPUT_DIM, MAX_OUT_DIM, MAX_TRAIN

__all__ = ["DATA_KINDS", "TEACHER_WIDTH", "DIGITS_MAX_TRAIN", "Dataset", "make_data", "accuracy"]

DATA_KINDS = ("gaussian", "teacher", "digits")
TEACHER_WIDTH = 64
DIGITS_TOTAL = 1797
DIGITS_MAX_TRAIN = 1500


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
              n_test: int = 0, seed: int = 0) -> Dataset:
    """Build a :class:`Dataset` (module docstring).

    ``input_dim`` defaults to 64 for every kind (and must be 64 for digits);
    ``out_dim`` defaults to 1 for synthetic data and 10 (one-hot) for digits.
    """
    kind = str(kind).lower()
    if kind not in DATA_KINDS:
        raise UVInputError(f"data must be one of {', '.join(DATA_KINDS)}, got {kind!r}")
    seed = check_count("seed", seed, 0, 2 ** 63 - 1)
    rng = np.random.default_rng(seed)
    if kind == "digits":
        return _digits(n_train, input_dim, out_dim, rng)
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
    mu, sd = X[:n].mean(0), X[:n].std(0)
    X = (X - mu) / np.where(sd > 0, sd, 1.0)
    X[:, sd == 0] = 0.0
    if k == 10:
        Y = np.eye(10)[lab]
        cls = lab
    else:
        cls = (lab >= 5).astype(int)
        Y = (2.0 * cls - 1.0)[:, None]
    return Dataset(X[:n], Y[:n], X[n:], Y[n:], cls[:n], cls[n:], "digits")


def accuracy(F: np.ndarray, labels: np.ndarray) -> float:
    """Classification accuracy of outputs F (N, k): argmax for k > 1, sign for k = 1."""
    F = np.asarray(F)
    if F.ndim == 1:
        F = F[:, None]
    pred = np.argmax(F, axis=1) if F.shape[1] > 1 else (F[:, 0] > 0).astype(int)
    return float(np.mean(pred == np.asarray(labels)))
