"""The fate map's engine calls, against a brute-force iteration of the spec's
function-space map (§2) written out here, cell by cell."""

import math

import numpy as np
import pytest

from app.core.state import ViewParams
from app.views.fate_map import compute

WINDOW = (-4.0, 3.0, 0.0, 3.0)
STEPS = 600
#: The engine's divergence bound on p + m = ηλ/2 (uvcore._kernels.DIVERGENCE_BOUND).
BOUND = 1e8
#: |Δf| of a converged orbit after STEPS steps; a period-2 orbit repeats to
#: within PERIOD_TOL every 2 steps, and its λ differs by more than MOVE_RTOL
#: (relative) from one step to the next (slow ones near ηλ = 2 barely move).
CONVERGED_TOL = 1e-6
PERIOD_TOL = 1e-6
MOVE_RTOL = 1e-12
#: Cells this close to the forbidden edge (relative) may fall on either side.
EDGE_TOL = 1e-12


def spec_orbits(p: ViewParams, df: np.ndarray, lam: np.ndarray, steps: int):
    """Iterate Δf' = Δf(1 − ηλ + (η²‖x‖²/n_eff)Δf f), λ' = λ + (η‖x‖²/n_eff)Δf(ηλΔf − 4f)
    from every start; (diverged, last three λ, last Δf)."""
    eta, n, xn, y = p.eta, p.n_eff, p.x_norm, p.y
    d, lm = df.copy(), lam.copy()
    diverged = np.zeros(df.shape, dtype=bool)
    last = []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            f = d + y
            d, lm = (d * (1 - eta * lm + eta ** 2 * xn ** 2 / n * d * f),
                     lm + eta * xn ** 2 / n * d * (eta * lm * d - 4 * f))
            diverged |= ~(eta * lm / 2 <= BOUND)            # NaN counts as diverged
            last = (last + [lm.copy()])[-3:]
    return diverged, last, d


@pytest.mark.parametrize("eta", [1.5, 2.26])
def test_fine_map_agrees_with_the_spec_map_and_reports_each_band(monkeypatch, eta):
    monkeypatch.setattr(compute, "FINE_GRID", 24)
    monkeypatch.setattr(compute, "BANDS", 5)
    p = ViewParams(eta=eta, window=WINDOW)
    calls = []
    fm = compute.fine_map(p, STEPS, lambda done, total: calls.append((done, total)))
    assert calls == [(k, 5) for k in range(1, 6)]
    assert fm.period.shape == (24, 24)
    D, L = np.meshgrid(fm.df, fm.lam)
    edge = 2 * p.x_norm * np.abs(D + p.y) / math.sqrt(p.n_eff)          # spec §2.2
    clear = np.abs(L - edge) > EDGE_TOL * np.maximum(edge, 1.0)
    assert np.array_equal((fm.period == -2)[clear], (L < edge)[clear])
    allowed = fm.period != -2
    diverged, last, d = spec_orbits(p, D, L, STEPS)
    last = [np.where(diverged, np.nan, v) for v in last]      # compared where not diverged
    assert np.array_equal((fm.period == -1)[allowed], diverged[allowed])
    converged, period2 = fm.period == 1, fm.period == 2
    assert np.all(np.abs(d[converged]) < CONVERGED_TOL)
    with np.errstate(invalid="ignore"):
        assert np.all(np.abs(last[2] - last[0])[period2] < PERIOD_TOL)
        assert np.all((np.abs(last[2] - last[1]) > MOVE_RTOL * np.abs(last[2]))[period2])
    assert (converged if eta < p.eta_c else period2).sum() > 50      # the regime is there


def test_the_interactive_map_is_memoized_and_follows_its_arguments():
    key = (1.5, 16.0, 1.0, 2.0)
    a = compute.fate_grid(*key, ((-4.0, 3.0), (0.0, 3.0)), 20, 300)
    b = compute.fate_grid(*key, ((-4.0, 3.0), (0.0, 3.0)), 20, 300)
    assert np.array_equal(a.period, b.period) and a.df.size == 20
    c = compute.fate_grid(*key, ((-1.0, 1.0), (1.0, 2.0)), 10, 300)
    assert c.df[0] == -1.0 and c.df[-1] == 1.0 and c.lam.size == 10


def test_window_is_the_states_plot_window():
    assert compute.window(ViewParams(window=WINDOW)) == ((-4.0, 3.0), (0.0, 3.0))


def test_fine_map_past_the_cascade_has_chaotic_starts(monkeypatch):
    monkeypatch.setattr(compute, "FINE_GRID", 24)
    fm = compute.fine_map(ViewParams(eta=2.84, window=WINDOW), STEPS)
    assert (fm.kind == "chaotic").any() and (fm.kind == "diverged").any()
