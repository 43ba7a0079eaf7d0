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
from uvcore.outcomes import CHAOS_TOL, KIND_NAMES, Kind, PeriodCode, classify, kind_name

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
