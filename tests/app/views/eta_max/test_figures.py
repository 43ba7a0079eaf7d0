"""The η_max map's figure and summary: JSON a Celery backend can store, the η_c
contour, the starts, and a summary whose numbers are counted here."""

import json
import math

import numpy as np

from app.core.state import ViewParams
from app.views.eta_max import compute as em
from app.views.eta_max import figures


def test_figure_is_json_and_marks_eta_c():
    p = ViewParams()
    m = em.eta_max_map(p, 12)
    fig = figures.map_figure(m, p)
    json.dumps(fig, allow_nan=False)          # what Celery's JSON backend stores
    names = [t.get("name") for t in fig["data"]]
    assert "η_max = η_c" in names and "trajectory starts" in names
    contour = fig["data"][names.index("η_max = η_c")]
    assert contour["contours"]["start"] == math.log10(2.0)            # η_c = 2
    heat = fig["data"][0]
    for row, ref in zip(heat["customdata"], m.eta_max):
        for v, r in zip(row, ref):
            assert (v is None) == (not math.isfinite(r))
            if v is not None:
                assert math.isclose(v, r, rel_tol=1e-3)
    starts = fig["data"][names.index("trajectory starts")]
    assert (starts["x"], starts["y"]) == ([-2.0], [0.5])              # the default start


def test_summary_counts_the_cells():
    p = ViewParams()
    m = em.eta_max_map(p, 12)
    text = figures.summary(m, p)
    ok = np.isfinite(m.eta_max)
    share = round(100 * float(np.mean(m.eta_max[ok] > 2.0)))
    assert text.startswith(f"{int(ok.sum() + m.below.sum())} starts; η_max from ")
    assert f"η_c = 2: η_max > η_c (edge of stability reachable) for {share} % of them" in text
    assert text.endswith("current η = 1.5.")
    if m.capped.any():
        assert f"{int(m.capped.sum())} survive the whole scan" in text


def test_hover_says_eta_max_or_what_the_scan_found_in_words():
    """A hand-made map: one cell of each case and the words its hover says."""
    m = em.EtaMaxMap(df=np.array([0.0, 1.0]), lam=np.array([1.0, 2.0]),
                     eta_max=np.array([[3.14159, np.nan], [20.0, np.nan]]),
                     capped=np.array([[False, False], [True, False]]),
                     below=np.array([[False, True], [False, False]]),
                     eta_c=2.0, scan=(0.02, 20.0), steps=100)
    heat = figures.map_figure(m, ViewParams())["data"][0]
    assert heat["text"] == [["η_max = 3.142", "η_max < 0.02: diverges at every scanned η"],
                            ["η_max ≥ 20: survives the whole scan",
                             "forbidden: no weights give this start"]]
    assert heat["hovertemplate"].endswith("%{text}<extra></extra>")
