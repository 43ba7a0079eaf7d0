"""Parameter-space UV model (uvcore.paramspace) against independent truths.

References: the function-space map of spec §2 (a different computation of the
same dynamics), dense Hessians built here over all n(d + 1) parameters, finite
differences of f, the decoupling identities of spec §2.1 evaluated on the
actual vectors, and the initial statistics of spec §1.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import uvcore
from uvcore import MapParams, UVInputError
from uvcore.paramspace import (MAX_PARAMS, MAX_TRAIN_STEPS, MAX_WIDTH, gd_step, initialize,
                               resolve_preset, sample_start, state, train, weights_at)

#: Parameter-space GD vs the map over 200 steps (relative to the series' scale).
MAP_AGREEMENT_TOL = 1e-9
#: One GD step vs one map step (relative to the natural scale of each quantity).
ONE_STEP_TOL = 1e-12
#: Closed-form λ^H vs the dense eigen-decomposition (relative).
EIG_TOL = 1e-10
#: Identities evaluated on actual vectors (relative).
IDENTITY_TOL = 1e-12
#: State of weights built at a requested (Δf, λ) vs the request (relative to
#: the natural scales |f| + λ√n_eff/‖x‖ and λ + ‖x‖|f|/√n_eff).
BUILD_TOL = 1e-12
#: GD from built weights vs the map over BUILT_STEPS steps (relative to the
#: series' scale): rounding only, amplified by at most a few steps of the map.
BUILT_MAP_TOL = 1e-8
BUILT_STEPS = 12
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


# -- weights at a requested state (weights_at) ----------------------------------

@st.composite
def allowed_points(draw):
    """(df, lam, n_eff, x_norm, y) with λ on or above the edge λ = 2‖x‖|f|/√n_eff.

    The edge is written out here from spec §2.2, not taken from uvcore.
    """
    n_eff = 10.0 ** draw(st.floats(-1, 3))
    x_norm = draw(st.floats(0.3, 3))
    y = draw(st.floats(-3, 3))
    # |f| below 1e-100 would make λ subnormal (products underflow): take f = 0 there
    f = draw(st.floats(-3, 3).map(lambda t: t if abs(t) > 1e-100 else 0.0))
    edge = 2 * x_norm * abs(f) / math.sqrt(n_eff)
    above = draw(st.sampled_from([0.0, 1.0])) * draw(st.floats(0, 4))
    extra = draw(st.floats(0, 2)) * x_norm / math.sqrt(n_eff) if above else 0.0
    return f - y, edge * (1 + above) + extra, n_eff, x_norm, y


def _scales(df, lam, n_eff, x_norm, y, init):
    """Natural scales of Δf and λ; rounding is relative to the weights moved, so
    the state of the initialisation ``init`` = (n, d, σ_u, σ_v, seed) counts too."""
    n, d, su, sv, seed = init
    U0, v0, x0 = initialize(n, d, sigma_u=su, sigma_v=sv, x_norm=x_norm, seed=seed)
    u0 = U0 @ x0
    lam0 = (float(u0 @ u0) + float(x0 @ x0) * float(v0 @ v0)) / n_eff
    ratio = math.sqrt(n_eff) / x_norm
    lam_s = lam + lam0
    return abs(df + y) + lam_s * ratio + 1e-300, lam_s + abs(df + y) / ratio + 1e-300


@given(pt=allowed_points(), n=st.integers(1, 12), d=st.integers(1, 4),
       su=st.floats(0, 2), sv=st.floats(0, 2), seed=st.integers(0, 2 ** 32))
def test_weights_at_have_the_requested_state(pt, n, d, su, sv, seed):
    df, lam, n_eff, x_norm, y = pt
    U, v, x = weights_at(df, lam, width=n, input_dim=d, n_eff=n_eff, sigma_u=su,
                         sigma_v=sv, x_norm=x_norm, y=y, seed=seed)
    assert U.shape == (n, d) and v.shape == (n,)
    # f and λ from their definitions (spec §1, §2), not through state()
    a = 1 / math.sqrt(n_eff)
    ux = U @ x
    got_f = a * float(v @ ux)
    got_lam = a * a * (float(ux @ ux) + float(x @ x) * float(v @ v))
    x0 = initialize(n, d, sigma_u=su, sigma_v=sv, x_norm=x_norm, seed=seed)[2]
    s_df, s_lam = _scales(df, lam, n_eff, x_norm, y, (n, d, su, sv, seed))
    assert abs(got_f - (df + y)) <= BUILD_TOL * s_df
    assert abs(got_lam - lam) <= BUILD_TOL * s_lam
    st_df, st_lam = state(U, v, x, n_eff=n_eff, y=y)
    assert abs(st_df - df) <= BUILD_TOL * s_df
    assert abs(st_lam - lam) <= BUILD_TOL * s_lam
    # the input is the seeded one: only the weights move
    np.testing.assert_array_equal(x, x0)


def test_weights_at_move_the_init_little_when_it_is_already_there():
    """Asking for the initialisation's own state returns (nearly) the same weights."""
    U0, v0, x = initialize(20, 3, sigma_u=1.0, sigma_v=1.0, seed=5)
    df, lam = state(U0, v0, x, n_eff=20.0, y=2.0)
    U, v, _ = weights_at(df, lam, width=20, input_dim=3, n_eff=20.0, sigma_u=1.0,
                         sigma_v=1.0, seed=5)
    np.testing.assert_allclose(U, U0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(v, v0, rtol=0, atol=1e-12)


@given(pt=allowed_points(), n=st.integers(1, 8), d=st.integers(1, 3),
       seed=st.integers(0, 2 ** 32), r=st.floats(0.05, 1.9))
def test_gd_from_built_weights_follows_the_map(pt, n, d, seed, r):
    """The weights' own GD (gd_step, spec §1) vs the map (uvcore.trajectory, spec §2)."""
    df, lam, n_eff, x_norm, y = pt
    # away from the parameter-space origin (λ = 0), which repels: there the map
    # stays at 0 exactly while any rounding of the weights grows geometrically
    assume(lam >= 0.1 * x_norm * (1 + abs(y)) / math.sqrt(n_eff))
    eta = r / lam
    # and with |k| = ηα‖x‖|Δf| ≤ 1/2, so that one step stretches a rounding
    # error off the state by at most (1 + |k|)² (spec §2.1): the comparison then
    # tests the weights, not the map's sensitivity (on and near the edges too)
    assume(eta * x_norm * abs(df) / math.sqrt(n_eff) <= 0.5)
    U, v, x = weights_at(df, lam, width=n, input_dim=d, n_eff=n_eff, sigma_u=1.0,
                         sigma_v=1.0, x_norm=x_norm, y=y, seed=seed)
    ref = uvcore.trajectory(df, lam, MapParams(eta, n_eff, x_norm, y), BUILT_STEPS)
    gd_df, gd_lam = [], []
    for _ in range(ref.df.size):
        a, b = state(U, v, x, n_eff=n_eff, y=y)
        gd_df.append(a)
        gd_lam.append(b)
        U, v = gd_step(U, v, x, eta=eta, n_eff=n_eff, y=y)
    s_df, s_lam = _scales(df, lam, n_eff, x_norm, y, (n, d, 1.0, 1.0, seed))
    s_df = max(s_df, float(np.max(np.abs(ref.df))))
    s_lam = max(s_lam, float(np.max(ref.lam)))
    assert np.max(np.abs(np.array(gd_df) - ref.df)) <= BUILT_MAP_TOL * s_df
    assert np.max(np.abs(np.array(gd_lam) - ref.lam)) <= BUILT_MAP_TOL * s_lam


def test_train_from_a_start_matches_the_map_and_keeps_its_default():
    run = train(6, 2, eta=0.5, steps=50, n_eff=6.0, sigma_u=1.0, sigma_v=1.0,
                start=(0.7, 3.0))
    assert (float(run.df[0]), float(run.lam[0])) == pytest.approx((0.7, 3.0), rel=1e-12)
    assert run.max_rel_dev_from_map <= MAP_AGREEMENT_TOL
    plain = train(6, 2, eta=0.5, steps=50, n_eff=6.0, sigma_u=1.0, sigma_v=1.0)
    want = state(*initialize(6, 2, sigma_u=1.0, sigma_v=1.0), n_eff=6.0, y=2.0)
    assert (float(plain.df[0]), float(plain.lam[0])) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 7])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_weights_at_on_the_edge(n, sign):
    """λ exactly on the edge: w ∥ ±u, so P or M is 0 and stays 0 under GD."""
    n_eff, x_norm, y = 4.0, 1.5, 2.0
    f = sign * 1.3
    lam = 2 * x_norm * abs(f) / math.sqrt(n_eff)
    U, v, x = weights_at(f - y, lam, width=n, input_dim=3, n_eff=n_eff, sigma_u=1.0,
                         sigma_v=1.0, x_norm=x_norm, y=y, seed=3)
    got = state(U, v, x, n_eff=n_eff, y=y)
    assert got == pytest.approx((f - y, lam), rel=BUILD_TOL)
    w, u = x_norm * v, U @ x
    gone = w - u if sign > 0 else w + u  # M = ‖w − u‖² = 0 when f > 0, P when f < 0
    assert float(np.linalg.norm(gone)) <= 1e-12 * float(np.linalg.norm(u))
    U2, v2 = gd_step(U, v, x, eta=0.3, n_eff=n_eff, y=y)
    gone2 = x_norm * v2 - U2 @ x if sign > 0 else x_norm * v2 + U2 @ x
    assert float(np.linalg.norm(gone2)) <= 1e-12 * float(np.linalg.norm(U2 @ x))


@pytest.mark.parametrize("df,lam,match", [
    (0.0, 0.1, r"forbidden region: lam0 must be >= 2\*x_norm\*\|df0\+y\|/sqrt\(n_eff\)"),
    (-4.0, 1.0, "forbidden region"),             # f = −2 < 0: below the other edge
    (1.0, -0.5, "forbidden region"),
    (math.nan, 1.0, "df0 must be finite"),
    (0.0, math.inf, "lam0 must be finite"),
])
def test_weights_at_refuses_forbidden_points(df, lam, match):
    with pytest.raises(UVInputError, match=match):
        weights_at(df, lam, width=3, input_dim=2, n_eff=1.0, sigma_u=1.0, sigma_v=1.0)
    with pytest.raises(UVInputError, match=match):
        train(3, 2, eta=0.1, steps=5, n_eff=1.0, sigma_u=1.0, sigma_v=1.0, start=(df, lam))
