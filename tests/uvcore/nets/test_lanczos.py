"""Tests of uvcore.nets.lanczos: the largest algebraic eigenvalue and warm starts,
against a matrix of known spectrum."""

import numpy as np
import pytest

from uvcore.nets.lanczos import lanczos_top

from .common import LANCZOS_RTOL

#: Lanczos with a warm start stopped at tol 1e-6 / 1e-9.
WARM_RTOL = 1e-6


def test_lanczos_largest_algebraic_and_warm_start():
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.standard_normal((60, 60)))
    ev = np.concatenate([[-9.0, 5.0, 4.9], rng.uniform(-3, 3, 57)])
    A = Q @ np.diag(ev) @ Q.T
    r = lanczos_top(lambda v: A @ v, 60, tol=1e-12)
    assert r.value == pytest.approx(5.0, rel=LANCZOS_RTOL)     # not the -9 of largest modulus
    warm = lanczos_top(lambda v: A @ v, 60, v0=r.vector, tol=1e-6)
    assert warm.value == pytest.approx(5.0, rel=WARM_RTOL)
    assert warm.iterations < r.iterations
    # a warm start on the second eigenvector still finds the top one
    w2 = lanczos_top(lambda v: A @ v, 60, v0=Q[:, 2], tol=1e-9)
    assert w2.value == pytest.approx(5.0, rel=WARM_RTOL)
