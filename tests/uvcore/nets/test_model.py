"""Tests of uvcore.nets.model: the loss, its gradient, exact Hessian-vector and
Gauss-Newton products against an independent NumPy loss, finite differences
and dense eigensolvers; parameterization tables, initial statistics and bad
input."""

import math

import numpy as np
import pytest

from uvcore import UVInputError
from uvcore.nets.data import make_data
from uvcore.nets.model import NetSpec, Problem, init_params
from uvcore.nets.train import hessian_top, ntk_top, run_network

from .common import EXACT_RTOL, FD_EIG_RTOL, LANCZOS_RTOL, dense_hessian_fd, ref_loss

#: HVP vs central differences of the gradient (step 1e-5: error ~1e-10 relative).
FD_GRAD_RTOL = 1e-7
#: Dense Hessian from second differences of the loss alone (step 1e-4).
FD_LOSS_ATOL = 1e-6
#: Sampling tolerance for init statistics (several standard errors).
STAT_RTOL = 0.05
#: Sample variance of 1024 weights (std ≈ 4.4 %).
W_VAR_RTOL = 0.15
#: Mean of f² over 400 seeds (f² has relative std ≈ √2: std of the mean ≈ 7 %).
F2_RTOL = 0.25
#: Gradient vs central differences of the loss (step 1e-6).
FD_LOSS_GRAD_RTOL = 1e-6
#: float32 vs float64 sharpness.
F32_RTOL = 1e-4


def flat_ref_loss(spec, X, Y):
    def f(theta):
        ws = [np.array(w) for w in spec.unflatten(np.asarray(theta, float))]
        return ref_loss(ws, spec.mult, spec.activation, X, Y)
    return f


def tiny(act, k, param="mup", depth=3, seed=0):
    spec = NetSpec(depth=depth, width=4, in_dim=3, out_dim=k, activation=act, param=param,
                   sigma_w2=2.0)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((6, 3))
    Y = rng.standard_normal((6, k))
    return spec, X, Y, init_params(spec, seed + 7)


CASES = [("relu", 1), ("tanh", 1), ("tanh", 3), ("linear", 2)]


# -- gradient, HVP, Gauss-Newton ---------------------------------------------------
@pytest.mark.parametrize("act,k", CASES)
def test_loss_and_gradient_match_reference(act, k):
    spec, X, Y, th = tiny(act, k)
    prob = Problem(spec, X, Y)
    f = flat_ref_loss(spec, X, Y)
    loss, g = prob.loss_grad(th)
    assert loss == pytest.approx(f(th), rel=EXACT_RTOL)
    eps = 1e-6
    gfd = np.array([(f(th + eps * e) - f(th - eps * e)) / (2 * eps) for e in np.eye(th.size)])
    np.testing.assert_allclose(g, gfd, rtol=FD_LOSS_GRAD_RTOL, atol=1e-3 * FD_LOSS_GRAD_RTOL)


@pytest.mark.parametrize("act,k", CASES)
def test_hvp_matches_gradient_differences(act, k):
    spec, X, Y, th = tiny(act, k)
    prob = Problem(spec, X, Y)
    cur = prob.curvature(th)
    rng = np.random.default_rng(1)
    eps = 1e-5
    for _ in range(3):
        v = rng.standard_normal(th.size)
        fd = (prob.loss_grad(th + eps * v)[1] - prob.loss_grad(th - eps * v)[1]) / (2 * eps)
        hv = cur.hvp(v)
        np.testing.assert_allclose(hv, fd, rtol=FD_GRAD_RTOL, atol=FD_GRAD_RTOL * np.abs(fd).max())


@pytest.mark.parametrize("act,k", CASES)
def test_dense_hessian_and_lanczos_top(act, k):
    spec, X, Y, th = tiny(act, k)
    cur = Problem(spec, X, Y).curvature(th)
    P = th.size
    H = np.array([cur.hvp(e) for e in np.eye(P)]).T
    np.testing.assert_allclose(H, H.T, atol=EXACT_RTOL * np.abs(H).max())
    Href = dense_hessian_fd(flat_ref_loss(spec, X, Y), th)
    np.testing.assert_allclose(H, Href, atol=FD_LOSS_ATOL * max(1.0, np.abs(Href).max()))
    top_dense = np.linalg.eigvalsh(Href)[-1]
    top = hessian_top(cur, tol=1e-12, max_iter=P)
    assert top.converged
    assert top.value == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=LANCZOS_RTOL)
    assert top.value == pytest.approx(top_dense, rel=FD_EIG_RTOL)


@pytest.mark.parametrize("act,k", CASES)
def test_ntk_top_matches_dense_jacobian(act, k):
    spec, X, Y, th = tiny(act, k)
    prob = Problem(spec, X, Y)
    cur = prob.curvature(th)
    eps = 1e-6
    # Jacobian of the N·k outputs by central differences of the reference forward
    def outs(t):
        ws = spec.unflatten(t)
        phi = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z}[act]
        h = X
        for w, m in zip(ws[:-1], spec.mult[:-1]):
            h = phi(m * h @ w.T)
        return (spec.mult[-1] * h @ ws[-1].T).ravel()
    J = np.array([(outs(th + eps * e) - outs(th - eps * e)) / (2 * eps) for e in np.eye(th.size)]).T
    ntk_dense = np.linalg.eigvalsh(J @ J.T / X.shape[0])[-1]
    assert ntk_top(cur, tol=1e-12, max_iter=th.size).value == pytest.approx(ntk_dense, rel=FD_EIG_RTOL)


