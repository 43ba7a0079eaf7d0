"""Tests of uvcore.nets.train: a depth-2 linear network on one example is the UV
model step by step (spec §1–2), and run_network's c, hooks and divergence."""

import math

import numpy as np
import pytest

import uvcore
from uvcore.nets.data import Dataset, make_data
from uvcore.nets.model import NetSpec, Problem, init_params
from uvcore.nets.train import Cancelled, hessian_top, ntk_top, run_network

from .common import EXACT_RTOL

#: Network vs UV map / closed form, per step (spec: ~1e-9 relative).
UV_RTOL = 1e-9


# -- the UV model is a depth-2 linear network on one example -----------------------
@pytest.mark.parametrize("eta_over_etac,n,n_eff", [(0.8, 6, 3.0), (1.15, 10, 5.0), (1.3, 8, 40.0)])
def test_depth2_linear_network_on_one_example_is_the_uv_model(eta_over_etac, n, n_eff):
    x = np.array([[0.6, -0.8, 0.5]])
    y = 2.0
    spec = NetSpec(2, n, 3, 1, "linear", mult=(1.0, 1 / math.sqrt(n_eff)), var=(0.02, 0.03))
    prob = Problem(spec, x, np.array([[y]]))
    theta = init_params(spec, 5)
    x_norm = float(np.linalg.norm(x))
    eta = eta_over_etac * uvcore.eta_critical(n_eff, x_norm, y)
    params = uvcore.MapParams(eta, n_eff, x_norm, y)
    cur = prob.curvature(theta)
    df0 = float(cur.F[0, 0]) - y
    lam0 = ntk_top(cur, tol=1e-13).value
    # closed-form NTK of the UV model (spec §2) from the drawn weights
    U, v = spec.unflatten(theta)[0], spec.unflatten(theta)[1][0]
    assert lam0 == pytest.approx((np.sum((U @ x[0]) ** 2) + x_norm ** 2 * v @ v) / n_eff, rel=EXACT_RTOL)
    steps = 40
    tr = uvcore.trajectory(df0, lam0, params, steps)
    assert not tr.diverged
    vh = vn = None
    for t in range(steps + 1):
        cur = prob.curvature(theta)
        df = float(cur.F[0, 0]) - y
        ln = ntk_top(cur, vn, tol=1e-13, max_iter=60)
        lh = hessian_top(cur, vh, tol=1e-13, max_iter=60)
        vn, vh = ln.vector, lh.vector
        scale = abs(tr.df[t]) + abs(y)
        assert abs(df - tr.df[t]) <= UV_RTOL * scale, t
        assert ln.value == pytest.approx(tr.lam[t], rel=UV_RTOL), t
        assert lh.value == pytest.approx(tr.lam_h[t], rel=UV_RTOL), t
        assert lh.value == pytest.approx(float(uvcore.hessian_sharpness(df, ln.value, params)),
                                         rel=UV_RTOL), t
        theta = theta - eta * cur.gradient()
    # the training loop reports the same sharpness trajectory
    data = Dataset(x, np.array([[y]]), np.zeros((0, 3)), np.zeros((0, 1)), None, None, "one")
    run = run_network(spec, data, eta=eta, steps=steps, sharpness_every=1, seed=5, tol=1e-13)
    np.testing.assert_allclose(run.sharpness, tr.lam_h, rtol=UV_RTOL)
    np.testing.assert_allclose(run.ntk, tr.lam, rtol=UV_RTOL)
    np.testing.assert_allclose(run.loss, tr.loss, rtol=UV_RTOL, atol=UV_RTOL * y * y)


# -- training, hooks ---------------------------------------------------------------
def test_run_reports_c_and_hooks():
    ds = make_data("digits", 200, seed=0)
    spec = NetSpec(3, 32, 64, 10, "relu", "sp", 2.0)
    seen = []
    run = run_network(spec, ds, c=1.0, steps=30, sharpness_every=10, progress=seen.append)
    assert run.eta * run.lam0_h == pytest.approx(1.0)
    assert list(run.step) == [0, 10, 20, 30]
    assert run.loss[-1] < run.loss[0] and not run.diverged
    assert np.all(np.isfinite(run.test_loss)) and np.all((run.test_acc >= 0) & (run.test_acc <= 1))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        run_network(spec, ds, c=1.0, steps=30, cancel=lambda: True)
    big = run_network(spec, ds, c=40.0, steps=200, sharpness_every=50)
    assert big.diverged and big.diverged_at < 200
