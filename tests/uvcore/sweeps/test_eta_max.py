"""uvcore.sweeps.eta_max: the largest non-diverging η of one start or many."""

import numpy as np
import pytest

from uvcore import MapParams, UVInputError, eta_max, eta_max_scan, trajectory
from uvcore.sweeps import bisection_rounds

N_EFF, Y = 4.0, 2.0          # η_c = 1 and c = η
#: Relative bracket width asked of the lockstep bisection.
SCAN_RTOL = 1e-4


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


def _survives(df0, lam0, eta, steps):
    """Brute force, one orbit at a time (trajectory, not the batch kernel)."""
    return not trajectory(df0, lam0, MapParams(eta, N_EFF, 1.0, Y), steps).diverged


def test_scan_brackets_contain_the_brute_force_answer():
    starts = [(-2.0, 1.0), (-1.0, 3.0), (0.5, 6.0), (-2.0, 40.0)]
    d0, l0 = np.array(starts).T
    steps, num = 400, 20
    calls = []
    r = eta_max_scan(d0, l0, n_eff=N_EFF, y=Y, eta_lo=0.05, eta_hi=5.0, num=num,
                     steps=steps, rtol=SCAN_RTOL, progress=lambda d, t: calls.append((d, t)))
    grid = np.geomspace(0.05, 5.0, num)
    for i, (df0, lam0) in enumerate(starts):
        ok = [_survives(df0, lam0, e, steps) for e in grid]
        if not any(ok):
            assert r.below[i] and np.isnan(r.lo[i]) and r.hi[i] == grid[0]
            continue
        j = max(k for k, v in enumerate(ok) if v)        # largest surviving scanned η
        if j == num - 1:
            assert r.capped[i] and r.lo[i] == grid[-1] and r.hi[i] == np.inf
            continue
        assert grid[j] <= r.lo[i] < r.hi[i] <= grid[j + 1]
        assert r.hi[i] - r.lo[i] <= SCAN_RTOL * r.hi[i]
        assert _survives(df0, lam0, r.lo[i], steps)
        assert not _survives(df0, lam0, r.hi[i], steps)
    assert not (r.below | r.capped).all()
    total = num + bisection_rounds(0.05, 5.0, num, SCAN_RTOL)
    done = [d for d, _ in calls]
    assert all(t == total for _, t in calls) and done == sorted(done)
    assert done[:num] == list(range(1, num + 1)) and done[-1] == total   # the bar fills


def test_scan_of_one_start_is_eta_max():
    one = eta_max(-2.0, 1.0, n_eff=N_EFF, y=Y, steps=500, num=32, rtol=SCAN_RTOL)
    many = eta_max_scan([-2.0, -1.0], [1.0, 3.0], n_eff=N_EFF, y=Y, steps=500, num=32,
                        rtol=SCAN_RTOL)
    assert one.bracket == (many.lo[0], many.hi[0])


def test_bisection_rounds_by_hand():
    # one scan step of ratio 10^(3/3) = 10: (10 − 1)/1e-3 = 9000 → 14 halvings, plus one
    assert bisection_rounds(1.0, 1000.0, 4, 1e-3) == 15


def test_bad_scan_input():
    with pytest.raises(UVInputError, match="eta_hi must be > eta_lo"):
        eta_max_scan([-2.0], [1.0], n_eff=N_EFF, y=Y, eta_lo=2.0, eta_hi=1.0)
    with pytest.raises(UVInputError, match="forbidden region"):
        eta_max_scan([2.0], [0.1], n_eff=N_EFF, y=Y)
    with pytest.raises(UVInputError, match="df0 must be a number"):
        eta_max("a", 1.0, n_eff=N_EFF, y=Y)
