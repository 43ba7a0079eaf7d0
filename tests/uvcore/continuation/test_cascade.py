"""The route to chaos located by uvcore.continuation.cascade.

Reference values, all independent of the continuation code:

- spec §3: the fixed point z = c flips at c₁ = 1 (η = η_c);
- by hand: the period-2 orbit of g(z) = z(1 + c − z)² is the root pair of
  z² − (1 + c) z + 1 (so a + b = 1 + c, ab = 1) with multiplier
  g'(a) g'(b) = ab (1 + c − 3a)(1 + c − 3b) = 9 − 2(1 + c)², which is −1 at
  c₂ = √5 − 1;
- by hand: the crisis is where the critical value 4(1 + c)³/27 reaches the
  escape threshold c + 2: 4(1 + c)³ − 27(c + 2) = (c − 2)(2c + 5)², c = 2;
- brute force: period detection of long forward runs (``uvcore.bifurcation``,
  ``uvcore.run_batch``) and a plain-Python EoS iteration in this file;
- Feigenbaum's δ = 4.669201609102990….

The 8-level EoS cascade (n_eff = 4, ‖x‖ = 1, y = 2, so η = c) gives

    δ₂ = 4.54293, δ₃ = 4.64120, δ₄ = 4.66318, δ₅ = 4.667909, δ₆ = 4.668925,
    δ₇ = 4.6691423  (12 levels: δ₁₁ = 4.66920148)

i.e. within 0.03 % of Feigenbaum's constant from the fifth doubling on.
"""

import math

import numpy as np
import pytest

import uvcore
from uvcore import MapParams, UVInputError, cascade
from uvcore.continuation import C_CRISIS, CRITICAL_TOL, FEIGENBAUM_DELTA, MAX_LEVELS

from .common import N_EFF, eos_iterate

#: c₁ = 1 and c₂ = √5 − 1 (closed forms) vs the located flips.
CLOSED_FORM_TOL = 1e-12
#: δ_k vs Feigenbaum's constant from the fifth doubling on (relative).
FEIGENBAUM_RTOL = 0.01
#: "uv" vs "eos" flips (the cascade lives on the invariant edge).
MAP_AGREEMENT_TOL = 1e-13
#: Transverse exponent of an orbit vs uvcore.edge_exponents over its window.
EXPONENT_TOL = 1e-6
#: Located crisis vs the brute-force escape of the critical orbit.
CRISIS_TOL = 1e-9
#: Steps after which a critical orbit that has not passed c + 2 counts as bounded.
ESCAPE_STEPS = 400


# -- closed forms --------------------------------------------------------------

@pytest.mark.parametrize("n_eff,x_norm,y", [(N_EFF, 1.0, 2.0), (9.0, 1.5, -0.7)])
def test_first_flip_is_at_eta_c(n_eff, x_norm, y):
    r = cascade(map="eos", n_eff=n_eff, x_norm=x_norm, y=y, levels=3, windows=False)
    eta_c = math.sqrt(n_eff) / (x_norm * abs(y))
    assert abs(r.c_flip[0] - 1.0) <= CLOSED_FORM_TOL
    assert abs(r.eta_flip[0] - eta_c) <= CLOSED_FORM_TOL * eta_c
    assert r.levels[0].bifurcation == "flip"
    # η and c side by side: c = η‖x‖|y|/√n_eff everywhere
    for eta, c in zip(r.eta_flip, r.c_flip):
        assert eta * x_norm * abs(y) / math.sqrt(n_eff) == pytest.approx(c, rel=1e-15)


def test_second_flip_is_sqrt5_minus_1(eos):
    lv = eos.levels[1]
    assert lv.period == 2
    assert abs((lv.c_flip - (math.sqrt(5.0) - 1.0)) + lv.c_flip_lo) <= 1e-15


