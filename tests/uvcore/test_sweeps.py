"""uvcore.sweeps: batches, bifurcation diagrams, fate maps, η_max, edge exponents."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import uvcore
from uvcore import (MapParams, UVInputError, bifurcation, edge_exponents, eta_max, fate_map,
                    run_batch, trajectory)
from uvcore.sweeps import FORBIDDEN_CODE

from .spec import eos_map, eos_slope

N_EFF, Y = 4.0, 2.0          # η_c = 1 and c = η
LAM_RTOL = 1e-9              # kept λ vs an independent iteration
EXP_ATOL = 1e-6              # exponents vs closed-form 2-cycle values


def _eos_orbit(c, z0, transient, keep):
    z = z0
    for _ in range(transient):
        z = eos_map(z, c)
    out = []
    for _ in range(keep):
        out.append(z)
        z = eos_map(z, c)
    return np.array(out)


@settings(max_examples=25)
@given(c=st.floats(0.2, 1.3), frac=st.floats(0.1, 1.5))
def test_eos_diagram_matches_direct_iteration_of_the_spec_map(c, frac):
    # the fixed point z = c is unstable above c = 1: rounding decides where it goes
    assume(abs(frac - c) > 1e-3)
    lam0 = 2 * frac / c  # z0 = ηλ0/2 = frac (η = c here)
    d = bifurcation(c, c, 1, n_eff=N_EFF, y=Y, map="eos", lam0=lam0, transient=300, keep=40)
    z = _eos_orbit(c, frac, 300, 40)
    if d.period[0] == -1:
        assert not np.all(np.isfinite(z)) or np.max(z) > 1e6
        return
    assert np.allclose(d.lam[0], 2 * z / c, rtol=LAM_RTOL, atol=1e-12)


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


def test_diagram_periods_follow_the_cascade_and_diverged_rows_are_flagged():
    d = bifurcation(0.5, 2.5, 81, n_eff=N_EFF, y=Y, map="eos", transient=3000, keep=128)
    c = d.c
    assert np.all(d.period[c < 0.99] == 1)
    assert np.all(d.period[(c > 1.01) & (c < 1.2)] == 2)   # first flip at c = 1
    # the EoS attractor escapes at c = 2, where g((1+c)/3) = 4(1+c)³/27 reaches c + 2
    assert np.all(d.period[c > 2.01] == -1) and not np.any(d.period[c < 1.99] == -1)
    assert np.all(np.isnan(d.lam[d.diverged])) and np.all(np.isnan(d.lyapunov[d.diverged]))
    assert np.all(np.isfinite(d.lam[~d.diverged]))
    assert d.lam.shape == (81, 128)


def test_eos_period_two_exponents_match_the_closed_form_two_cycle():
    c = 1.1
    z = _eos_orbit(c, 0.5, 5000, 2)  # the attracting 2-cycle
    assert abs(eos_map(eos_map(z[0], c), c) - z[0]) < 1e-12
    want_in = 0.5 * math.log(abs(eos_slope(z[0], c) * eos_slope(z[1], c)))
    want_tr = 0.5 * (math.log(abs(1 + z[0] - c)) + math.log(abs(1 + z[1] - c)))
    params = MapParams(c, N_EFF, 1.0, Y)
    ex = edge_exponents(params, transient=5000, steps=2000)
    assert ex.in_edge == pytest.approx(want_in, abs=EXP_ATOL)
    assert ex.transverse == pytest.approx(want_tr, abs=EXP_ATOL)
    assert ex.transverse < 0  # the edge attracts: 2-D orbits are drawn onto it


def test_warm_start_continues_each_orbit_from_the_previous_final_state():
    """Orbit i starts at the (Δf, λ) one step after orbit i−1's window."""
    eta = np.linspace(0.6, 1.3, 6)
    d = bifurcation(eta[0], eta[-1], eta.size, n_eff=N_EFF, y=Y, transient=0, keep=40,
                    warm_start=True)
    df, lam = -2.0, 1.0
    for i, e in enumerate(eta):
        tr = trajectory(df, lam, MapParams(e, N_EFF, 1.0, Y), 40)
        assert np.allclose(d.lam[i], tr.lam[:40], rtol=1e-8)
        df, lam = tr.df[-1], tr.lam[-1]


