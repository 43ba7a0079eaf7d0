"""uvcore.analysis: fixed points, stability, nullclines, regions (spec §2.2–2.5, §3)."""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from uvcore import (MapParams, UVInputError, classify_multipliers, fixed_points,
                    forbidden_edge, nullclines, regions, step, vector_field)
from uvcore.analysis import CATAPULT, FORBIDDEN, REDUCTION, SHARPENING

from .spec import edge_lam, eos_map, eos_slope, spec_step
from .strategies import map_params

#: |c − 2| below which the other point II may or may not exist (rounding of c).
EXISTS_TOL = 1e-12
#: Multipliers closer than this (relative) count as one repeated multiplier.
REPEATED_GAP = 1e-3
#: Relative accuracy of each of two (nearly) repeated multipliers: √(rounding error).
REPEATED_RTOL = 1e-6
MU_RTOL = 1e-9
FIXED_RTOL = 1e-10


def _c(params):
    return params.eta * params.x_norm * abs(params.y) / math.sqrt(params.n_eff)


def _by_kind(fps):
    return {p.kind: p for p in fps.points}


@given(map_params(c_max=4.0))
@example(MapParams(eta=1.131370849898476, n_eff=2.0, x_norm=2.5, y=-1.0))   # c = 2: 9 twice
def test_fixed_point_multipliers_match_hand_derivation(params):
    """With c = η‖x‖|y|/√n_eff, on the edge through point II+ (y > 0) or II− …

    origin: (1 − c)², (1 + c)²;  the point II on the same side as y: in-edge
    2c + 5, transverse 9;  the other point II (exists iff c ≤ 2): 5 − 2c and 9.
    """
    c = _c(params)
    pts = _by_kind(fixed_points(params))
    same, other = ("II+", "II-") if params.y > 0 else ("II-", "II+")
    want = {"origin": sorted([(1 - c) ** 2, (1 + c) ** 2]),
            same: sorted([2 * c + 5, 9.0])}
    if c <= 2:
        want[other] = sorted([5 - 2 * c, 9.0])
    if abs(c - 2) <= EXISTS_TOL and other not in pts:
        want.pop(other, None)          # c = 2 up to rounding: the point may be just gone
    assert set(pts) == set(want)
    for kind, mus in want.items():
        got = sorted(z.real for z in pts[kind].eigenvalues)
        # sum and product (trace and determinant) are well conditioned even
        # where the two multipliers meet (c = 2: both 9); each root alone is
        # then only good to about the square root of the rounding error
        assert sum(got) == pytest.approx(sum(mus), rel=MU_RTOL, abs=MU_RTOL)
        assert got[0] * got[1] == pytest.approx(mus[0] * mus[1], rel=MU_RTOL, abs=MU_RTOL)
        apart = abs(mus[1] - mus[0]) > REPEATED_GAP * max(abs(m) for m in mus)
        tol = MU_RTOL if apart else REPEATED_RTOL
        assert np.allclose(got, mus, rtol=tol, atol=tol)


@given(map_params(c_max=4.0))
def test_fixed_points_are_fixed_and_lie_on_the_edges(params):
    for pt in fixed_points(params).points:
        df1, lam1 = spec_step(pt.df, pt.lam, params.eta, params.n_eff, params.x_norm, params.y)
        scale = abs(pt.df) + pt.lam + abs(params.y)
        assert abs(df1 - pt.df) <= FIXED_RTOL * scale
        assert abs(lam1 - pt.lam) <= FIXED_RTOL * scale
        assert pt.lam == pytest.approx(edge_lam(pt.df, params.n_eff, params.x_norm, params.y),
                                       rel=1e-12, abs=1e-12)


def test_point_two_is_where_both_nullclines_meet_the_edge():
    params = MapParams(0.5, 4.0, 1.0, 2.0)
    ii = _by_kind(fixed_points(params))["II+"]
    g = params.eta * params.x_norm ** 2 / params.n_eff
    assert ii.lam == pytest.approx(g * ii.df * (ii.df + params.y))          # parabola
    assert ii.lam == pytest.approx(4 * (ii.df + params.y) / (params.eta * ii.df))  # hyperbola


def test_origin_stability_labels_follow_c():
    for c, label in ((0.5, "saddle"), (1.5, "saddle"), (2.5, "unstable")):
        params = MapParams(c * 2 / 2, 4.0, 1.0, 2.0)  # c = η here
        assert _by_kind(fixed_points(params))["origin"].stability == label


def test_line_one_stable_segment():
    line = fixed_points(MapParams(0.5, 4.0, 1.0, 2.0)).line
    assert line.lam_min == pytest.approx(2.0)           # 2‖x‖|y|/√n_eff
    assert line.lam_stable_max == pytest.approx(4.0)    # 2/η
    assert fixed_points(MapParams(1.2, 4.0, 1.0, 2.0)).line.lam_stable_max is None  # η > η_c


