"""Figure builders of the fate map (app/views/fate_map/figures.py).

Figures are validated with plotly.graph_objects; categories are checked
against uvcore's own ``FateMap.kind`` and against hand-made period codes,
the hover texts against what a click does on each cell.
"""

import csv
import io
import math

import numpy as np
import plotly.graph_objects as go
import pytest

import uvcore
from app.views.fate_map import figures as figures_fate
from app.core import theme
from app.views.fate_map.figures import FATE_CATEGORIES

PARAMS = uvcore.MapParams(1.5, 16, 1, 2)
WINDOW = ((-4.0, 3.0), (0.0, 3.0))
KEYS = [key for key, _, _ in FATE_CATEGORIES]
OKABE_ITO = {theme.BLACK, theme.ORANGE, theme.SKY_BLUE, theme.GREEN, theme.YELLOW, theme.BLUE,
             theme.VERMILLION, theme.PURPLE, theme.FORBIDDEN_FILL}


def small_map(eta=1.5, grid=30, steps=400):
    return uvcore.fate_map(PARAMS.with_eta(eta), *WINDOW, grid, steps)


def hand_map():
    """One cell of every kind (period codes of uvcore.fate_map)."""
    period = np.array([[-2, -1, -3, 1, 2], [4, 3, 8, 0, 0]])
    lyap = np.array([[np.nan, np.nan, 0.0, -0.5, -0.3], [-0.4, -0.1, -0.2, 0.4, 1e-4]])
    return uvcore.FateMap(np.linspace(-1, 1, 5), np.array([1.0, 2.0]), period, lyap, PARAMS)


def test_categories_of_every_period_code():
    fm = hand_map()
    cat = figures_fate.fate_categories(fm.period, fm.lyapunov, uvcore.CHAOS_TOL)
    names = [[KEYS[c] for c in row] for row in cat]
    assert names == [["forbidden", "diverged", "stalled", "converged", "period-2"],
                     ["period-4", "period-k", "period-k", "chaotic", "aperiodic"]]


@pytest.mark.parametrize("eta", [0.5, 1.5, 2.26, 2.535, 2.84, 4.2])
def test_categories_agree_with_uvcore_kinds(eta):
    fm = small_map(eta)
    cat = figures_fate.fate_categories(fm.period, fm.lyapunov, uvcore.CHAOS_TOL)
    kind = fm.kind
    as_kind = {"period-2": "periodic", "period-4": "periodic", "period-k": "periodic"}
    mapped = np.vectorize(lambda c: as_kind.get(KEYS[c], KEYS[c]))(cat)
    assert np.array_equal(mapped, kind)
    assert np.array_equal(cat == KEYS.index("period-2"), fm.period == 2)


def test_colours_are_distinct_theme_colours():
    colors = [c for _, _, c in FATE_CATEGORIES]
    assert len(set(colors)) == len(colors) and set(colors) <= OKABE_ITO
    assert len({label for _, label, _ in FATE_CATEGORIES}) == len(FATE_CATEGORIES)


def cells(fig) -> np.ndarray:
    """Category of every cell, from the heatmaps (None: a gap of that heatmap)."""
    heats = [t for t in fig["data"] if t["type"] == "heatmap"]
    out = np.full(np.shape(heats[0]["z"]), -1)
    for h in heats:
        z = np.array([[-1 if v is None else v for v in row] for row in h["z"]])
        assert np.all(out[z >= 0] == -1)                    # no cell is in two heatmaps
        out = np.where(z >= 0, z, out)
    return out


def test_fate_figure_is_a_categorical_heatmap_with_a_legend():
    fm = hand_map()
    fig = figures_fate.fate_figure(fm, ((-1, 1), (1, 2)), steps=400,
                                   chaos_tol=uvcore.CHAOS_TOL)
    go.Figure(fig)
    heats = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert [h["name"] for h in heats] == ["fate", "forbidden starts"]
    for heat in heats:
        assert heat["showscale"] is False and heat["hoverongaps"] is False
        assert heat["zmin"] == -0.5 and heat["zmax"] == len(FATE_CATEGORIES) - 0.5
        # the discrete colour scale puts category k's colour at z = k
        scale = heat["colorscale"]
        for k, (_, _, color) in enumerate(FATE_CATEGORIES):
            pos = (k + 0.5) / len(FATE_CATEGORIES)
            seg = [c for (a, c), (b, _) in zip(scale[::2], scale[1::2]) if a <= pos <= b]
            assert seg == [color]
    assert cells(fig).tolist() == [[0, 1, 2, 3, 4], [5, 6, 6, 7, 8]]
    legend = [t["name"] for t in fig["data"] if t.get("showlegend")]
    assert legend == [label for _, label, _ in FATE_CATEGORIES]      # all present here
    assert fig["layout"]["xaxis"]["range"] == [-1, 1]


