"""uvcore.sweeps.bifurcation: orbit diagrams over η and the EoS-edge exponents."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from uvcore import MapParams, UVInputError, bifurcation, edge_exponents, run_batch, trajectory

from ..spec import eos_map, eos_slope

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


@pytest.mark.parametrize("map_,chunks", [("uv", 7), ("eos", 3), ("uv", 500)])
def test_chunked_diagram_equals_independent_batch_over_the_same_grid(map_, chunks):
    """Chunks are only a schedule: every row equals one run_batch over the whole grid."""
    eta = np.linspace(0.6, 2.3, 41)
    calls = []
    d = bifurcation(eta[0], eta[-1], eta.size, n_eff=N_EFF, y=Y, map=map_, lam0=1.3,
                    df0=-2.0 if map_ == "uv" else None, transient=500, keep=16,
                    chunks=chunks, progress=lambda done, total: calls.append((done, total)))
    ref = run_batch(-2.0, 1.3, eta, n_eff=N_EFF, y=Y, transient=500, window=16, keep=True,
                    on_edge=(map_ == "eos"))
    np.testing.assert_array_equal(d.eta, eta)
    np.testing.assert_array_equal(d.period, ref.period)
    np.testing.assert_array_equal(d.lam, ref.lam_window)
    np.testing.assert_array_equal(d.lyapunov, ref.lyapunov)
    pieces = min(chunks, eta.size)
    assert calls == [(k, pieces) for k in range(1, pieces + 1)]    # monotone, ends at total


def test_chunks_refuse_warm_start_and_bad_counts():
    with pytest.raises(UVInputError, match="warm_start .* needs chunks = 1"):
        bifurcation(0.5, 1.0, 10, n_eff=N_EFF, y=Y, warm_start=True, chunks=2)
    with pytest.raises(UVInputError, match="chunks must be an integer"):
        bifurcation(0.5, 1.0, 10, n_eff=N_EFF, y=Y, chunks=1.5)