@pytest.mark.parametrize("mu, stability, bif", [
    ([0.5, -0.3], "stable", "none"),
    ([2.0, 3.0], "unstable", "none"),
    ([0.5, 3.0], "saddle", "none"),
    ([-1.0, 0.2], "marginal", "flip"),
    ([1.0, 0.2], "marginal", "fold"),
    ([complex(0.6, 0.8), complex(0.6, -0.8)], "marginal", "neimark-sacker"),
    ([complex(0.3, 0.4), complex(0.3, -0.4)], "stable", "none"),
])
def test_classify_multipliers(mu, stability, bif):
    assert classify_multipliers(mu) == (stability, bif)


def test_eta_c_is_where_the_eos_minimum_loses_stability():
    """Spec §3: z = c is stable iff 0 < c < 1, i.e. η < η_c."""
    params = MapParams(1.0, 4.0, 1.0, 2.0)
    assert params.eta_c == pytest.approx(1.0)
    for eta, stable in ((0.98, True), (1.02, False)):
        c = eta * params.x_norm * params.y / math.sqrt(params.n_eff)
        assert (abs(eos_slope(c, c)) < 1) == stable
        z = c * 0.9
        for _ in range(20000):
            z = eos_map(z, c)
        assert (abs(z - c) < 1e-8) == stable


@given(map_params(c_max=3.0), st.floats(0.05, 0.95))
def test_nullclines_are_nullclines(params, u):
    lo, hi = -3 * abs(params.y) - 1, 3 * abs(params.y) + 1
    nc = nullclines(params, (lo, hi), num=401)
    for key, comp in (("df", 0), ("lam", 1)):
        curve = nc[key]
        ok = np.isfinite(curve.lam) & (np.abs(curve.df) > 1e-3)
        if not ok.any():
            continue
        i = np.flatnonzero(ok)[int(u * (ok.sum() - 1))]
        df, lam = curve.df[i], curve.lam[i]
        new = spec_step(df, lam, params.eta, params.n_eff, params.x_norm, params.y)
        old = (df, lam)
        assert new[comp] == pytest.approx(old[comp], rel=1e-8, abs=1e-8 * (1 + abs(lam)))


def test_hyperbola_is_broken_at_its_pole():
    params = MapParams(0.5, 4.0, 1.0, 2.0)
    nc = nullclines(params, (-3.0, 3.0), num=400)  # even count: 0 is not a sample
    h = nc["lam"]
    i = np.flatnonzero(np.isnan(h.df))
    assert i.size == 1
    assert h.df[i[0] - 1] < 0 < h.df[i[0] + 1]
    assert np.isnan(h.lam[i[0]])


def test_forbidden_edge_contains_its_vertex():
    params = MapParams(0.5, 4.0, 1.0, 2.0)
    e = forbidden_edge(params, (-5.0, 2.0), num=10)
    assert 0.0 in e.lam and -2.0 in e.df


@given(map_params(c_max=3.0))
def test_region_codes_match_the_spec_rules(params):
    win = ((-3 * abs(params.y), 2 * abs(params.y)), (0.0, 4 * params.lam_min + 4 / params.eta))
    grid = regions(params, *win, grid=23)
    X, Y = np.meshgrid(grid.df, grid.lam)
    for df, lam, code in zip(X.ravel()[::7], Y.ravel()[::7], grid.code.ravel()[::7]):
        if lam < edge_lam(df, params.n_eff, params.x_norm, params.y) * (1 - 1e-9):
            assert code == FORBIDDEN
            continue
        ndf, nlam = spec_step(df, lam, params.eta, params.n_eff, params.x_norm, params.y)
        if abs(ndf) > abs(df) * (1 + 1e-9):
            assert code == CATAPULT
        elif abs(ndf) < abs(df) * (1 - 1e-9) and abs(nlam - lam) > 1e-9 * (1 + lam):
            assert code == (REDUCTION if nlam < lam else SHARPENING)


def test_vector_field_points_along_the_update():
    params = MapParams(0.5, 4.0, 1.0, 2.0)
    vf = vector_field(params, (-4.0, 2.0), (0.0, 8.0), grid=15)
    ok = np.isfinite(vf.u)
    assert ok.any() and (~ok).any()  # the forbidden corner is blank
    ndf, nlam = step(vf.df, vf.lam, params)
    gx, gy = (ndf - vf.df) / 6.0, (nlam - vf.lam) / 8.0   # window-scaled update
    ux, uy = vf.u / (6.0 / 14), vf.v / (8.0 / 14)         # arrows in cell units
    cross = gx * uy - gy * ux
    assert np.allclose(cross[ok], 0.0, atol=1e-9 * np.nanmax(np.hypot(gx, gy)))
    assert np.all(gx[ok] * ux[ok] + gy[ok] * uy[ok] > 0)
    assert np.nanmax(np.hypot(ux, uy)) == pytest.approx(0.8)


@pytest.mark.parametrize("args, match", [
    (((1.0, -1.0), (0.0, 1.0), 10), "df range must have min < max"),
    (((0.0, 1.0), (0.0, float("nan")), 10), "lam max must be finite"),
    (((0.0, 1.0), (0.0, 1.0), 100000), "grid size must be between 2 and"),
    ((5, (0.0, 1.0), 10), "ranges must be pairs"),
])
def test_bad_window(args, match):
    with pytest.raises(UVInputError, match=match):
        regions(MapParams(0.5, 4.0), *args)
