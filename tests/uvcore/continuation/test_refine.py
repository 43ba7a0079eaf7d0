"""Refinement of the flips (uvcore.continuation.refine) against independent truths.

The located flips are checked with derivatives taken by central finite
differences of the spec's maps written out in plain Python (the EoS map of
spec §3 and the (Δf, λ) step of spec §2), not with the code's analytic
Jacobians, and the double-double edge map against the float64 kernel.
"""

import numpy as np
import pytest

from uvcore import MapParams, periodic_orbit

from ..spec import spec_step
from .common import N_EFF, eos_iterate

#: The period-k orbit handed to the finite differences is an orbit (plain iteration).
ORBIT_TOL = 1e-10
#: Central-difference multiplier of gᵏ at a flip vs −1 (step FD_STEP, k ≤ 8).
FD_MULTIPLIER_TOL = 1e-5
FD_STEP = 1e-6
#: Central-difference 2×2 Jacobian of the 2-D map's k-th iterate in (Δf, λ).
FD_JACOBIAN_TOL = 1e-4


def _fd_multiplier(z, c, k):
    """d gᵏ/dz by central differences of the plain-Python EoS map."""
    return (eos_iterate(z + FD_STEP, c, k) - eos_iterate(z - FD_STEP, c, k)) / (2 * FD_STEP)


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_flip_multiplier_by_finite_differences(eos, level):
    """At c_j the period-2^(j−1) orbit's multiplier is −1; a little below it is
    above −1 (stable) and a little above it below −1."""
    lv = eos.levels[level - 1]
    k, c = lv.period, lv.c_flip
    orb = periodic_orbit(MapParams(c, N_EFF), k, map="eos")
    z = float(orb.z[0])
    assert abs(eos_iterate(z, c, k) - z) <= ORBIT_TOL
    assert _fd_multiplier(z, c, k) == pytest.approx(-1.0, abs=FD_MULTIPLIER_TOL)
    gap = eos.levels[level].c_flip - c
    for side, sign in ((-1, 1.0), (1, -1.0)):
        cs = c + side * 0.05 * gap
        zs = float(periodic_orbit(MapParams(cs, N_EFF), k, map="eos").z[0])
        assert sign * (_fd_multiplier(zs, cs, k) + 1.0) > 0


def _spec_iterate(df, lam, params, k):
    for _ in range(k):
        df, lam = spec_step(df, lam, params.eta, params.n_eff, params.x_norm, params.y)
    return np.array([df, lam])


def _fd_jacobian(df, lam, params, k):
    """2×2 Jacobian of the spec step's k-th iterate by central differences."""
    cols = []
    for e in (np.array([1.0, 0.0]), np.array([0.0, 1.0])):
        h = FD_STEP * (1.0 + abs(df if e[0] else lam)) * e
        cols.append((_spec_iterate(df + h[0], lam + h[1], params, k)
                     - _spec_iterate(df - h[0], lam - h[1], params, k)) / (2 * np.max(h)))
    return np.column_stack(cols)


@pytest.mark.parametrize("level", [2, 3])
def test_2d_flip_eigenvalues_by_finite_differences(uv, level):
    """Dense eigenvalues of the numerically differentiated k-th iterate of the
    2-D map at the flip: one is −1, the other the reported transverse multiplier."""
    lv = uv.levels[level - 1]
    params = MapParams(lv.c_flip, N_EFF)
    orb = periodic_orbit(params, lv.period, map="uv")
    df, lam = float(orb.df[0]), float(orb.lam[0])
    back = _spec_iterate(df, lam, params, lv.period)
    assert np.max(np.abs(back - [df, lam])) <= ORBIT_TOL * (1 + lam)
    mu = np.sort(np.linalg.eigvals(_fd_jacobian(df, lam, params, lv.period)).real)
    assert mu[0] == pytest.approx(-1.0, abs=FD_JACOBIAN_TOL)
    assert mu[1] == pytest.approx(lv.transverse_multiplier, abs=FD_JACOBIAN_TOL)


def test_double_double_step_is_the_kernel_step():
    """The double-double edge map used for the flip refinement is pm_step on
    m = 0 (and its derivative the j11 of pm_jacobian), to float64 rounding."""
    from uvcore import _kernels as K
    for z0, c, k in ((0.3, 1.1, 1), (0.7, 1.29, 7), (1.2, 1.5, 16)):
        zh, zl, dh, dl = K.edge_orbit_dd(z0, 0.0, c, 0.0, k)
        r = K.orbit_jacobian(z0, 0.0, c, k)
        assert r[1] == 0.0 and r[4] == 0.0
        assert zh + zl == pytest.approx(r[0], rel=1e-12 * k)
        assert dh + dl == pytest.approx(r[2], rel=1e-11 * k)
    # error-free products: (1 + 2⁻³⁰)² keeps its 2⁻⁶⁰ term in the low part
    h, lo = K.dd_mul(1.0 + 2.0 ** -30, 0.0, 1.0 + 2.0 ** -30, 0.0)
    assert h == 1.0 + 2.0 ** -29 and lo == 2.0 ** -60
