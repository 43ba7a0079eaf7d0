"""The η_max map view: reference values from uvcore.eta_max, bad input, the job wrapper."""

import math

import numpy as np
import pytest

import uvcore
from app.core.state import ViewParams, to_query
from app.views import eta_max as em

#: The map's bisection stops at relative width RTOL; uvcore.eta_max goes to 1e-6.
REL_TOL = 2 * em.RTOL


def test_each_cell_matches_uvcore_eta_max():
    p = ViewParams(window=(-3.0, 1.0, 0.2, 2.0), steps=500.0)
    m = em.eta_max_map(p, 8)
    checked = 0
    for i, lam in enumerate(m.lam):
        for j, df in enumerate(m.df):
            if not math.isfinite(m.eta_max[i, j]) or m.capped[i, j]:
                continue
            ref = uvcore.eta_max(df, lam, n_eff=p.n_eff, x_norm=p.x_norm, y=p.y,
                                 eta_lo=m.scan[0], eta_hi=m.scan[1], num=em.SCAN_POINTS,
                                 steps=int(p.steps))
            assert ref.found
            assert m.eta_max[i, j] == pytest.approx(ref.eta_max, rel=REL_TOL)
            checked += 1
    assert checked >= 10


def test_forbidden_cells_are_nan_and_progress_reaches_the_end():
    p = ViewParams()
    seen = []
    m = em.eta_max_map(p, 10, lambda done, total: seen.append((done, total)))
    params = uvcore.MapParams(p.eta, p.n_eff, p.x_norm, p.y)
    D, L = np.meshgrid(m.df, m.lam)
    forbidden = np.asarray(params.forbidden(D, L))
    assert np.all(np.isnan(m.eta_max[forbidden]))
    assert seen[-1][0] <= seen[-1][1] and len(seen) >= em.SCAN_POINTS
    assert all(b[0] >= a[0] for a, b in zip(seen, seen[1:]))


@pytest.mark.parametrize("raw", [None, "", "abc", float("nan"), float("inf"), [1], {"a": 1},
                                 True, 1e308, -5, 3, 10_000])
def test_bad_grid_is_refused_with_a_message(raw):
    fig, text = em.run_job(None, 1, to_query(ViewParams()), raw)
    assert text.startswith("⚠") and fig["data"] == []


@pytest.mark.parametrize("state", [None, 5, "eta=abc", "x" * 10_000, {"a": 1}])
def test_hostile_state_still_answers(state):
    fig, text = em.run_job(None, 1, state, 8)
    assert isinstance(fig, dict) and isinstance(text, str)


def test_work_cap(monkeypatch):
    monkeypatch.setattr(em, "MAX_WORK", 1e3)
    fig, text = em.run_job(None, 1, to_query(ViewParams()), 8)
    assert "too much work" in text


def test_figure_is_json_and_marks_eta_c():
    import json
    p = ViewParams()
    m = em.eta_max_map(p, 12)
    fig = em.map_figure(m, p)
    json.dumps(fig, allow_nan=False)          # what Celery's JSON backend stores
    names = [t.get("name") for t in fig["data"]]
    assert "η_max = η_c" in names and "trajectory starts" in names
    assert "η_c = 2" in em.summary(m, p)
