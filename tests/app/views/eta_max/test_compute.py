"""The η_max map's computation against a brute force written out here: the
spec's function-space map (§2) iterated at every η of a fine grid, the
largest η that does not diverge found directly; forbidden cells, progress
and the work cap."""

import math

import numpy as np
import pytest

import uvcore
from app.core.state import ViewParams
from app.views.eta_max import compute as em

#: The engine's divergence bound on p + m = ηλ/2 (uvcore._kernels.DIVERGENCE_BOUND).
BOUND = 1e8
#: η values of the brute force: a log grid over the scan, then a linear one
#: across the step where the last survivor is.
COARSE, FINE = 3000, 2001
#: Relative slack below the job's η_max for the brute force's grid spacing.
GRID_RTOL = 1e-5


def diverges(df0: float, lam0: float, etas: np.ndarray, p: ViewParams, steps: int):
    """Whether the orbit from (Δf₀, λ₀) diverges within ``steps`` steps, at each η:
    Δf' = Δf(1 − ηλ + (η²‖x‖²/n_eff)Δf f), λ' = λ + (η‖x‖²/n_eff)Δf(ηλΔf − 4f)."""
    eta, n, xn, y = np.asarray(etas, dtype=float), p.n_eff, p.x_norm, p.y
    d, lam = np.full(eta.shape, float(df0)), np.full(eta.shape, float(lam0))
    bad = np.zeros(eta.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            f = d + y
            d, lam = (d * (1 - eta * lam + eta ** 2 * xn ** 2 / n * d * f),
                      lam + eta * xn ** 2 / n * d * (eta * lam * d - 4 * f))
            bad |= ~(eta * lam / 2 <= BOUND) | ~np.isfinite(d)
    return bad


def brute_eta_max(df0, lam0, p: ViewParams, steps: int, lo: float, hi: float) -> float | None:
    """The largest η of the grids whose orbit survives (None: the top survives)."""
    coarse = np.geomspace(lo, hi, COARSE)
    ok = np.nonzero(~diverges(df0, lam0, coarse, p, steps))[0]
    assert ok.size, "every η diverges"
    k = ok.max()
    if k == COARSE - 1:
        return None
    fine = np.linspace(coarse[k], coarse[k + 1], FINE)
    return float(fine[np.nonzero(~diverges(df0, lam0, fine, p, steps))[0].max()])


def test_cells_bracket_the_brute_force_eta_max():
    p = ViewParams(window=(-3.0, 1.0, 0.2, 2.0), steps=500.0)
    m = em.eta_max_map(p, 8)
    checked = 0
    for i in range(0, 8, 3):
        for j in range(0, 8, 3):
            if not math.isfinite(m.eta_max[i, j]) or m.capped[i, j]:
                continue
            truth = brute_eta_max(m.df[j], m.lam[i], p, int(p.steps), *m.scan)
            assert truth is not None
            # the job's bracket: η_max survives, η_max (1 + RTOL) diverges
            assert m.eta_max[i, j] * (1 - GRID_RTOL) <= truth <= m.eta_max[i, j] * (1 + em.RTOL)
            checked += 1
    assert checked >= 6


def test_the_scan_spans_the_spec_eta_c():
    p = ViewParams()
    m = em.eta_max_map(p, 8)
    eta_c = math.sqrt(p.n_eff) / (p.x_norm * abs(p.y))
    assert m.eta_c == pytest.approx(eta_c, rel=1e-12)
    assert m.scan == pytest.approx((em.SCAN_SPAN[0] * eta_c, em.SCAN_SPAN[1] * eta_c))


def test_forbidden_cells_are_nan_and_progress_reaches_the_end():
    p = ViewParams()
    seen = []
    m = em.eta_max_map(p, 10, lambda done, total: seen.append((done, total)))
    D, L = np.meshgrid(m.df, m.lam)
    forbidden = L < 2 * p.x_norm * np.abs(D + p.y) / math.sqrt(p.n_eff)     # spec §2.2
    assert forbidden.any() and np.all(np.isnan(m.eta_max[forbidden]))
    assert np.all(np.isfinite(m.eta_max[~forbidden]) | m.below[~forbidden])
    total = em.SCAN_POINTS + uvcore.sweeps.bisection_rounds(*em.SCAN_SPAN, em.SCAN_POINTS,
                                                            em.RTOL)
    # one report per scanned η, then per bisection round (the bisection may end early)
    assert all(t == total for _, t in seen) and len(seen) > em.SCAN_POINTS
    assert [d for d, _ in seen] == list(range(1, len(seen) + 1)) and len(seen) <= total


@pytest.mark.parametrize("grid", [em.GRID_RANGE[0] - 1, em.GRID_RANGE[1] + 1])
def test_a_grid_out_of_range_is_refused(grid):
    with pytest.raises(uvcore.UVInputError, match=r"grid must be in \[8, 120\]"):
        em.eta_max_map(ViewParams(), grid)


def test_work_cap(monkeypatch):
    assert em.work(8, 500) == 64 * (em.SCAN_POINTS + em._rounds()) * 500
    monkeypatch.setattr(em, "MAX_WORK", 1e3)
    with pytest.raises(uvcore.UVInputError, match="too much work: 8² starts × 500 steps"):
        em.eta_max_map(ViewParams(steps=500.0), 8)
