"""Periodic orbits and branch following (uvcore.continuation.branch).

Reference values: a long plain-Python forward iteration of the EoS map, the
closed-form period-2 orbit (roots of z² − (1 + c) z + 1, multiplier
9 − 2(1 + c)²) and one-orbit trajectories of the 2-D map.
"""

import math

import numpy as np
import pytest

import uvcore
from uvcore import MapParams, UVInputError, follow_branch, periodic_orbit

from .common import N_EFF, eos_iterate

#: Newton orbit vs a long forward iteration at the same c.
ORBIT_TOL = 1e-10


def test_newton_orbit_agrees_with_forward_iteration(eos):
    c = eos.c_flip
    for j in range(1, 5):                       # period-2, 4, 8, 16 windows
        k = 2 ** j
        cm = 0.5 * (c[j - 1] + c[j])            # period 2^j lives in (c_j, c_{j+1})
        orb = periodic_orbit(MapParams(cm, N_EFF), k, map="eos", settle=100)
        assert orb.stability == "stable"
        z = eos_iterate(cm / 2.0, cm, 40_000)
        tail = []
        for _ in range(k):
            tail.append(z)
            z = eos_iterate(z, cm, 1)
        tail = np.array(tail)
        dist = np.abs(tail[:, None] - orb.z[None, :]).min(axis=1)
        assert np.max(dist) <= ORBIT_TOL, (k, dist)
        assert len(np.unique(np.round(orb.z, 8))) == k          # minimal period k


def test_period2_orbit_matches_closed_form():
    cm = 1.15
    orb = periodic_orbit(MapParams(cm, N_EFF), 2, map="eos")
    s = 1.0 + cm
    roots = np.sort([(s - math.sqrt(s * s - 4)) / 2, (s + math.sqrt(s * s - 4)) / 2])
    np.testing.assert_allclose(np.sort(orb.z), roots, rtol=1e-13)
    assert orb.multipliers[0].real == pytest.approx(9 - 2 * s * s, abs=1e-12)


def test_2d_newton_orbit_agrees_with_trajectory(eos):
    c = eos.c_flip
    cm = 0.5 * (c[1] + c[2])                    # period-4 window
    params = MapParams(cm, N_EFF)
    orb = periodic_orbit(params, 4, map="uv")    # generic start, default_start
    assert orb.on_edge and orb.stability == "stable" and len(orb.multipliers) == 2
    t = uvcore.trajectory(*uvcore.default_start(params), params, steps=20_000)
    lam = t.lam[-4:]
    dist = np.abs(lam[:, None] - orb.lam[None, :]).min(axis=1)
    assert np.max(dist) <= ORBIT_TOL * (1 + np.max(lam))


def test_follow_branch_reports_flip():
    orb = periodic_orbit(MapParams(1.15, N_EFF), 2, map="uv")
    br = follow_branch(orb, 1.3)
    assert br.end == "event"
    ev = br.events[-1]
    assert ev.kind == "flip" and not ev.transverse
    assert abs((ev.c - (math.sqrt(5) - 1))) <= 1e-13
    assert np.all(np.diff(br.c) > 0)
    new = uvcore.switch_branch(ev)
    assert new.period == 4 and new.c >= ev.c


def test_bad_orbit_input():
    with pytest.raises(UVInputError, match="period must be between"):
        periodic_orbit(MapParams(1.1, N_EFF), 0)
    with pytest.raises(UVInputError, match="params must be a MapParams"):
        periodic_orbit((1.1, N_EFF), 2)
    with pytest.raises(UVInputError, match="unknown stop_on"):
        follow_branch(periodic_orbit(MapParams(1.1, N_EFF), 2), 1.2, stop_on=("cusp",))
    with pytest.raises(UVInputError, match="diverges"):
        periodic_orbit(MapParams(2.5, N_EFF), 1, map="eos", lam0=1.0)
