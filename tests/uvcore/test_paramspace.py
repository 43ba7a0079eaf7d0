"""Parameter-space UV model (uvcore.paramspace) against independent truths.

References: the function-space map of spec §2 (a different computation of the
same dynamics), dense Hessians built here over all n(d + 1) parameters, finite
differences of f, the decoupling identities of spec §2.1 evaluated on the
actual vectors, and the initial statistics of spec §1.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import uvcore
from uvcore import MapParams, UVInputError
from uvcore.paramspace import (MAX_PARAMS, MAX_TRAIN_STEPS, MAX_WIDTH, gd_step, initialize,
                               resolve_preset, sample_start, state, train)

#: Parameter-space GD vs the map over 200 steps (relative to the series' scale).
MAP_AGREEMENT_TOL = 1e-9
#: One GD step vs one map step (relative to the natural scale of each quantity).
ONE_STEP_TOL = 1e-12
#: Closed-form λ^H vs the dense eigen-decomposition (relative).
EIG_TOL = 1e-10
#: Identities evaluated on actual vectors (relative).
IDENTITY_TOL = 1e-12
#: Initial statistics: allowed deviation in units of the sampling standard error.
SAMPLING_SIGMAS = 5.0


# -- independent helpers ----------------------------------------------------

def f_of(theta, n, d, x, n_eff):
    """f for the flat parameter vector θ = (vec U, v)."""
    U = theta[:n * d].reshape(n, d)
    v = theta[n * d:]
    return float(v @ U @ x) / math.sqrt(n_eff)


def grad_f_fd(theta, n, d, x, n_eff, h=1e-3):
    """Central differences of f: exact up to rounding since f is bilinear."""
    g = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        g[i] = (f_of(theta + e, n, d, x, n_eff) - f_of(theta - e, n, d, x, n_eff)) / (2 * h)
    return g


def dense_loss_hessian(U, v, x, n_eff, y):
    """∇f∇fᵀ + Δf ∇²f over θ = (vec U, v), assembled entry by entry."""
    n, d = U.shape
    theta = np.concatenate([U.ravel(), v])
    gf = grad_f_fd(theta, n, d, x, n_eff)
    hf = np.zeros((theta.size, theta.size))
    a = 1.0 / math.sqrt(n_eff)
    for i in range(n):          # ∂²f/∂U_ij ∂v_i = α x_j, all other second derivatives 0
        for j in range(d):
            hf[i * d + j, n * d + i] = hf[n * d + i, i * d + j] = a * x[j]
    df = f_of(theta, n, d, x, n_eff) - y
    return np.outer(gf, gf) + df * hf


def spec_step(df, lam, eta, n_eff, x_norm, y):
    """Spec §2, transcribed."""
    f = df + y
    g = eta * x_norm ** 2 / n_eff
    return df * (1 - eta * lam + eta * g * df * f), lam + g * df * (eta * lam * df - 4 * f)


# -- map vs parameter-space GD ------------------------------------------------

# (preset, sigma, eta, seed, expected kind): NTP and μP, converging and at EoS
# (η > η_c, period-2 orbit on the edge).
AGREEMENT_CASES = [
    ("ntp", 1.0, 0.5, 0, "converged"),        # η_c = 4
    ("ntp", 0.5, 2.0, 3, "converged"),
    ("ntp", 0.2, 4.6, 1, "periodic"),         # η = 1.15 η_c
    ("mup", 0.7071, 0.4, 2, "converged"),     # η_c = 0.5
    ("mup", 0.7071, 0.6, 1, "periodic"),      # c = 1.2
    ("mup", 0.5, 0.55, 7, "periodic"),
]


@pytest.mark.parametrize("preset,sigma,eta,seed,kind", AGREEMENT_CASES)
def test_gd_matches_map(preset, sigma, eta, seed, kind):
    n, d, steps = 64, 5, 200
    n_eff, su, sv = resolve_preset(preset, n, sigma)
    run = train(n, d, eta=eta, steps=steps, n_eff=n_eff, sigma_u=su, sigma_v=sv,
                x_norm=1.0, y=2.0, seed=seed)
    params = MapParams(eta, n_eff, 1.0, 2.0)
    ref = uvcore.trajectory(run.df[0], run.lam[0], params, steps)
    assert not run.diverged and run.df.shape == ref.df.shape == (steps + 1,)
    dev_df = np.max(np.abs(run.df - ref.df)) / np.max(np.abs(ref.df))
    dev_lam = np.max(np.abs(run.lam - ref.lam)) / np.max(np.abs(ref.lam))
    assert max(dev_df, dev_lam) <= MAP_AGREEMENT_TOL
    assert run.max_rel_dev_from_map == pytest.approx(max(dev_df, dev_lam), rel=1e-6, abs=1e-18)
    assert run.outcome.kind == kind == run.map.outcome.kind
    if kind == "periodic":
        assert eta > uvcore.eta_critical(n_eff, 1.0, 2.0)
        assert run.outcome.period == 2
        # EoS: ηλ oscillates around 2 and the orbit sits on the edge M = 0
        assert run.eta_lam[-2:].min() < 2 < run.eta_lam[-2:].max()
        edge = 2 * (run.df[-1] + 2.0) / math.sqrt(n_eff)
        assert run.lam[-1] - edge <= 1e-8 * run.lam[-1]
    else:
        assert eta < uvcore.eta_critical(n_eff, 1.0, 2.0)
        assert abs(run.df[-1]) < 1e-8 and run.eta_lam[-1] < 2
    np.testing.assert_allclose(run.loss, 0.5 * run.df ** 2)
    np.testing.assert_allclose(run.eta_lam, eta * run.lam)


def test_kernel_matches_numpy_gd_loop():
    """The fused kernel of train() vs plain numpy GD steps written out."""
    n, d, eta, n_eff, y = 7, 3, 0.3, 2.0, -1.5
    run = train(n, d, eta=eta, steps=25, n_eff=n_eff, sigma_u=0.8, sigma_v=1.1,
                x_norm=0.9, y=y, seed=11)
    U, v, x = initialize(n, d, sigma_u=0.8, sigma_v=1.1, x_norm=0.9, seed=11)
    a = 1 / math.sqrt(n_eff)
    for t in range(26):
        u = U @ x
        df = a * v @ u - y
        lam = a * a * (u @ u + (x @ x) * (v @ v))
        assert run.df[t] == pytest.approx(df, rel=1e-12, abs=1e-13)
        assert run.lam[t] == pytest.approx(lam, rel=1e-12)
        U, v = U - eta * df * a * np.outer(v, x), v - eta * df * a * u


def test_diverged_run_keeps_finite_states():
    run = train(16, 2, eta=3.0, steps=500, n_eff=1.0, sigma_u=0.5, sigma_v=0.5, seed=0)
    assert run.diverged and run.outcome.kind == "diverged"
    assert np.all(np.isfinite(run.df)) and np.all(np.isfinite(run.lam))
    assert run.df.size == run.diverged_at + 1
    assert 0.5 * run.eta_lam[-1] > uvcore.DIVERGENCE_BOUND
    assert np.all(0.5 * run.eta_lam[:-1] <= uvcore.DIVERGENCE_BOUND)


# -- Hessian sharpness --------------------------------------------------------

@pytest.mark.parametrize("n,d", [(5, 3), (2, 1), (1, 3), (1, 1)])  # n = 1: module docstring
@pytest.mark.parametrize("seed", range(4))
def test_hessian_sharpness_vs_dense_eigvalsh(n, d, seed):
    rng = np.random.default_rng(100 + seed)
    n_eff = float(rng.uniform(0.5, 6.0))
    y = float(rng.uniform(-3, 3))
    U = rng.normal(0, rng.uniform(0.2, 2), (n, d))
    v = rng.normal(0, rng.uniform(0.2, 2), n)
    x = rng.normal(size=d)
    x_norm = float(np.linalg.norm(x))
    top = np.linalg.eigvalsh(dense_loss_hessian(U, v, x, n_eff, y))[-1]
    df, lam = state(U, v, x, n_eff=n_eff, y=y)
    lam_h = float(uvcore.hessian_sharpness(df, lam, MapParams(0.1, n_eff, x_norm, y)))
    assert lam_h == pytest.approx(top, rel=EIG_TOL, abs=EIG_TOL)


def test_train_reports_dense_hessian_top_eigenvalue():
    """λ^H of train() at step 3 vs eigvalsh of the Hessian at the parameters after 3 steps."""
    n, d, eta, n_eff, y = 5, 3, 0.2, 2.0, 2.0
    run = train(n, d, eta=eta, steps=10, n_eff=n_eff, sigma_u=1.0, sigma_v=1.0, y=y, seed=4)
    U, v, x = initialize(n, d, sigma_u=1.0, sigma_v=1.0, seed=4)
    for _ in range(3):
        U, v = gd_step(U, v, x, eta=eta, n_eff=n_eff, y=y)
    top = np.linalg.eigvalsh(dense_loss_hessian(U, v, x, n_eff, y))[-1]
    assert run.lam_h[3] == pytest.approx(top, rel=EIG_TOL)


# -- NTK and the decoupling coordinates ---------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_ntk_equals_squared_gradient_norm(seed):
    n, d, n_eff = 6, 4, 3.0
    U, v, x = initialize(n, d, sigma_u=0.9, sigma_v=1.3, x_norm=1.7, seed=seed)
    theta = np.concatenate([U.ravel(), v])
    g = grad_f_fd(theta, n, d, x, n_eff)
    _, lam = state(U, v, x, n_eff=n_eff, y=1.0)
    assert lam == pytest.approx(g @ g, rel=1e-9)
    assert np.linalg.norm(x) == pytest.approx(1.7, rel=1e-14)


@pytest.mark.parametrize("seed", range(3))
def test_decoupling_coordinates_from_vectors(seed):
    n, d, n_eff, y, eta = 9, 4, 2.5, 1.3, 0.37
    U, v, x = initialize(n, d, sigma_u=0.7, sigma_v=1.2, x_norm=1.4, seed=seed)
    xn, a = np.linalg.norm(x), 1 / math.sqrt(n_eff)

    def PM(U, v):
        w, u = xn * v, U @ x
        return np.sum((w + u) ** 2), np.sum((w - u) ** 2)

    P, M = PM(U, v)
    df, lam = state(U, v, x, n_eff=n_eff, y=y)
    f = df + y
    assert f == pytest.approx(a * (P - M) / (4 * xn), rel=IDENTITY_TOL)
    assert lam == pytest.approx(a * a * (P + M) / 2, rel=IDENTITY_TOL)
    assert P == pytest.approx(lam / a ** 2 + 2 * xn * f / a, rel=IDENTITY_TOL)
    assert M == pytest.approx(lam / a ** 2 - 2 * xn * f / a, rel=IDENTITY_TOL)
    p, m = MapParams(eta, n_eff, xn, y).to_pm(df, lam)
    assert float(p) == pytest.approx(eta * a * a * P / 4, rel=IDENTITY_TOL)
    assert float(m) == pytest.approx(eta * a * a * M / 4, rel=IDENTITY_TOL)
    k = eta * a * xn * df
    U2, v2 = gd_step(U, v, x, eta=eta, n_eff=n_eff, y=y)
    P2, M2 = PM(U2, v2)
    assert P2 == pytest.approx((1 - k) ** 2 * P, rel=IDENTITY_TOL)
    assert M2 == pytest.approx((1 + k) ** 2 * M, rel=IDENTITY_TOL)


@given(seed=st.integers(0, 2 ** 32), n=st.integers(1, 12), d=st.integers(1, 5),
       log_neff=st.floats(-2, 4), su=st.floats(0.05, 2), sv=st.floats(0.05, 2),
       x_norm=st.floats(0.2, 3), y=st.floats(-3, 3), c=st.floats(0.01, 2.5))
def test_one_gd_step_is_one_map_step(seed, n, d, log_neff, su, sv, x_norm, y, c):
    n_eff = 10.0 ** log_neff
    eta = c * math.sqrt(n_eff) / (x_norm * max(abs(y), 0.1))
    U, v, x = initialize(n, d, sigma_u=su, sigma_v=sv, x_norm=x_norm, seed=seed)
    df, lam = state(U, v, x, n_eff=n_eff, y=y)
    U2, v2 = gd_step(U, v, x, eta=eta, n_eff=n_eff, y=y)
    got_df, got_lam = state(U2, v2, x, n_eff=n_eff, y=y)
    want_df, want_lam = spec_step(df, lam, eta, n_eff, x_norm, y)
    # natural scales: Δf against |Δf| + |y| + λ√n_eff/‖x‖,
    # λ against λ + ‖x‖(|Δf| + |y|)/√n_eff, both times the step's amplification
    ratio = math.sqrt(n_eff) / x_norm
    amp = 1 + eta * lam + (eta * lam) ** 2
    s_df = amp * (abs(df) + abs(y) + lam * ratio)
    s_lam = amp * (lam + (abs(df) + abs(y)) / ratio)
    assert abs(got_df - want_df) <= ONE_STEP_TOL * s_df
    assert abs(got_lam - want_lam) <= ONE_STEP_TOL * s_lam
    m_df, m_lam = uvcore.step(df, lam, MapParams(eta, n_eff, x_norm, y))
    assert abs(got_df - float(m_df)) <= ONE_STEP_TOL * s_df
    assert abs(got_lam - float(m_lam)) <= ONE_STEP_TOL * s_lam


# -- initialisation and presets -----------------------------------------------

def test_initial_statistics_match_spec():
    n, d, n_eff, su, sv, xn, seeds = 16, 3, 4.0, 0.7, 1.3, 1.5, 3000
    starts = np.array([sample_start(n, d, preset="custom", n_eff=n_eff, sigma_u=su,
                                    sigma_v=sv, x_norm=xn, y=0.0, seed=s)[:2]
                       for s in range(seeds)])
    f0, lam0 = starts[:, 0], starts[:, 1]            # y = 0, so Δf₀ = f₀
    r = n / n_eff
    mean_lam = r * (su ** 2 + sv ** 2) * xn ** 2
    # λ₀ = (‖Ux‖² + ‖x‖²‖v‖²)/n_eff: sums of n squared Gaussians
    var_lam = 2 * n * (su ** 4 + sv ** 4) * xn ** 4 / n_eff ** 2
    assert abs(lam0.mean() - mean_lam) <= SAMPLING_SIGMAS * math.sqrt(var_lam / seeds)
    var_f = r * su ** 2 * sv ** 2 * xn ** 2
    kurtosis = 3 + 6 / n                             # sum of n products of two normals
    se_var = var_f * math.sqrt((kurtosis - 1) / seeds)
    assert abs(np.mean(f0 ** 2) - var_f) <= SAMPLING_SIGMAS * se_var
    assert abs(f0.mean()) <= SAMPLING_SIGMAS * math.sqrt(var_f / seeds)


def test_presets():
    assert resolve_preset("ntp", 100, 0.5) == (100.0, 0.5, 0.5)
    assert resolve_preset("mup", 100, 0.5) == pytest.approx((1.0, 0.05, 0.05))
    assert resolve_preset("custom", 100, n_eff=3, sigma_u=0.1, sigma_v=0.2) == (3.0, 0.1, 0.2)
    # the preset wins over explicit values
    assert resolve_preset("ntp", 10, 1.0, n_eff=5.0, sigma_u=9.0) == (10.0, 1.0, 1.0)
    # spec §1 table: λ₀ ≈ 2σ²‖x‖² for both presets (exact in expectation)
    for preset in ("ntp", "mup"):
        lam = [sample_start(400, 2, preset=preset, sigma=0.8, seed=s)[1] for s in range(20)]
        assert np.mean(lam) == pytest.approx(2 * 0.64, rel=0.05)
    assert sample_start(4, 2, preset="mup")[2] == 1.0


def test_seeded_and_reproducible():
    a = initialize(5, 3, sigma_u=1, sigma_v=1, seed=3)
    b = initialize(5, 3, sigma_u=1, sigma_v=1, seed=3)
    c = initialize(5, 3, sigma_u=1, sigma_v=1, seed=4)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_width_one_runs():
    run = train(1, 2, eta=0.1, steps=50, n_eff=1.0, sigma_u=1.0, sigma_v=1.0, seed=2)
    assert run.max_rel_dev_from_map <= MAP_AGREEMENT_TOL


# -- bad input ------------------------------------------------------------------

OK = dict(eta=0.1, steps=10, n_eff=1.0, sigma_u=1.0, sigma_v=1.0)


@pytest.mark.parametrize("call,match", [
    (lambda: train(MAX_WIDTH + 1, 1, **OK), "MAX_WIDTH"),
    (lambda: train(1000, MAX_PARAMS // 1000, **OK), "MAX_PARAMS"),
    (lambda: train(0, 3, **OK), "width"),
    (lambda: train(4, 0, **OK), "input_dim"),
    (lambda: train(4, 2, **{**OK, "steps": MAX_TRAIN_STEPS + 1}), "MAX_TRAIN_STEPS"),
    (lambda: train(100_000, 99, **{**OK, "steps": 10_000}), "MAX_TRAIN_WORK"),
    (lambda: train(4, 2, **{**OK, "eta": math.nan}), "eta must be finite"),
    (lambda: train(4, 2, **{**OK, "eta": math.inf}), "eta must be finite"),
    (lambda: train(4, 2, **{**OK, "n_eff": 0.0}), "n_eff must be > 0"),
    (lambda: train(4, 2, **{**OK, "sigma_u": -1.0}), "sigma_u must be >= 0"),
    (lambda: train(4, 2, **OK, x_norm=0.0), "x_norm must be > 0"),
    (lambda: train(4, 2, **OK, seed=-1), "seed"),
    (lambda: train(4, 2, **OK, y=math.nan), "y must be finite"),
    (lambda: train(4, 2, **{**OK, "sigma_u": 1e200, "sigma_v": 1e200}), "overflows"),
    (lambda: resolve_preset("sp", 10), "preset must be one of"),
    (lambda: resolve_preset("ntp", 10, -0.5), "sigma must be >= 0"),
    (lambda: resolve_preset("custom", 10, n_eff=2.0), "needs sigma_u, sigma_v"),
    (lambda: sample_start(10, 2, preset="mup", sigma=math.nan), "sigma must be finite"),
    (lambda: sample_start(MAX_WIDTH * 2, 1), "MAX_WIDTH"),
])
def test_bad_input(call, match):
    with pytest.raises(UVInputError, match=match):
        call()
