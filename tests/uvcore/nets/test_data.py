"""Tests of uvcore.nets.data: shapes, standardisation and targets of the gaussian,
teacher and digits data sets, and bad input."""

import numpy as np
import pytest

from uvcore import UVInputError
from uvcore.nets.data import make_data

from .common import EXACT_RTOL

#: Variance of a gaussian-data target column: ‖B_col‖²/d for one draw of B (d = 10).
TARGET_VAR_RTOL = 0.6


def test_data_sets():
    g = make_data("gaussian", 3000, 10, 2, n_test=5, seed=1)
    assert g.X.shape == (3000, 10) and g.Y.shape == (3000, 2) and g.X_test.shape == (5, 10)
    assert g.Y.var(0) == pytest.approx([1, 1], rel=TARGET_VAR_RTOL)
    t = make_data("teacher", 500, 7, 1, seed=2)
    assert t.Y.mean() == pytest.approx(0, abs=EXACT_RTOL) and t.Y.std() == pytest.approx(1, rel=EXACT_RTOL)
    dg = make_data("digits", 1000, seed=0)
    assert dg.X.shape == (1000, 64) and dg.X_test.shape == (797, 64)
    assert np.allclose(dg.Y.sum(1), 1) and set(np.unique(dg.Y)) == {0.0, 1.0}
    assert np.all(np.abs(dg.X.mean(0)) < 1e-12)
    live = dg.X.std(0) > 0
    assert np.allclose(dg.X.std(0)[live], 1)
    s = make_data("digits", 100, out_dim=1, seed=0)
    assert set(np.unique(s.Y)) == {-1.0, 1.0}
    with pytest.raises(UVInputError, match="1500"):
        make_data("digits", 1700)
    with pytest.raises(UVInputError, match="data"):
        make_data("cifar", 10)


# -- CIFAR-10 from a local directory ---------------------------------------------
#: Images per synthetic batch (the real ones hold 10,000).
CIFAR_PER_BATCH = 20


def write_cifar(d, per_batch=CIFAR_PER_BATCH, skip=()):
    """A CIFAR-10 python directory in the real files' format: pickled dicts (protocol
    2, bytes keys) with b"data" uint8 (N, 3072) and b"labels" a list of ints.

    Pixel 0 encodes the label (25 · label), pixel 1 a unique image number, pixel 3
    is in [0, 100] for training images and [150, 250] for test images; the rest
    is noise."""
    import pickle
    rng = np.random.default_rng(7)
    d.mkdir(exist_ok=True)
    serial = 0

    def batch(name, n, test):
        nonlocal serial
        labels = [int(v) for v in rng.integers(0, 10, n)]
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        data[:, 0] = np.array(labels) * 25
        data[:, 1] = np.arange(serial, serial + n)
        data[:, 3] = rng.integers(150, 251, n) if test else rng.integers(0, 101, n)
        serial += n
        if name not in skip:
            with open(d / name, "wb") as f:
                pickle.dump({b"batch_label": name.encode(), b"labels": labels, b"data": data,
                             b"filenames": [b"img%d.png" % i for i in range(n)]}, f, protocol=2)
    for i in range(1, 6):
        batch(f"data_batch_{i}", per_batch, False)
    batch("test_batch", per_batch, True)
    with open(d / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [b"airplane", b"automobile", b"bird", b"cat", b"deer",
                                      b"dog", b"frog", b"horse", b"ship", b"truck"],
                     b"num_cases_per_batch": per_batch, b"num_vis": 3072}, f, protocol=2)
    return d


def test_cifar10_from_a_local_directory(tmp_path, monkeypatch):
    d = write_cifar(tmp_path / "cifar-10-batches-py")
    ds = make_data("cifar10", 60, n_test=15, seed=3, directory=d)
    assert ds.X.shape == (60, 3072) and ds.Y.shape == (60, 10) and ds.X_test.shape == (15, 3072)
    # standardized with the training set's own statistics
    assert np.all(np.abs(ds.X.mean(0)) < 1e-9)
    live = ds.X.std(0) > 0
    assert np.allclose(ds.X.std(0)[live], 1)
    # 60 different training images, and the test images come from test_batch
    assert np.unique(ds.X[:, 1]).size == 60
    assert ds.X_test[:, 3].min() > ds.X[:, 3].max()
    # the one-hot target is the image's own label, which pixel 0 encodes (monotone)
    lab = ds.Y.argmax(1)
    assert np.array_equal(ds.labels, lab) and set(np.unique(ds.Y)) == {0.0, 1.0}
    order = np.argsort(ds.X[:, 0], kind="stable")
    assert np.all(np.diff(lab[order]) >= 0)
    # the environment variable; scalar targets: +1 for the vehicles 0, 1, 8, 9
    monkeypatch.setenv("CIFAR10_DIR", str(d))
    s = make_data("cifar10", 40, out_dim=1, seed=0)
    assert s.Y.shape == (40, 1) and set(np.unique(s.Y)) <= {-1.0, 1.0}
    # n_test 0: the default test size, capped by the batch
    assert make_data("cifar10", 10, seed=0).X_test.shape[0] == CIFAR_PER_BATCH


def test_cifar10_scalar_targets_are_vehicles(tmp_path):
    d = write_cifar(tmp_path / "c")
    s = make_data("cifar10", 100, out_dim=1, n_test=20, seed=0, directory=d)
    full = make_data("cifar10", 100, out_dim=10, n_test=20, seed=0, directory=d)
    vehicles = np.isin(full.Y.argmax(1), (0, 1, 8, 9))
    assert np.array_equal(s.Y[:, 0], np.where(vehicles, 1.0, -1.0))


def test_cifar10_missing_or_bad_says_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    with pytest.raises(UVInputError, match=r"CIFAR10_DIR is not set.*cs\.toronto\.edu"):
        make_data("cifar10", 10)
    d = write_cifar(tmp_path / "part", skip=("data_batch_3",))
    with pytest.raises(UVInputError, match="lacks data_batch_3.*cifar-10-python"):
        make_data("cifar10", 10, directory=d)
    d = write_cifar(tmp_path / "ok")
    with pytest.raises(UVInputError, match="input_dim 3072"):
        make_data("cifar10", 10, input_dim=64, directory=d)
    with pytest.raises(UVInputError, match="n_train"):
        make_data("cifar10", 101, directory=d)


def test_cifar10_pickles_cannot_run_code(tmp_path):
    import os
    import pickle

    class Planted:
        def __reduce__(self):
            return (os.system, ("touch planted",))

    d = write_cifar(tmp_path / "evil")
    with open(d / "data_batch_2", "wb") as f:
        pickle.dump({b"data": Planted(), b"labels": [0]}, f, protocol=2)
    with pytest.raises(UVInputError, match="not a CIFAR-10 python batch.*not allowed"):
        make_data("cifar10", 10, directory=d)
    assert not (tmp_path / "planted").exists() and not os.path.exists("planted")
    with open(d / "data_batch_2", "wb") as f:
        pickle.dump({b"data": np.zeros((3, 3072), np.float32), b"labels": [0, 1, 2]}, f,
                    protocol=2)
    with pytest.raises(UVInputError, match="uint8"):
        make_data("cifar10", 10, directory=d)