def test_float32_sharpness_agrees():
    ds = make_data("gaussian", 300, 8, 1, seed=0)
    spec = NetSpec(3, 64, 8, 1, "tanh", "sp", 1.0)
    th = init_params(spec, 0)
    a = hessian_top(Problem(spec, ds.X, ds.Y).curvature(th), tol=1e-8).value
    b = hessian_top(Problem(spec, ds.X, ds.Y, dtype="float32").curvature(th), tol=1e-5).value
    assert b == pytest.approx(a, rel=F32_RTOL)


# -- parameterizations -------------------------------------------------------------
def test_multipliers_and_variances_follow_the_table():
    n, d, sig = 64, 16, 2.0
    sp = NetSpec(4, n, d, 3, "relu", "sp", sig)
    assert sp.mult == (1.0, 1.0, 1.0, 1.0)
    assert sp.var == pytest.approx((sig / d, sig / n, sig / n, sig / n))
    mup = NetSpec(4, n, d, 3, "relu", "mup", sig)
    assert mup.mult == pytest.approx((math.sqrt(n / d), 1.0, 1.0, 1 / math.sqrt(n)))
    assert mup.var == pytest.approx((sig / n, sig / n, sig / n, sig / n))
    half = NetSpec(2, n, d, 1, "linear", 0.5, sig)
    assert half.mult == pytest.approx(((n / d) ** 0.25, n ** -0.25))
    assert half.var == pytest.approx((sig / (d ** 0.5 * n ** 0.5), sig / n))
    # effective (mult·W) variances: input and hidden as in SP for every s
    for s in (0.0, 0.3, 1.0):
        sp_s = NetSpec(3, n, d, 1, "relu", s, sig)
        eff = [m * m * v for m, v in zip(sp_s.mult, sp_s.var)]
        assert eff[0] == pytest.approx(sig / d) and eff[1] == pytest.approx(sig / n)
        assert eff[2] == pytest.approx(sig / n ** (1 + s))


@pytest.mark.parametrize("param", ["sp", "mup"])
def test_initial_statistics(param):
    """Stored-weight variances, output variance and NTK of a wide linear net at init."""
    n, d, sig = 1024, 8, 1.5
    spec = NetSpec(2, n, d, 1, "linear", param, sig)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(d)
    xx = float(x @ x)
    a2 = (spec.mult[0] * spec.mult[1]) ** 2
    lam = []
    for seed in range(40):
        th = init_params(spec, seed)
        W1, W2 = spec.unflatten(th)
        if seed == 0:
            assert W1.var() == pytest.approx(spec.var[0], rel=STAT_RTOL)
            assert W2.var() == pytest.approx(spec.var[1], rel=W_VAR_RTOL)
        cur = Problem(spec, x[None], np.zeros((1, 1))).curvature(th)
        lam.append(ntk_top(cur, tol=1e-10).value)
    f2 = []
    for seed in range(400):
        W1, W2 = spec.unflatten(init_params(spec, seed))
        f2.append(float(ref_loss([W1, W2], spec.mult, "linear", x[None], np.zeros(1))) * 2)
    # E f² = α² n var1 var2 ‖x‖²;  E λ = α² n (var1 + var2) ‖x‖²   (α = mult1·mult2)
    assert np.mean(f2) == pytest.approx(a2 * n * spec.var[0] * spec.var[1] * xx, rel=F2_RTOL)
    assert np.mean(lam) == pytest.approx(a2 * n * (spec.var[0] + spec.var[1]) * xx, rel=STAT_RTOL)
    if param == "mup":   # width-independent NTK: 2σ²‖x‖²/d
        assert np.mean(lam) == pytest.approx(2 * sig * xx / d, rel=STAT_RTOL)


def test_bad_spec_and_problem_input():
    with pytest.raises(UVInputError, match="activation"):
        NetSpec(2, 8, 3, 1, "gelu")
    with pytest.raises(UVInputError, match="width"):
        NetSpec(2, 100000, 3, 1)
    with pytest.raises(UVInputError, match="depth"):
        NetSpec(1, 8, 3, 1)
    with pytest.raises(UVInputError, match="sigma_w2"):
        NetSpec(2, 8, 3, 1, sigma_w2=float("nan"))
    with pytest.raises(UVInputError, match="param"):
        NetSpec(2, 8, 3, 1, param="ntk")
    spec = NetSpec(2, 8, 3, 1)
    with pytest.raises(UVInputError, match="finite"):
        Problem(spec, np.full((2, 3), np.nan), np.zeros((2, 1)))
    with pytest.raises(UVInputError, match="exactly one"):
        run_network(spec, make_data("gaussian", 4, 3), eta=0.1, c=1.0)
