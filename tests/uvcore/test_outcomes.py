"""Period codes and the outcome rule (uvcore.outcomes).

Reference values: hand-built windows whose kind is known by construction
(a constant window converges, an alternating one has period 2, a logistic
orbit at r = 4 is chaotic, an irrational rotation is aperiodic), classified
through the kernels' own period and exponent, and an independent
brute-force definition of the rule written out below, case by case.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from uvcore import _kernels as K
from uvcore.maps import PERIOD_TOL, generic_tangent, outcome_from_window
from uvcore.outcomes import (CHAOS_TOL, KIND_NAMES, Kind, PeriodCode, classify, converging_rate,
                             kind_name)

#: Period searched for in the hand-built windows.
KMAX = 16


def brute_kind(code: int, lyap: float, tol: float = CHAOS_TOL) -> str:
    """The rule of spec §5, one case at a time."""
    if code == -2:
        return "forbidden"
    if code == -1:
        return "diverged"
    if code == -3:
        return "stalled"
    if code == 1:
        return "converged"
    if code >= 2:
        return "periodic"
    return "chaotic" if (lyap == lyap and lyap > tol) else "aperiodic"


def window_kind(p, m, c):
    """Classify a window of (p, m) states as the sweeps do."""
    p, m = np.asarray(p, dtype=float), np.asarray(m, dtype=float)
    code = K.window_period(p, m, c, KMAX, PERIOD_TOL)
    lyap = K.lyapunov_of(p, m, c, *generic_tangent())
    return kind_name(code, lyap), code


def test_codes_are_the_documented_integers():
    assert [int(c) for c in PeriodCode] == [-3, -2, -1, 0, 1]
    assert K.STALLED == -3 and K.DIVERGED == -1
    assert set(KIND_NAMES.values()) == {"forbidden", "diverged", "stalled", "converged",
                                       "periodic", "chaotic", "aperiodic"}


def test_converged_window_on_line_i():
    c = 0.5
    p, m = np.full(64, 0.75), np.full(64, 0.25)          # k = p − m − c = 0
    assert window_kind(p, m, c) == ("converged", 1)


def test_stalled_window_off_line_i():
    c = 0.5
    p, m = np.zeros(64), np.zeros(64)                     # the origin: k = −c ≠ 0
    assert window_kind(p, m, c) == ("stalled", -3)


def test_period_two_window():
    p = np.tile([0.2, 0.6], 32)
    m = np.tile([0.1, 0.3], 32)
    assert window_kind(p, m, 1.0) == ("periodic", 2)


def test_chaotic_edge_orbit():
    """The EoS map at c = 1.9 (beyond the accumulation, below the crisis) is
    chaotic: positive exponent, no period up to KMAX."""
    c, z = 1.9, 0.3
    zs = []
    for _ in range(4000):
        z = z * (1.0 + c - z) ** 2
        zs.append(z)
    zs = np.array(zs[-1024:])
    kind, code = window_kind(zs, np.zeros_like(zs), c)
    assert code == 0 and kind == "chaotic"


def test_aperiodic_when_exponent_is_small():
    assert kind_name(0, CHAOS_TOL) == "aperiodic"              # not strictly above
    assert kind_name(0, math.nextafter(CHAOS_TOL, 1.0)) == "chaotic"
    assert kind_name(0, float("nan")) == "aperiodic"
    assert kind_name(0) == "aperiodic"                          # no exponent given


@given(st.lists(st.tuples(st.sampled_from([-3, -2, -1, 0, 1]) | st.integers(2, 64),
                          st.floats(-1.0, 1.0) | st.just(float("nan"))),
                min_size=1, max_size=40),
       st.sampled_from([CHAOS_TOL, 0.0, 0.1]))
def test_classify_equals_brute_force(cells, tol):
    code = np.array([c for c, _ in cells])
    lyap = np.array([v for _, v in cells])
    got = [KIND_NAMES[Kind(k)] for k in classify(code, lyap, tol)]
    assert got == [brute_kind(int(c), float(v), tol) for c, v in cells]


def test_classify_keeps_shape_and_scalars():
    period = np.array([[-2, 1], [0, 8]])
    lyap = np.array([[np.nan, -1.0], [0.5, -0.1]])
    out = classify(period, lyap)
    assert out.shape == (2, 2) and out.dtype == np.int8
    assert out.tolist() == [[Kind.FORBIDDEN, Kind.CONVERGED], [Kind.CHAOTIC, Kind.PERIODIC]]
    assert int(classify(-1)) == Kind.DIVERGED


def test_outcome_from_window_uses_the_rule():
    assert outcome_from_window(-3, 0.0, False, 1.0).kind == "stalled"
    assert outcome_from_window(-3, 0.0, False, 1.0).period == 1
    assert outcome_from_window(4, -0.2, False, 1.0).period == 4
    assert outcome_from_window(0, 0.3, False, 1.0).kind == "chaotic"
    assert outcome_from_window(0, 0.3, False, 1.0).period is None
    assert outcome_from_window(2, 0.0, True, 1.0).kind == "diverged"


@pytest.mark.parametrize("code", [-4, -7])
def test_unknown_code_is_refused(code):
    with pytest.raises(ValueError, match="unknown period code"):
        classify([1, code])


# -- still converging (uvcore.outcomes.converging_rate) -------------------------------

#: Relative agreement of the measured contraction with 1 − ηλ* (the correction
#: (η²‖x‖²/n_eff)Δf f of the step is ≈ 1e-7 of it at η = 1e-3).
RATE_TOL = 1e-5


def spec_run(eta, n_eff, x_norm, y, df, lam, steps):
    """The spec's step (§2) iterated in plain Python: Δf and λ of every state."""
    dfs, lams = [df], [lam]
    for _ in range(steps):
        f = df + y
        df, lam = (df * (1 - eta * lam + eta ** 2 * x_norm ** 2 / n_eff * df * f),
                   lam + eta * x_norm ** 2 / n_eff * df * (eta * lam * df - 4 * f))
        dfs.append(df)
        lams.append(lam)
    return np.array(dfs), np.array(lams)


