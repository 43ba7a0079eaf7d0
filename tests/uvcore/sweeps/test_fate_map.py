"""uvcore.sweeps.fate_map: the outcome of every start of a window."""

import numpy as np
import pytest

from uvcore import MapParams, UVInputError, fate_map, run_batch, trajectory
from uvcore.analysis import window_axes
from uvcore.sweeps import FATE_WINDOW, FORBIDDEN_CODE

from ..spec import edge_lam

N_EFF, Y = 4.0, 2.0          # η_c = 1 and c = η


def test_fate_map_marks_forbidden_cells_and_converges_on_the_stable_line():
    params = MapParams(0.5, N_EFF, 1.0, Y)
    fm = fate_map(params, (-4.0, 2.0), (0.0, 6.0), grid=31, steps=600)
    X, Y_ = np.meshgrid(fm.df, fm.lam)
    forb = Y_ < 2 * np.abs(X + 2.0) / 2.0 * (1 - 1e-12)
    assert np.array_equal(fm.period == FORBIDDEN_CODE, forb)
    kinds = fm.kind
    assert set(np.unique(kinds)) <= {"forbidden", "converged", "stalled", "periodic", "chaotic",
                                     "aperiodic", "diverged"}
    # near the stable part of line I (ηλ < 2 and small loss) everything converges
    near = (~forb) & (np.abs(X) < 0.3) & (Y_ > 2.2) & (Y_ < 3.6)
    assert near.any() and np.all(kinds[near] == "converged")


def test_fate_map_agrees_with_single_trajectories():
    params = MapParams(1.15, N_EFF, 1.0, Y)
    fm = fate_map(params, (-4.0, 2.0), (0.0, 8.0), grid=9, steps=3000)
    for i, lam in enumerate(fm.lam):
        for j, df in enumerate(fm.df):
            if fm.period[i, j] == FORBIDDEN_CODE:
                continue
            tr = trajectory(df, lam, params, 2999)
            assert fm.period[i, j] == tr.outcome.code or (
                fm.period[i, j] == 0 and tr.outcome.code == 0)


@pytest.mark.parametrize("bands", [1, 4, 13, 500])
def test_banded_map_equals_one_batch_over_the_allowed_cells(bands):
    """Bands are only a schedule: the cells equal one run_batch over every allowed
    start of the lattice, and forbidden cells are those under the spec's edge."""
    params = MapParams(2.3, N_EFF, 1.0, Y)
    window, grid, steps = ((-4.0, 2.0), (0.0, 6.0)), 13, 700
    calls = []
    fm = fate_map(params, *window, grid, steps, bands=bands,
                  progress=lambda done, total: calls.append((done, total)))
    xs, ys = window_axes(*window, grid)
    X, L = np.meshgrid(xs, ys)
    edge = np.vectorize(edge_lam)(X, N_EFF, 1.0, Y)
    forbidden = L < edge * (1 - 1e-12)
    np.testing.assert_array_equal(fm.period == FORBIDDEN_CODE, forbidden)
    win = min(FATE_WINDOW, steps // 2)
    ref = run_batch(X[~forbidden], L[~forbidden], params.eta, n_eff=N_EFF, y=Y,
                    transient=steps - win, window=win)
    np.testing.assert_array_equal(fm.period[~forbidden], ref.period)
    np.testing.assert_array_equal(fm.lyapunov[~forbidden], ref.lyapunov)
    assert np.all(np.isnan(fm.lyapunov[forbidden]))
    total = min(bands, grid)
    assert calls == [(k, total) for k in range(1, total + 1)]


def test_bad_bands():
    with pytest.raises(UVInputError, match="bands must be between 1 and"):
        fate_map(MapParams(1.0, N_EFF), (-1, 1), (0, 2), 5, 100, bands=0)
