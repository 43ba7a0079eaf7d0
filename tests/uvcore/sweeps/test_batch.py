"""uvcore.sweeps.batch: many independent orbits at once (run_batch)."""

import math

import numpy as np
import pytest

import uvcore
from uvcore import MapParams, UVInputError, edge_exponents, run_batch, trajectory

N_EFF, Y = 4.0, 2.0          # η_c = 1 and c = η
LAM_RTOL = 1e-9              # kept λ vs an independent iteration


def test_batch_equals_one_orbit_at_a_time():
    eta = np.linspace(0.3, 1.6, 131)
    res = run_batch(-2.0, 1.0, eta, n_eff=N_EFF, y=Y, transient=1500, window=64, keep=True)
    for i, e in enumerate(eta):
        tr = trajectory(-2.0, 1.0, MapParams(e, N_EFF, 1.0, Y), 1500 + 63)
        if tr.diverged:
            assert res.period[i] == -1 and np.all(np.isnan(res.lam_window[i]))
        else:
            assert np.allclose(res.lam_window[i], tr.lam[-64:], rtol=LAM_RTOL, atol=1e-12)


def test_batch_over_starts_and_eta_broadcasts():
    res = run_batch([-2.0, -1.0, 0.0], [1.0, 2.0, 3.0], 0.5, n_eff=N_EFF, y=Y,
                    transient=400, window=32)
    assert res.period.shape == (3,)
    assert np.all(res.period == 1)  # c = 0.5 < 1: everything converges
    assert np.all(res.eta_lam < 2)


def test_bad_batch_input():
    with pytest.raises(UVInputError, match="eta must be finite"):
        run_batch(-2.0, 1.0, [0.5, np.nan], n_eff=N_EFF)
    with pytest.raises(UVInputError, match="lam0 must be > 0 to start on the EoS edge"):
        run_batch(-2.0, 0.0, 0.5, n_eff=N_EFF, on_edge=True)


@pytest.mark.parametrize("c, tol", [(1.1, 1e-3), (1.5, 0.03), (1.8, 0.03)])
def test_two_d_exponent_on_the_edge_is_the_larger_edge_exponent(c, tol):
    """On the edge the tangent map is triangular: its top exponent is the
    larger of the in-edge exponent and twice spec §3's transverse exponent
    (the tangent map acts on M, which grows by (1 + k)²; spec §3's exponent
    is that of √M).  Chaotic orbits (c = 1.5, 1.8) differ after rounding, so
    only their statistics agree; at c = 1.1 the tangent vector needs a few
    steps to turn onto the dominant direction, an O(1/steps) difference."""
    params = MapParams(c, N_EFF, 1.0, Y)
    z0, transient, steps = 0.3, 2000, 20000
    ex = edge_exponents(params, z0=z0, transient=transient, steps=steps)
    lam0 = 2 * z0 / params.eta              # on the edge, λ = 2z/η
    df0 = lam0 * math.sqrt(N_EFF) / 2 - Y   # and f = λ√n_eff/(2‖x‖)
    res = run_batch(df0, lam0, params.eta, n_eff=N_EFF, y=Y, transient=transient, window=steps)
    assert res.lyapunov[0] == pytest.approx(max(ex.in_edge, 2 * ex.transverse), abs=tol)


@pytest.mark.parametrize("k", [1, 2, 3, 37, 64])
def test_period_detection_up_to_64(k):
    rng = np.random.default_rng(k)
    cycle_p, cycle_m = rng.uniform(0, 2, k), rng.uniform(0, 2, k)
    p, m = np.tile(cycle_p, 300 // k + 2)[:256], np.tile(cycle_m, 300 // k + 2)[:256]
    assert uvcore._kernels.period_of(p, m, 64, uvcore.PERIOD_TOL) == k
    # a perturbation above the tolerance breaks the period
    p[-1] += 1e-5
    assert uvcore._kernels.period_of(p, m, 64, uvcore.PERIOD_TOL) != k