def test_the_hover_promises_a_start_only_where_a_click_starts_one():
    """Forbidden cells (which the phase plane refuses as starts) say a click is
    refused; every other cell says a click starts a trajectory."""
    fm = small_map(2.26)
    fig = figures_fate.fate_figure(fm, WINDOW, steps=400, chaos_tol=uvcore.CHAOS_TOL)
    forbidden = fm.period == -2
    assert forbidden.any() and (~forbidden).any()
    by_name = {t["name"]: t for t in fig["data"] if t["type"] == "heatmap"}
    allowed, refused = by_name["fate"], by_name["forbidden starts"]
    has = {name: np.array([[v is not None for v in row] for row in t["z"]])
           for name, t in by_name.items()}
    assert np.array_equal(has["forbidden starts"], forbidden)
    assert np.array_equal(has["fate"], ~forbidden)
    assert "click: start a trajectory here" in allowed["hovertemplate"]
    assert "start a trajectory" not in refused["hovertemplate"]
    assert "a click here is refused" in refused["hovertemplate"]
    # a window without forbidden cells has one heatmap, which promises starts
    high = figures_fate.fate_figure(
        uvcore.fate_map(PARAMS, (-2.5, -1.5), (1.0, 2.0), 10, 100), ((-2.5, -1.5), (1.0, 2.0)),
        steps=100, chaos_tol=uvcore.CHAOS_TOL)
    assert [t["name"] for t in high["data"] if t["type"] == "heatmap"] == ["fate"]


def test_legend_lists_only_present_categories_and_trajectories_sit_on_top():
    fm = small_map(1.5)
    traj = uvcore.trajectory(-2.0, 0.5, PARAMS, 300)
    fig = figures_fate.fate_figure(fm, WINDOW, steps=400, chaos_tol=uvcore.CHAOS_TOL,
                                   trajectories=[((-2.0, 0.5), traj)], large=True)
    go.Figure(fig)
    present = figures_fate.fate_counts(
        figures_fate.fate_categories(fm.period, fm.lyapunov, uvcore.CHAOS_TOL))
    legend = [t["name"] for t in fig["data"] if isinstance(t.get("x"), list)
              and t["x"] == [None]]
    assert legend == [label for key, label, _ in FATE_CATEGORIES if key in present]
    names = [t["name"] for t in fig["data"]]
    i = names.index("trajectory 1 (selected): converged")
    assert names[i - 1] == "halo" and fig["data"][i - 1]["line"]["color"] == "white"
    assert fig["data"][i - 1]["line"]["width"] > fig["data"][i]["line"]["width"]
    assert fig["layout"]["font"]["size"] == theme.FONT_SIZE[True]


def test_summary_shares_of_allowed_starts():
    cat = np.array([[0, 0, 3, 3, 3, 1]])
    text = figures_fate.fate_summary(cat, 6, 1000)
    assert text.startswith("6×6 starts, 1000 steps each")
    assert "converged (line I) 75%" in text and "diverged 25%" in text
    assert "forbidden" not in text
    assert "every start of this window is forbidden" in figures_fate.fate_summary(
        np.zeros((2, 2), dtype=int), 2, 10)


def test_fate_csv_one_row_per_start_full_precision():
    fm = small_map(2.26, grid=12)
    text = figures_fate.fate_csv(fm, steps=400, chaos_tol=uvcore.CHAOS_TOL)
    lines = text.strip().splitlines()
    assert lines[0] == "df0,lam0,kind,period,lyapunov"
    assert lines[-1] == "# eta=2.26, n_eff=16.0, x_norm=1.0, y=2.0, steps=400, grid=12x12"
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[:-1]))))
    assert len(rows) == 144
    kinds = fm.kind
    for r in rows:
        j = int(np.argmin(np.abs(fm.df - float(r["df0"]))))
        i = int(np.argmin(np.abs(fm.lam - float(r["lam0"]))))
        assert float(r["df0"]) == fm.df[j] and float(r["lam0"]) == fm.lam[i]
        assert int(r["period"]) == fm.period[i, j] and r["kind"] == kinds[i, j]
        ly = fm.lyapunov[i, j]
        assert (r["lyapunov"] == "") == (not math.isfinite(ly))
        if r["lyapunov"]:
            assert float(r["lyapunov"]) == ly
    assert {r["kind"] for r in rows} >= {"forbidden", "periodic"}


def test_hover_words_never_show_a_period_code():
    """The hand-made cells, in the order of their codes, and the words each says."""
    fm = hand_map()
    fig = figures_fate.fate_figure(fm, WINDOW, steps=100, chaos_tol=uvcore.CHAOS_TOL)
    text = fig["data"][0]["text"]
    want = [["", "diverged", "stalled at a fixed point off line I<br>Lyapunov Λ = 0",
             "converged to line I<br>Lyapunov Λ = -0.5", "EoS, period 2<br>Lyapunov Λ = -0.3"],
            ["EoS, period 4<br>Lyapunov Λ = -0.4", "EoS, period 3<br>Lyapunov Λ = -0.1",
             "EoS, period 8<br>Lyapunov Λ = -0.2", "chaotic<br>Lyapunov Λ = 0.4",
             "aperiodic<br>Lyapunov Λ = 0.0001"]]
    assert text == want