def test_every_flip_multiplier_is_within_1e12_of_minus_one(eos, uv):
    for r in (eos, uv):
        for lv in r.levels:
            assert lv.residual <= CRITICAL_TOL, (lv.level, lv.residual)
            assert lv.bifurcation == "flip"
            assert lv.period == 2 ** (lv.level - 1)
            assert abs(lv.multipliers[0] + 1.0) <= max(lv.residual_float64, 1e-9)


def test_crisis_closed_form(eos):
    assert abs(eos.c_crisis - 2.0) <= CLOSED_FORM_TOL
    assert eos.eta_crisis == pytest.approx(2.0 * math.sqrt(N_EFF) / 2.0, rel=1e-12)


# -- Feigenbaum ----------------------------------------------------------------

def test_delta_approaches_feigenbaum(eos):
    """δ₂ … δ₇ = 4.54293, 4.64120, 4.66318, 4.667909, 4.668925, 4.6691423."""
    d = np.array(eos.delta)
    print("delta_k, k = 2 ..:", ", ".join(f"{v:.10f}" for v in d))
    err = np.abs(d - FEIGENBAUM_DELTA)
    assert np.all(np.diff(err) < 0)                      # monotone approach
    assert np.all(err[3:] <= FEIGENBAUM_RTOL * FEIGENBAUM_DELTA)   # δ₅ on
    assert err[-1] <= 1e-4
    c = np.array(eos.c_flip)
    assert np.all(np.diff(c) > 0)
    assert c[-1] < eos.c_inf < c[-1] + (c[-1] - c[-2])
    assert eos.c_inf_error < 1e-8


@pytest.mark.slow
def test_deep_cascade_keeps_converging():
    r = cascade(map="eos", n_eff=N_EFF, levels=MAX_LEVELS, windows=False)
    print("delta_k, k = 2 ..:", ", ".join(f"{v:.10f}" for v in r.delta))
    assert abs(r.delta[-1] - FEIGENBAUM_DELTA) <= 1e-6
    assert all(lv.residual <= CRITICAL_TOL for lv in r.levels)


# -- brute force ---------------------------------------------------------------

def test_flips_where_brute_force_period_changes(eos):
    """A fine local sweep around each of the first four flips: period k on the
    grid points below c_j, 2k on those above (grid step = the resolution)."""
    c = eos.c_flip
    half = 10
    for j in range(4):
        k = 2 ** j
        width = 0.02 * (c[j] - c[j - 1] if j else 1.0)
        # grid points at odd multiples of width/(2·half) from the flip
        lo = c[j] - width * (half - 0.5) / half
        hi = c[j] + width * (half - 0.5) / half
        d = uvcore.bifurcation(lo, hi, 2 * half, n_eff=N_EFF, map="eos",
                               transient=200_000, keep=4 * k + 8)
        np.testing.assert_allclose(d.c, np.linspace(lo, hi, 2 * half), rtol=1e-15)
        assert np.all(d.period[:half] == k), (j, d.period)
        assert np.all(d.period[half:] == 2 * k), (j, d.period)


def test_period3_fold_opens_window(eos):
    assert len(eos.windows) >= 1
    first = eos.windows[0]
    assert first.period == 3 and first.residual <= 1e-12
    assert eos.c_inf < first.c_fold < eos.c_crisis
    assert [w.c_fold for w in eos.windows] == sorted(w.c_fold for w in eos.windows)
    for w in eos.windows:
        eps = 1e-5 * (w.c_fold - eos.c_inf)
        # η = c here; one η above and one below the fold
        above = uvcore.bifurcation(w.c_fold + eps, w.c_fold + eps, 1, n_eff=N_EFF,
                                   map="eos", transient=300_000, keep=64)
        below = uvcore.bifurcation(w.c_fold - eps, w.c_fold - eps, 1, n_eff=N_EFF,
                                   map="eos", transient=300_000, keep=64)
        assert above.period[0] == 3, w
        assert below.period[0] != 3, w


