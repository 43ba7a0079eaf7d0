"""Tests of uvcore.nets: exact HVPs, Lanczos, the UV-model embedding, init
statistics, data, experiments and the ``network`` CLI.

Reference values are independent computations: a loss written out here with
plain NumPy (no code from uvcore.nets), finite differences of it, dense
``numpy.linalg.eigvalsh``, and the UV model's function-space map and
closed-form Hessian sharpness (spec §2, §4).
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import uvcore
from uvcore import UVInputError
from uvcore.nets.data import Dataset, make_data
from uvcore.nets.experiments import fig1, fig4, fig5, uv_calibrate, uv_for_run
from uvcore.nets.lanczos import lanczos_top
from uvcore.nets.model import NetSpec, Problem, init_params
from uvcore.nets.train import Cancelled, hessian_top, ntk_top, run_network

ROOT = Path(__file__).resolve().parents[2]

#: HVP vs central differences of the gradient (step 1e-5: error ~1e-10 relative).
FD_GRAD_RTOL = 1e-7
#: Dense Hessian from second differences of the loss alone (step 1e-4).
FD_LOSS_ATOL = 1e-6
#: Lanczos run to tol 1e-12 vs dense eigvalsh.
LANCZOS_RTOL = 1e-9
#: Network vs UV map / closed form, per step (spec: ~1e-9 relative).
UV_RTOL = 1e-9
#: Sampling tolerance for init statistics (several standard errors).
STAT_RTOL = 0.05
#: Sample variance of 1024 weights (std ≈ 4.4 %).
W_VAR_RTOL = 0.15
#: Mean of f² over 400 seeds (f² has relative std ≈ √2: std of the mean ≈ 7 %).
F2_RTOL = 0.25
#: Variance of a gaussian-data target column: ‖B_col‖²/d for one draw of B (d = 10).
TARGET_VAR_RTOL = 0.6
#: Identities that hold to rounding.
EXACT_RTOL = 1e-12
#: Gradient vs central differences of the loss (step 1e-6).
FD_LOSS_GRAD_RTOL = 1e-6
#: Top eigenvalue of a finite-difference Hessian / Jacobian (step 1e-4 / 1e-6).
FD_EIG_RTOL = 1e-5
#: Lanczos with a warm start stopped at tol 1e-6 / 1e-9.
WARM_RTOL = 1e-6
#: float32 vs float64 sharpness.
F32_RTOL = 1e-4
#: Calibrated n_eff vs the true one (bisection in log n_eff).
CAL_RTOL = 1e-4


# -- independent reference: the loss written out directly ---------------------
def ref_loss(ws, mult, act, X, Y):
    """(1/2N) Σ ‖F − Y‖², F = mult_L φ(… φ(mult_1 X w_1ᵀ) …) w_Lᵀ; no biases."""
    phi = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z}[str(act)]
    h = X
    for w, m in zip(ws[:-1], mult[:-1]):
        h = phi(m * h @ w.T)
    F = mult[-1] * h @ ws[-1].T
    return 0.5 * np.sum((F - Y.reshape(F.shape)) ** 2) / X.shape[0]


def flat_ref_loss(spec, X, Y):
    def f(theta):
        ws = [np.array(w) for w in spec.unflatten(np.asarray(theta, float))]
        return ref_loss(ws, spec.mult, spec.activation, X, Y)
    return f


def dense_hessian_fd(f, theta, h=1e-4):
    """Hessian of a scalar function by central second differences (loss only)."""
    P = theta.size
    H = np.empty((P, P))
    E = np.eye(P) * h
    for i in range(P):
        for j in range(i, P):
            v = (f(theta + E[i] + E[j]) - f(theta + E[i] - E[j])
                 - f(theta - E[i] + E[j]) + f(theta - E[i] - E[j])) / (4 * h * h)
            H[i, j] = H[j, i] = v
    return H


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


# -- the UV model is a depth-2 linear network on one example -------------------
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


# -- data ---------------------------------------------------------------------------
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


# -- training, hooks -----------------------------------------------------------------
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


def test_float32_sharpness_agrees():
    ds = make_data("gaussian", 300, 8, 1, seed=0)
    spec = NetSpec(3, 64, 8, 1, "tanh", "sp", 1.0)
    th = init_params(spec, 0)
    a = hessian_top(Problem(spec, ds.X, ds.Y).curvature(th), tol=1e-8).value
    b = hessian_top(Problem(spec, ds.X, ds.Y, dtype="float32").curvature(th), tol=1e-5).value
    assert b == pytest.approx(a, rel=F32_RTOL)


# -- CLI -----------------------------------------------------------------------------
def cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "uvcore", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_cli_network_and_save_round_trip(tmp_path):
    path = tmp_path / "net.npz"
    r = cli("network", "--depth", "3", "--width", "5", "--activation", "tanh", "--param", "mup",
            "--sigma-w2", "2", "--data", "teacher", "--n-train", "12", "--input-dim", "3",
            "--out-dim", "2", "--n-test", "4", "--c", "0.5", "--steps", "6",
            "--sharpness-every", "3", "--tol", "1e-12", "--seed", "3", "--save", str(path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["step"] == [0, 3, 6] and len(out["sharpness"]) == 3 and len(out["ntk"]) == 3
    assert len(out["test_loss"]) == 3 and out["diverged"] is False
    assert out["eta"] * out["lam0_h"] == pytest.approx(0.5)
    z = np.load(path)
    ws = [z[f"w{i}"] for i in range(3)]
    assert [w.shape for w in ws] == [(5, 3), (5, 5), (2, 5)]
    assert str(z["activation"]) == "tanh"
    X, Y, mult = z["X"], z["Y"], z["mult"]
    loss0 = ref_loss(ws, mult, "tanh", X, Y)
    assert loss0 == pytest.approx(out["loss"][0], rel=EXACT_RTOL)
    # the Hessian at init, recomputed from the file alone
    shapes = [w.shape for w in ws]
    sizes = [a * b for a, b in shapes]

    def f(theta):
        parts = np.split(theta, np.cumsum(sizes)[:-1])
        return ref_loss([p.reshape(s) for p, s in zip(parts, shapes)], mult, "tanh", X, Y)
    th0 = np.concatenate([w.ravel() for w in ws])
    lam_h = np.linalg.eigvalsh(dense_hessian_fd(f, th0))[-1]
    assert out["lam0_h"] == pytest.approx(lam_h, rel=FD_EIG_RTOL)


@pytest.mark.parametrize("args,needle", [
    (["--activation", "gelu", "--c", "1"], "activation"),
    (["--width", "5000", "--c", "1"], "width"),
    (["--c", "inf"], "finite"),
    (["--sigma-w2", "nan", "--c", "1"], "finite"),
    (["--data", "digits", "--input-dim", "10", "--c", "1"], "64"),
])
def test_cli_bad_input_exit_2_one_line(args, needle):
    r = cli("network", *args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and needle in r.stderr


# -- experiments (reduced size) --------------------------------------------------------
@pytest.mark.parametrize("n_eff", [0.3, 4.0, 50.0])
def test_calibration_recovers_a_known_uv_model(n_eff):
    """A UV model with known n_eff plays the network: the fit must find that n_eff.

    At c_cal = 0.5 the NTK ratio is monotone in n_eff here, so the fit is unique.
    """
    y, df0, lam0, steps = 1.3, -1.1, 1.7, 200
    eta_cal = 0.5 / float(uvcore.hessian_sharpness(df0, lam0, (n_eff, 1.0, y)))
    truth = uvcore.trajectory(df0, lam0, uvcore.MapParams(eta_cal, n_eff, 1.0, y), steps)
    assert not truth.diverged
    m = uv_calibrate(0.5 * df0 ** 2, lam0, y, truth.lam[-1] / lam0, eta_cal, steps,
                     eta_per_c=eta_cal / 0.5, c=0.5)
    assert m.calibrated and m.method == "calibrated"
    assert m.n_eff == pytest.approx(n_eff, rel=CAL_RTOL)
    assert m.params.eta == pytest.approx(eta_cal) and m.at(1.0).params.eta == pytest.approx(2 * eta_cal)


@pytest.mark.parametrize("n_eff, eta_over_etac", [(3.0, 0.8), (40.0, 0.6), (0.5, 0.9)])
def test_fitted_matching_recovers_the_uv_model_a_one_example_network_is(n_eff, eta_over_etac):
    """A depth-2 linear network on one example is a UV model (spec §1–2), so
    the fit to its own run must find its n_eff (in ‖x‖ = 1 units: n_eff/‖x‖²)."""
    x, y, steps = np.array([[0.6, -0.8, 0.5]]), 2.0, 60
    spec = NetSpec(2, 8, 3, 1, "linear", mult=(1.0, 1 / math.sqrt(n_eff)), var=(0.02, 0.03))
    data = Dataset(x, np.array([[y]]), np.zeros((0, 3)), np.zeros((0, 1)), None, None, "one")
    x_norm = float(np.linalg.norm(x))
    eta = eta_over_etac * uvcore.eta_critical(n_eff, x_norm, y)
    run = run_network(spec, data, eta=eta, steps=steps, sharpness_every=steps, seed=5, tol=1e-12)
    m = uv_for_run(spec, data, run, steps, "fitted")
    assert m.method == "fitted" and m.calibrated
    assert m.n_eff == pytest.approx(n_eff / x_norm ** 2, rel=CAL_RTOL)
    assert m.params.eta == pytest.approx(run.eta, rel=EXACT_RTOL) and m.c == pytest.approx(run.c)
    assert m.coupling == pytest.approx(eta * x_norm * y / math.sqrt(n_eff), rel=CAL_RTOL)
    tr = m.run(steps)
    assert tr.lam_h[-1] == pytest.approx(run.sharpness[-1], rel=CAL_RTOL)


def test_fitted_matching_needs_a_run_that_did_not_diverge():
    data = make_data("gaussian", 64, 8, 1, seed=0)
    spec = NetSpec(2, 16, 8, 1, "linear", "sp", 1.0)
    run = run_network(spec, data, c=40.0, steps=50, sharpness_every=10)
    assert run.diverged
    with pytest.raises(UVInputError, match=r"diverged at step \d+: nothing to fit"):
        uv_for_run(spec, data, run, 50, "fitted")
    with pytest.raises(UVInputError, match="matching must be one of"):
        uv_for_run(spec, data, run, 50, "closest")


@pytest.mark.parametrize("fn", [fig4, fig5])
def test_grid_experiments_refuse_fitted_matching(fn):
    with pytest.raises(UVInputError, match="matching must be one of calibrated, structural"):
        fn(scale=0.02, matching="fitted")


@pytest.mark.slow
def test_fig1_fitted_keeps_networks_without_a_model():
    """At c = 300 the networks diverge: each keeps its trajectories, and its UV slot
    is a note, not a model."""
    res = fig1(c=300.0, scale=0.05, steps=200, data="gaussian", n_train=400, depth=3,
               matching="fitted")
    for run, m, tr, note in zip(res.runs, res.uv, res.uv_traj, res.uv_notes):
        assert run.diverged and run.loss.size == run.diverged_at + 1
        assert m is None and tr is None and "nothing to fit" in note


@pytest.mark.slow
def test_fig1_small():
    res = fig1(scale=0.05, steps=200, data="gaussian", n_train=400, depth=3, matching="structural")
    assert len(res.runs) == 3 and len(res.uv_traj) == 3
    assert res.uv[0].n_eff == 1.0 and res.uv[2].n_eff == pytest.approx(64.0)
    for run, m, tr in zip(res.runs, res.uv, res.uv_traj):
        assert run.c == pytest.approx(1.0) and m.c == pytest.approx(1.0)
        assert m.params.eta * m.lam0_h == pytest.approx(1.0)
        assert tr.lam_h.size == 11
    cal = fig1(scale=0.05, steps=200, data="gaussian", n_train=400, depth=3)
    for run, m in zip(cal.runs, cal.uv):
        assert m.method == "calibrated"
        assert m.params.eta == pytest.approx(run.eta)          # same η as the network
        assert m.lam0 == pytest.approx(run.ntk[0], rel=EXACT_RTOL)   # same initial NTK
        assert 0.5 * m.df0 ** 2 == pytest.approx(run.loss[0])  # same initial loss


@pytest.mark.slow
def test_fig4_small_and_progress():
    seen = []
    res = fig4(scale=0.05, cs=(0.5, 1.5, 30.0), sigma_w2s=(0.5, 2.0), ss=(0.0, 1.0),
               n_train=600, matching="structural", progress=seen.append)
    assert res.half_sharp_a.shape == (2, 3) and res.half_sharp_b.shape == (2, 3)  # explicit: kept
    ok = ~res.diverged_a
    assert np.all(np.isfinite(res.half_sharp_a[ok])) and np.all(np.isnan(res.half_sharp_a[~ok]))
    assert res.uv_diverged_a[:, -1].all() and not res.uv_diverged_a[:, 0].any()  # UV: c = 30 diverges
    assert np.all(np.isnan(res.uv_half_sharp_a[:, -1]))
    assert np.all(np.isfinite(res.test_acc_a[ok]))
    assert res.uv_n_eff_b == pytest.approx([1.0, 64.0])
    assert seen[-1] == 1.0 and seen == sorted(seen)


@pytest.mark.slow
def test_fig5_small_period_two():
    """At c = 1.6 both the network and its UV match sit on a period-2 EoS orbit."""
    res = fig5(cs=(1.6,), traj_cs=(1.6,), n_train=400, width=128, steps=800, tail=40,
               spectrum_last=128, sharpness_every=100)
    assert res.uv_n_eff == pytest.approx(16.0)     # μP: n_eff = d
    for bif, eta in ((res.bif[0], res.bif_eta[0]), (res.uv_bif[0], res.uv_eta[0])):
        half = eta * bif / 2
        assert np.all(np.isfinite(half))
        assert np.abs(half[-1] - half[-3]) < 1e-3 * half[-1] < np.abs(half[-1] - half[-2])
    k = np.argmax(res.power[0][1:]) + 1
    assert res.freq[k] == pytest.approx(0.5)
    assert res.freq[np.argmax(res.uv_power[0][1:]) + 1] == pytest.approx(0.5)


def test_cli_network_experiment(tmp_path):
    path = tmp_path / "fig4.npz"
    r = cli("network-experiment", "--experiment", "fig4", "--scale", "0.02", "--save", str(path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert np.array(out["half_sharp_a"]).shape == (len(out["sigma_w2"]), len(out["c"]))
    z = np.load(path)
    np.testing.assert_array_equal(z["c"], out["c"])
    bad = cli("network-experiment", "--experiment", "fig4", "--scale", "2")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "scale" in bad.stderr


def test_cli_network_experiment_grids():
    """--scale thins the default grids; --full-grid / --c-points fix them; --panel picks one."""
    thin = json.loads(cli("network-experiment", "--experiment", "fig4", "--scale", "0.02",
                          "--matching", "structural").stdout)
    assert len(thin["c"]) == 2 and len(thin["sigma_w2"]) == 2 and len(thin["s"]) == 2
    full = cli("network-experiment", "--experiment", "fig4", "--scale", "0.02", "--full-grid",
               "--panel", "a", "--matching", "structural")
    assert full.returncode == 0, full.stderr
    out = json.loads(full.stdout)
    assert out["c"] == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0] and len(out["sigma_w2"]) == 5
    assert np.array(out["half_sharp_a"]).shape == (5, 7) and out["s"] == []
    r = cli("network-experiment", "--experiment", "fig5", "--scale", "0.02", "--c-points", "3")
    assert json.loads(r.stdout)["c"] == [1.0, 1.75, 2.5]


@pytest.mark.parametrize("args, word", [
    (("--experiment", "fig4", "--c-points", "3"), "--c-points"),
    (("--experiment", "fig5", "--c-points", "1"), "at least 2"),
    (("--experiment", "fig1", "--full-grid"), "--full-grid"),
    (("--experiment", "fig5", "--panel", "a"), "--panel"),
    (("--experiment", "fig4", "--c", "1.5"), "--c"),
    (("--experiment", "fig1", "--c", "nan"), "finite"),
    (("--experiment", "fig4", "--panel", "c"), "panel"),
])
def test_cli_network_experiment_bad_flags(args, word):
    r = cli("network-experiment", "--scale", "0.02", *args)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and word in r.stderr, r.stderr


def test_cli_fig1_with_networks_that_have_no_uv_model(tmp_path):
    """At c = 300 the digits networks diverge or die (every ReLU off, NTK 0): under
    "fitted" matching they have no UV model — null in the JSON, NaN in the .npz,
    the other arrays intact."""
    path = tmp_path / "fig1.npz"
    r = cli("network-experiment", "--experiment", "fig1", "--scale", "0.02", "--c", "300",
            "--matching", "fitted", "--save", str(path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["uv"] == [None, None, None] and out["uv_traj"] == [None, None, None]
    for run, note in zip(out["runs"], out["uv_notes"]):
        assert note.startswith("no UV model: ")
        assert ("nothing to fit" in note) == run["diverged"]
        assert run["diverged"] or not run["ntk"][-1] > 0
    z = np.load(path)          # no pickled objects
    assert np.isnan(z["uv"]).all() and z["runs/0/loss_all"].size >= 1