def test_warm_start_restarts_after_divergence():
    d = bifurcation(1.4, 3.0, 5, n_eff=N_EFF, y=Y, transient=200, keep=8, warm_start=True)
    cold = bifurcation(1.4, 3.0, 5, n_eff=N_EFF, y=Y, transient=200, keep=8)
    first = int(np.argmax(d.diverged))
    assert d.diverged[first] and first + 1 < 5
    # the orbit after the first divergence restarts from (df0, lam0), like the cold run
    assert d.period[first + 1] == cold.period[first + 1]
    assert np.array_equal(np.isnan(d.lam[first + 1]), np.isnan(cold.lam[first + 1]))
    if not d.diverged[first + 1]:
        assert np.allclose(d.lam[first + 1], cold.lam[first + 1], rtol=1e-9)


def test_fate_map_marks_forbidden_cells_and_converges_on_the_stable_line():
    params = MapParams(0.5, N_EFF, 1.0, Y)
    fm = fate_map(params, (-4.0, 2.0), (0.0, 6.0), grid=31, steps=600)
    X, Y_ = np.meshgrid(fm.df, fm.lam)
    forb = Y_ < 2 * np.abs(X + 2.0) / 2.0 * (1 - 1e-12)
    assert np.array_equal(fm.period == FORBIDDEN_CODE, forb)
    kinds = fm.kind
    assert set(np.unique(kinds)) <= {"forbidden", "converged", "stalled", "periodic", "chaotic",
                                     "aperiodic", "diverged"}
    # near the stable part of line I (ηλ < 2 and small loss) everything converges
    near = (~forb) & (np.abs(X) < 0.3) & (Y_ > 2.2) & (Y_ < 3.6)
    assert near.any() and np.all(kinds[near] == "converged")


def test_fate_map_agrees_with_single_trajectories():
    params = MapParams(1.15, N_EFF, 1.0, Y)
    fm = fate_map(params, (-4.0, 2.0), (0.0, 8.0), grid=9, steps=3000)
    for i, lam in enumerate(fm.lam):
        for j, df in enumerate(fm.df):
            if fm.period[i, j] == FORBIDDEN_CODE:
                continue
            tr = trajectory(df, lam, params, 2999)
            assert fm.period[i, j] == tr.outcome.code or (
                fm.period[i, j] == 0 and tr.outcome.code == 0)


def test_eta_max_bracket_is_a_real_boundary():
    res = eta_max(-2.0, 1.0, n_eff=N_EFF, y=Y, steps=3000)
    assert res.found
    lo, hi = res.bracket
    assert hi - lo <= 1e-6 * hi
    assert not trajectory(-2.0, 1.0, MapParams(lo, N_EFF, 1.0, Y), 2999).diverged
    assert trajectory(-2.0, 1.0, MapParams(hi, N_EFF, 1.0, Y), 2999).diverged
    assert res.eta_max > res.eta_c and res.has_eos


def test_no_eos_when_eta_max_is_below_eta_c():
    """Corollary 5.1: a start with large λ₀ diverges before η reaches η_c."""
    res = eta_max(-2.0, 40.0, n_eff=N_EFF, y=Y, steps=3000)
    assert res.found and res.eta_max < res.eta_c and not res.has_eos


@pytest.mark.parametrize("kwargs, match", [
    (dict(map="xy"), "map must be 'uv' or 'eos'"),
    (dict(eta_min=-1.0), "eta_min must be > 0"),
    (dict(eta_max=0.1), "eta_max must be >= eta_min"),
    (dict(keep=1), "window must be between 2"),
    (dict(num=10**7), "num must be between 1"),
    (dict(df0=0.0, lam0=0.1), "forbidden region"),
    (dict(transient=10**8, num=10**5), "too much work"),
    (dict(keep=10**5, num=10**3), "too many kept values"),
])
def test_bad_bifurcation_input(kwargs, match):
    args = dict(eta_min=0.5, eta_max=1.5, num=10, n_eff=N_EFF, y=Y, transient=10, keep=8)
    with pytest.raises(UVInputError, match=match):
        bifurcation(**(args | kwargs))


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