def test_crisis_bounded_below_divergent_above(eos):
    lam0 = np.linspace(0.1, 3.5, 16)   # z₀ = ηλ₀/2 inside (0, c + 2)
    below = uvcore.run_batch(0.0, lam0, eos.c_crisis * (1 - 1e-6), n_eff=N_EFF,
                             on_edge=True, transient=1_000_000, window=2)
    above = uvcore.run_batch(0.0, lam0, eos.c_crisis * (1 + 1e-3), n_eff=N_EFF,
                             on_edge=True, transient=1_000_000, window=2)
    assert not np.any(below.diverged)
    assert np.all(above.diverged)
    # the plain iteration agrees: bounded by c + 2 below the crisis
    z = eos_iterate(0.7, 2.0 - 1e-6, 100_000)
    assert 0.0 <= z <= 4.0


def _critical_orbit_escapes(c: float) -> bool:
    """Plain-Python EoS iteration from the critical point z* = (1 + c)/3 of g:
    True once it passes the escape threshold c + 2 (then it grows without bound)."""
    z = (1.0 + c) / 3.0
    for _ in range(ESCAPE_STEPS):
        z = z * (1.0 + c - z) ** 2
        if z > c + 2.0:
            return True
    return False


def test_crisis_is_where_the_critical_orbit_escapes(eos):
    """The crisis located by cascade (and the constant C_CRISIS) is where the
    orbit of the critical point first escapes: bisect that event in c by brute
    force, independently of the continuation code."""
    lo, hi = 1.9, 2.1
    assert not _critical_orbit_escapes(lo) and _critical_orbit_escapes(hi)
    while hi - lo > 1e-13:
        mid = 0.5 * (lo + hi)
        if _critical_orbit_escapes(mid):
            hi = mid
        else:
            lo = mid
    assert abs(eos.c_crisis - hi) <= CRISIS_TOL
    assert abs(C_CRISIS - hi) <= CRISIS_TOL


# -- 2-D versus 1-D ------------------------------------------------------------

def test_uv_cascade_coincides_with_eos_while_edge_attracts(eos, uv):
    np.testing.assert_allclose(uv.c_flip, eos.c_flip, rtol=0, atol=MAP_AGREEMENT_TOL)
    np.testing.assert_allclose(uv.delta, eos.delta, rtol=1e-9)
    for lv in uv.levels[1:]:
        assert len(lv.multipliers) == 2
        assert lv.transverse_exponent < 0            # the edge attracts
        assert lv.generic_agrees, lv                   # and the generic start gets there
        assert lv.transverse_multiplier == pytest.approx(abs(lv.multipliers[1]), rel=1e-9)
    # where the 2-D map from the generic start does not reach the edge attractor
    assert uv.c_max_start is not None and uv.c_max_start < uv.c_crisis
    for w in uv.windows:
        assert (w.generic_distance is not None) == (w.c_superstable < uv.c_max_start)


def test_transverse_exponent_matches_edge_exponents(uv):
    w = uv.windows[0]
    ee = uvcore.edge_exponents(MapParams(w.c_superstable, N_EFF), transient=20_000,
                               steps=3 * 20_000)
    assert ee.transverse == pytest.approx(w.transverse_exponent, abs=EXPONENT_TOL)


# -- bad input -----------------------------------------------------------------

@pytest.mark.parametrize("kwargs,match", [
    (dict(map="logistic"), "map must be 'eos' or 'uv'"),
    (dict(levels=2), "levels must be between 3 and"),
    (dict(levels=MAX_LEVELS + 1), "levels must be between 3 and"),
    (dict(levels=4.5), "levels must be an integer"),
    (dict(y=0.0), "y must be nonzero"),
    (dict(n_eff=-1.0), "n_eff must be > 0"),
    (dict(n_eff=float("nan")), "n_eff must be finite"),
    (dict(map="uv", df0=5.0, lam0=0.1), "forbidden region"),
    (dict(lam0=-1.0), "lam0 must be > 0"),
])
def test_bad_input(kwargs, match):
    args = dict(map="eos", n_eff=N_EFF, levels=3)
    args.update(kwargs)
    with pytest.raises(UVInputError, match=match):
        cascade(**args)
