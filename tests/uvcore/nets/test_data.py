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
