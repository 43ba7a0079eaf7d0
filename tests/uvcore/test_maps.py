"""uvcore.maps: the step, its Jacobian, trajectories, λ^H, spectra (spec §2, §4, §5)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import uvcore
from uvcore import MapParams, UVInputError, hessian_sharpness, jacobian, step, trajectory
from uvcore import _kernels as K

from .spec import edge_lam, spec_jacobian, spec_step
from .strategies import allowed_start, map_params

STEP_RTOL = 1e-11      # one step via (p, m) vs the spec's direct formula
ROUNDTRIP_RTOL = 1e-13
FD_RTOL = 1e-6         # analytic Jacobian vs central differences
EIG_RTOL = 1e-10       # closed-form λ^H vs dense eigvalsh
P = MapParams(eta=0.5, n_eff=4.0, x_norm=1.0, y=2.0)  # c = 0.5, η_c = 1


def _close(a, b, rtol, scale=1.0):
    return abs(a - b) <= rtol * max(abs(a), abs(b), scale)


@given(st.data())
def test_step_matches_spec_formula(data):
    params = data.draw(map_params())
    df, lam = data.draw(allowed_start(params))
    got = step(df, lam, params)
    want = spec_step(df, lam, params.eta, params.n_eff, params.x_norm, params.y)
    scale = abs(params.y) + lam
    assert _close(float(got[0]), want[0], STEP_RTOL, scale)
    assert _close(float(got[1]), want[1], STEP_RTOL, scale)


@given(st.data())
def test_pm_round_trip_and_decoupling(data):
    params = data.draw(map_params())
    df, lam = data.draw(allowed_start(params))
    p, m = params.to_pm(df, lam)
    back = params.from_pm(p, m)
    assert _close(float(back[0]), df, ROUNDTRIP_RTOL, abs(params.y) + lam)
    assert _close(float(back[1]), lam, ROUNDTRIP_RTOL, lam)
    # spec §2.1 inverse, scaled: p = (ηα²/4)(λ/α² + 2‖x‖f/α)
    a = params.alpha
    f = df + params.y
    assert _close(float(p), 0.25 * params.eta * a * a * (lam / a**2 + 2 * params.x_norm * f / a),
                  ROUNDTRIP_RTOL, lam * params.eta)
    # P' = (1−k)² P with k = η α ‖x‖ Δf
    k = params.eta * a * params.x_norm * df
    p1, m1 = params.to_pm(*step(df, lam, params))
    assert _close(float(p1), (1 - k) ** 2 * float(p), 1e-9, float(p + m) * (1 + k * k))
    assert _close(float(m1), (1 + k) ** 2 * float(m), 1e-9, float(p + m) * (1 + k * k))


@given(st.data())
def test_jacobian_matches_hand_derivatives_and_finite_differences(data):
    params = data.draw(map_params())
    df, lam = data.draw(allowed_start(params))
    J = jacobian(df, lam, params)
    H = np.array(spec_jacobian(df, lam, params.eta, params.n_eff, params.x_norm, params.y))
    scale = np.abs(H).max() + 1.0
    assert np.allclose(J, H, rtol=1e-9, atol=1e-9 * scale)
    for j, h in ((0, 1e-6 * (abs(df) + 1)), (1, 1e-6 * (lam + 1))):
        e = np.zeros(2)
        e[j] = h
        fp = np.array(spec_step(df + e[0], lam + e[1], params.eta, params.n_eff,
                                params.x_norm, params.y))
        fm = np.array(spec_step(df - e[0], lam - e[1], params.eta, params.n_eff,
                                params.x_norm, params.y))
        fd = (fp - fm) / (2 * h)
        assert np.allclose(J[:, j], fd, rtol=FD_RTOL, atol=FD_RTOL * scale)


@given(lam=st.floats(0.0, 50.0), params=map_params())
def test_line_one_eigenvalues(lam, params):
    lam = params.lam_min + lam
    mu = np.sort(np.linalg.eigvals(jacobian(0.0, lam, params)).real)
    want = np.sort([1.0 - params.eta * lam, 1.0])
    assert np.allclose(mu, want, rtol=1e-9, atol=1e-9 * (1 + params.eta * lam))


@pytest.mark.parametrize("sign", [1.0, -1.0])
@given(params=map_params(), f_scale=st.floats(0.1, 3.0))
def test_both_forbidden_edges_are_invariant(sign, params, f_scale):
    """Start exactly on an edge (spec §2.2): every later state stays on it."""
    f = sign * f_scale * abs(params.y)
    df0 = f - params.y
    tr = trajectory(df0, edge_lam(df0, params.n_eff, params.x_norm, params.y), params, 300)
    p, m = params.to_pm(tr.df, tr.lam)
    # the edge (m = 0 for f > 0, p = 0 for f < 0) holds to rounding of the conversion
    on_edge = m if sign > 0 else p
    assert np.all(np.abs(on_edge) <= 1e-12 * (np.abs(p) + np.abs(m) + 1))
    assert np.all(tr.lam >= edge_lam(tr.df, params.n_eff, params.x_norm, params.y)
                  - 1e-9 * (tr.lam + 1))


def test_edge_invariance_exact_in_kernel_coordinates():
    out_p, out_m = np.empty(2001), np.empty(2001)
    K.trajectory_kernel(0.3, 0.0, 1.7, out_p, out_m)
    assert np.all(out_m == 0.0) and np.all(out_p > 0)
    K.trajectory_kernel(0.0, 0.3, -1.7, out_p, out_m)
    assert np.all(out_p == 0.0) and np.all(out_m > 0)


def _dense_hessian_top(U, v, x, y, n_eff):
    """Top eigenvalue of the loss Hessian over (v, U), built entry by entry."""
    n, d = U.shape
    a = 1.0 / math.sqrt(n_eff)
    df = a * v @ U @ x - y
    grad = np.concatenate([a * U @ x, (a * np.outer(v, x)).ravel()])
    hess_f = np.zeros((n + n * d, n + n * d))
    for i in range(n):
        for k in range(d):
            hess_f[i, n + i * d + k] = hess_f[n + i * d + k, i] = a * x[k]
    H = np.outer(grad, grad) + df * hess_f
    return df, grad @ grad, np.linalg.eigvalsh(H)[-1]


@pytest.mark.parametrize("seed", range(12))
def test_hessian_sharpness_matches_dense_eigvalsh(seed):
    rng = np.random.default_rng(seed)
    n, d = 5, 3
    n_eff = rng.uniform(0.5, 10.0)
    y = rng.normal() * 2
    U = rng.normal(size=(n, d)) * rng.uniform(0.1, 2.0)
    v = rng.normal(size=n) * rng.uniform(0.1, 2.0)
    x = rng.normal(size=d)
    df, lam, top = _dense_hessian_top(U, v, x, y, n_eff)
    got = float(hessian_sharpness(df, lam, (n_eff, np.linalg.norm(x), y)))
    assert got == pytest.approx(top, rel=EIG_RTOL)


@given(lam=st.floats(0.0, 100.0), params=map_params())
def test_hessian_sharpness_equals_ntk_on_line_one(lam, params):
    lam = params.lam_min + lam
    assert float(hessian_sharpness(0.0, lam, params)) == pytest.approx(lam, rel=1e-12)


def test_convergence_below_eta_c():
    tr = trajectory(-2.0, 1.0, P, 400)
    assert tr.outcome.kind == "converged" and tr.outcome.period == 1
    assert not tr.diverged
    assert tr.outcome.eta_lam < 2.0
    assert abs(tr.df[-1]) < 1e-12
    assert tr.loss[0] == pytest.approx(2.0)  # ½ Δf₀² with Δf₀ = −2


def test_eos_period_two_oscillates_around_two_over_eta():
    """c = 1.1 (η = 1.1 η_c): ηλ settles on a period-2 orbit around 2 (spec §3)."""
    params = P.with_eta(1.1)
    tr = trajectory(-2.0, 1.0, params, 4000)
    assert tr.outcome.kind == "periodic" and tr.outcome.period == 2
    a, b = tr.eta_lam[-2:]
    assert min(a, b) < 2.0 < max(a, b)
    # the orbit lies on the edge: λ − 2‖x‖|f|/√n_eff → 0
    assert tr.lam[-1] - edge_lam(tr.df[-1], 4.0, 1.0, 2.0) < 1e-9
    freq, power = uvcore.power_spectrum(tr.lam, last=1000)
    assert freq[np.argmax(power)] == pytest.approx(0.5)


def test_divergence_is_reported_with_finite_history():
    params = P.with_eta(3.0)
    tr = trajectory(-2.0, 1.0, params, 100)
    assert tr.diverged and tr.outcome.kind == "diverged"
    assert tr.df.size == tr.lam.size == tr.diverged_at + 1 or tr.df.size == tr.diverged_at
    assert np.all(np.isfinite(tr.df)) and np.all(np.isfinite(tr.lam))
    # the step after the last stored state is bad, every earlier one was within bounds
    assert np.all(params.eta * tr.lam[:tr.diverged_at] / 2 <= K.DIVERGENCE_BOUND)
    assert tr.diverged_at < 100


@pytest.mark.parametrize("p, m", [(np.nan, 0.0), (0.0, np.inf), (np.inf, np.inf),
                                  (2 * K.DIVERGENCE_BOUND, 0.0)])
def test_divergence_detection_survives_the_shipped_fastmath_flags(p, m):
    assert K.is_bad(p, m)
    out = np.empty(3)
    assert K.trajectory_kernel(p, m, 0.5, out, out.copy()) == 0


def test_blow_up_is_caught_at_the_first_bad_step():
    out_p, out_m = np.full(50, -1.0), np.full(50, -1.0)
    # k = 1e7: one step multiplies p by ~1e14, past the bound at once
    assert K.trajectory_kernel(1e7, 0.0, 0.0, out_p, out_m) == 1
    assert out_p[1] > K.DIVERGENCE_BOUND and np.all(out_p[2:] == -1.0)


def test_forbidden_start_is_refused_with_a_clear_message():
    with pytest.raises(UVInputError, match=r"forbidden region: lam0 must be >= 2\*x_norm"):
        trajectory(0.0, 0.5, P, 10)  # needs λ ≥ 2 at Δf = 0


def test_start_a_rounding_error_below_the_edge_snaps_onto_it():
    lam = edge_lam(1.0, 4.0, 1.0, 2.0) * (1 - 1e-14)
    tr = trajectory(1.0, lam, P, 50)
    p, m = P.to_pm(tr.df, tr.lam)
    assert np.all(m <= 1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(df0=float("nan")), "df0 must be finite"),
    (dict(lam0=float("inf")), "lam0 must be finite"),
    (dict(steps=0), "steps must be between 1"),
    (dict(steps=2.5), "steps must be an integer"),
    (dict(steps="many"), "steps must be an integer"),
])
def test_bad_trajectory_input(kwargs, match):
    args = dict(df0=-2.0, lam0=1.0, params=P, steps=10) | kwargs
    with pytest.raises(UVInputError, match=match):
        trajectory(**args)


@pytest.mark.parametrize("field, value, match", [
    ("eta", 0.0, "eta must be > 0"), ("n_eff", -1.0, "n_eff must be > 0"),
    ("x_norm", float("nan"), "x_norm must be finite"), ("y", "two", "y must be a number"),
])
def test_bad_map_params(field, value, match):
    kw = dict(eta=0.5, n_eff=4.0, x_norm=1.0, y=2.0) | {field: value}
    with pytest.raises(UVInputError, match=match):
        MapParams(**kw)


def test_power_spectrum_rejects_bad_series():
    with pytest.raises(UVInputError, match="1-D series"):
        uvcore.power_spectrum([1.0])
    with pytest.raises(UVInputError, match="finite"):
        uvcore.power_spectrum([1.0, np.nan, 2.0])