def test_a_slow_run_is_still_converging_at_the_rate_of_the_linearised_map():
    """η = 1e-3 from (−2, 0.5): the period test finds no period (code 0) and the
    exponent is below CHAOS_TOL, so classify says "aperiodic"; but |Δf| shrinks
    at every step at the multiplier 1 − ηλ of the Jacobian across line I
    (spec §2.4: eigenvalues {1 − ηλ, 1} at (0, λ))."""
    import uvcore
    eta, n_eff, x_norm, y = 1e-3, 16.0, 1.0, 2.0
    traj = uvcore.trajectory(-2.0, 0.5, uvcore.MapParams(eta, n_eff, x_norm, y), 1000)
    assert traj.outcome.kind == "aperiodic"
    df, lam = spec_run(eta, n_eff, x_norm, y, -2.0, 0.5, 1000)
    window = df[-512:]
    rate = converging_rate(window)
    assert rate is not None
    # the geometric mean of 1 − ηλ_t over the window (λ still drifts slowly)
    expected = float(np.exp(np.mean(np.log(1 - eta * lam[-512:-1]))))
    assert rate == pytest.approx(expected, rel=RATE_TOL)
    assert converging_rate(traj.df[-512:]) == pytest.approx(rate, rel=1e-9)


def test_converging_rate_of_a_geometric_sequence_and_of_what_does_not_converge():
    r = 0.97
    assert converging_rate(3.0 * r ** np.arange(50)) == pytest.approx(r, rel=1e-12)
    # alternating sign with shrinking size (1 < ηλ < 2) still converges
    assert converging_rate(3.0 * (-r) ** np.arange(50)) == pytest.approx(r, rel=1e-12)
    assert converging_rate(np.ones(50)) is None                     # settled, not shrinking
    assert converging_rate(np.tile([1.0, -1.0], 25)) is None        # a period-2 orbit
    zs = [0.3]
    for _ in range(300):                                             # chaotic EoS orbit
        zs.append(zs[-1] * (1.0 + 1.9 - zs[-1]) ** 2)
    assert converging_rate(np.array(zs[-200:]) - 1.9) is None
    assert converging_rate([2.0, 1.0, 0.0]) is None                  # reached zero: converged
    assert converging_rate([2.0, 1.0]) is None                       # too short to tell
    assert converging_rate([2.0, float("nan"), 0.5]) is None
