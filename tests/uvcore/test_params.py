"""Validated map parameters and the change of coordinates (uvcore.params).

Reference values: η_c = √n_eff/(‖x‖|y|) and c = η α ‖x‖ y by hand (spec §3),
the inverse P = λ/α² + 2‖x‖f/α, M = λ/α² − 2‖x‖f/α of spec §2.1 written out
in this file, and the forbidden edge of spec §2.2 (``tests/uvcore/spec.py``).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from uvcore import MapParams, UVInputError, eta_critical
from uvcore.params import check_count, edge_lambda, snap_to_edges

from .spec import edge_lam as spec_edge_lam

#: Round trips and identities in float64 (relative to the magnitudes involved).
ROUND_TRIP_RTOL = 1e-12
#: Hand numbers that are exact in binary up to one rounding.
HAND_RTOL = 1e-15


def spec_pm(df, lam, eta, n_eff, x_norm, y):
    """Spec §2.1: p = (ηα²/4) P, m = (ηα²/4) M with P, M = λ/α² ± 2‖x‖f/α."""
    alpha = 1.0 / math.sqrt(n_eff)
    f = df + y
    big_p = lam / alpha ** 2 + 2.0 * x_norm * f / alpha
    big_m = lam / alpha ** 2 - 2.0 * x_norm * f / alpha
    scale = eta * alpha ** 2 / 4.0
    return scale * big_p, scale * big_m


@pytest.mark.parametrize("n_eff,x_norm,y,eta_c", [
    (4.0, 1.0, 2.0, 1.0),          # spec §3: ‖x‖ = 1, y = 2 ⇒ η_c = √n_eff / 2
    (9.0, 1.5, -0.5, 4.0),         # 3 / 0.75
    (100.0, 0.5, 4.0, 5.0),        # 10 / 2
    (2.0, 1.0, 1.0, math.sqrt(2.0)),
])
def test_eta_critical_hand_numbers(n_eff, x_norm, y, eta_c):
    assert eta_critical(n_eff, x_norm, y) == pytest.approx(eta_c, rel=HAND_RTOL)
    params = MapParams(0.3, n_eff, x_norm, y)
    assert params.eta_c == pytest.approx(eta_c, rel=HAND_RTOL)
    # c = η/η_c with the sign of y; |c| = 1 exactly at η = η_c
    assert params.c == pytest.approx(math.copysign(0.3 / eta_c, y), rel=ROUND_TRIP_RTOL)
    assert abs(params.with_eta(eta_c).c) == pytest.approx(1.0, rel=ROUND_TRIP_RTOL)


def test_eta_critical_is_infinite_without_target():
    assert eta_critical(4.0, 1.0, 0.0) == math.inf
    assert MapParams(1.0, 4.0, 1.0, 0.0).c == 0.0


def test_c_at_matches_c_of_each_eta():
    params = MapParams(0.5, 16.0, 2.0, -3.0)
    etas = np.array([0.1, 0.5, 2.0])
    np.testing.assert_allclose(params.c_at(etas), [params.with_eta(e).c for e in etas],
                               rtol=HAND_RTOL)
    assert params.c_at(0.5) == params.c


@given(st.floats(-5, 5), st.floats(0, 20), st.floats(0.01, 10), st.floats(0.5, 1e4),
       st.floats(0.1, 3), st.floats(-3, 3))
def test_to_pm_is_the_spec_change_of_coordinates(df, lam, eta, n_eff, x_norm, y):
    params = MapParams(eta, n_eff, x_norm, y)
    p, m = params.to_pm(df, lam)
    sp, sm = spec_pm(df, lam, eta, n_eff, x_norm, y)
    scale = 1.0 + abs(sp) + abs(sm)
    assert abs(p - sp) <= ROUND_TRIP_RTOL * scale and abs(m - sm) <= ROUND_TRIP_RTOL * scale
    # ηλ = 2(p + m) and k = p − m − c = η α ‖x‖ Δf (spec §2.1)
    assert abs(2.0 * (p + m) - eta * lam) <= ROUND_TRIP_RTOL * scale
    k = eta * x_norm * df / math.sqrt(n_eff)
    assert abs((p - m - params.c) - k) <= ROUND_TRIP_RTOL * (scale + abs(params.c))
    # and back
    d2, l2 = params.from_pm(p, m)
    assert abs(d2 - df) <= ROUND_TRIP_RTOL * scale / params.s
    assert abs(l2 - lam) <= ROUND_TRIP_RTOL * scale / eta


def test_to_pm_at_other_learning_rates():
    params = MapParams(1.0, 4.0, 1.0, 2.0)
    etas = np.array([0.5, 3.0])
    p, m = params.to_pm(0.3, 1.7, etas)
    for e, pe, me in zip(etas, p, m):
        assert (pe, me) == pytest.approx(params.with_eta(e).to_pm(0.3, 1.7), rel=HAND_RTOL)


@pytest.mark.parametrize("n_eff,x_norm,y", [(4.0, 1.0, 2.0), (9.0, 1.5, -0.7)])
def test_forbidden_edge(n_eff, x_norm, y):
    params = MapParams(0.7, n_eff, x_norm, y)
    df = np.linspace(-4, 4, 17)
    np.testing.assert_allclose(params.edge_lam(df),
                               [spec_edge_lam(d, n_eff, x_norm, y) for d in df], rtol=HAND_RTOL)
    np.testing.assert_array_equal(edge_lambda(df, n_eff, x_norm, y), params.edge_lam(df))
    assert params.lam_min == pytest.approx(2.0 * x_norm * abs(y) / math.sqrt(n_eff),
                                           rel=HAND_RTOL)
    assert params.lam_half_c == pytest.approx(abs(params.c) / params.eta, rel=ROUND_TRIP_RTOL)
    # just above the edge is allowed, just below forbidden
    lam = params.edge_lam(df)
    assert not params.forbidden(df, lam * (1 + 1e-6) + 1e-9).any()
    assert params.forbidden(df[df != -y], lam[df != -y] * (1 - 1e-6)).all()


@pytest.mark.parametrize("y", [2.0, -0.7])
def test_edge_point_is_on_the_invariant_edge(y):
    params = MapParams(0.9, 9.0, 1.5, y)
    df, lam = params.edge_point(2.5)
    assert lam == 2.5
    assert spec_edge_lam(df, 9.0, 1.5, y) == pytest.approx(lam, rel=ROUND_TRIP_RTOL)
    p, m = params.to_pm(df, lam)
    on_edge, off_edge = (m, p) if y > 0 else (p, m)
    assert abs(on_edge) <= ROUND_TRIP_RTOL * off_edge
    assert off_edge == pytest.approx(0.5 * params.eta * lam, rel=ROUND_TRIP_RTOL)   # z = ηλ/2


def test_snap_to_edges():
    p, m, bad = snap_to_edges([1.0, -1e-14, -1e-3], [1.0, 1.0, 1.0])
    assert p.tolist() == [1.0, 0.0, 0.0] and bad.tolist() == [False, False, True]


def test_start_pm_refuses_forbidden_start():
    params = MapParams(1.0, 4.0, 1.0, 2.0)
    with pytest.raises(UVInputError, match=r"forbidden region: lam0 must be >= .* = 3\b"):
        params.start_pm(1.0, 0.5)                     # edge at Δf = 1: 2·3/2 = 3


@pytest.mark.parametrize("kwargs,match", [
    (dict(eta=0.0), "eta must be > 0"),
    (dict(eta=-1.0), "eta must be > 0"),
    (dict(n_eff=float("nan")), "n_eff must be finite"),
    (dict(x_norm="a"), "x_norm must be a number"),
    (dict(y=float("inf")), "y must be finite"),
    (dict(eta=1e300, x_norm=1e300), "overflows"),
])
def test_bad_parameters(kwargs, match):
    args = dict(eta=1.0, n_eff=4.0, x_norm=1.0, y=2.0)
    args.update(kwargs)
    with pytest.raises(UVInputError, match=match):
        MapParams(**args)


@pytest.mark.parametrize("args,match", [
    ((0.0, 1.0, 2.0), "n_eff must be > 0"),
    ((4.0, -1.0, 2.0), "x_norm must be > 0"),
    ((4.0, 1.0, None), "y must be a number"),
])
def test_bad_eta_critical(args, match):
    with pytest.raises(UVInputError, match=match):
        eta_critical(*args)


@pytest.mark.parametrize("value,match", [
    (2.5, "must be an integer"), ("x", "must be an integer"), (11, "between 1 and 10"),
])
def test_check_count(value, match):
    assert check_count("n", 7.0, 1, 10) == 7
    with pytest.raises(UVInputError, match=match):
        check_count("n", value, 1, 10)
