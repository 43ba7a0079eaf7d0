"""Figure builders on real uvcore results, validated with go.Figure.

Reference values are uvcore's own tests of the plane (``MapParams.forbidden``,
``uvcore.step``) and spec identities (line I changes stability at λ = 2/η,
the λ' = λ nullcline has its pole at Δf = 0).
"""

import math

import numpy as np
import orjson
import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import strategies as st
from plotly.io.json import to_json_plotly

import uvcore
from uvcore.analysis import CATAPULT, FORBIDDEN, REDUCTION, SHARPENING
from app.views.phase_plane import figures
from app.core import theme
from tests.uvcore.spec import edge_lam, spec_step
from app.core.state import LAYERS, ViewParams, default_window
from app.core.figures import (ARROW_GAP, ARROW_MARKS, NOTE_LINE, PLANE_HEAD, PLANE_TAIL,
                              TrajectoryNote, arrow_marks, decimate_minmax, trajectory_notes)

#: Absolute slack (in λ) for points tested against the forbidden edge.
EDGE_TOL = 1e-9
#: The slider hot path must send less than this many bytes.
MAX_PAYLOAD = 500_000

PARAMS = uvcore.MapParams(1.5, 16.0, 1.0, 2.0)          # η < η_c = 2
PARAMS_EOS = uvcore.MapParams(2.5, 16.0, 1.0, 2.0)      # η > η_c: no stable part of line I


def build(params=PARAMS, starts=None, layers=LAYERS, window=None, steps=1000, grid=150,
          arrows=20, large=False):
    window = window or default_window(params.eta, params.n_eff, params.x_norm, params.y)
    (a, b), (c, d) = window
    if starts is None:
        starts = [uvcore.default_start(params)]
    trajs = [(s, uvcore.trajectory(*s, params, steps=steps)) for s in starts]
    fig = figures.phase_plane(
        params, window, layers=layers,
        regions=uvcore.regions(params, (a, b), (c, d), grid),
        field=uvcore.vector_field(params, (a, b), (c, d), arrows),
        curves=uvcore.nullclines(params, (a, b)), fixed=uvcore.fixed_points(params),
        trajectories=trajs, large=large)
    go.Figure(fig)  # validates every trace and layout attribute
    return fig


def trace(fig, prefix):
    found = [t for t in fig["data"] if t.get("name", "").startswith(prefix)]
    assert found, f"no trace named {prefix!r}: {[t.get('name') for t in fig['data']]}"
    return found[0]


def test_full_figure_validates_and_is_small():
    fig = build()
    assert fig["layout"]["hovermode"] == "closest"
    size = len(to_json_plotly(fig))
    assert size < MAX_PAYLOAD
    # no external URL anywhere in the figure
    assert "http" not in to_json_plotly(fig)


@pytest.mark.parametrize("large", [False, True])
def test_large_font_mode(large):
    fig = build(large=large)
    assert fig["layout"]["font"]["size"] == theme.FONT_SIZE[large]


def test_region_heatmap_axes_and_forbidden_cells_follow_the_spec_edge():
    fig = build()
    hm = trace(fig, "regions")
    (a, b), (c, d) = default_window(*(PARAMS.eta, PARAMS.n_eff, PARAMS.x_norm, PARAMS.y))
    xs, ys = np.linspace(a, b, 150), np.linspace(c, d, 150)   # the cell centres
    # the figure's axes are those centres rounded far below a pixel
    assert np.allclose(hm["x"], xs, rtol=0, atol=1e-5 * (b - a))
    assert np.allclose(hm["y"], ys, rtol=0, atol=1e-5 * (d - c))
    X, Y = np.meshgrid(xs, ys)
    code = np.asarray(hm["z"])
    assert code.shape == (150, 150)
    edge = 2.0 * PARAMS.x_norm * np.abs(X + PARAMS.y) / math.sqrt(PARAMS.n_eff)   # spec §2.2
    off_edge = np.abs(Y - edge) > 1e-9
    assert np.array_equal((code == FORBIDDEN)[off_edge], (Y < edge)[off_edge])


def test_region_codes_follow_the_spec_definitions():
    """Every cell's colour against the spec's own step and forbidden edge
    (tests/uvcore/spec.py), not against uvcore's."""
    fig = build()
    hm = trace(fig, "regions")
    (a, b), (c, d) = default_window(*(PARAMS.eta, PARAMS.n_eff, PARAMS.x_norm, PARAMS.y))
    X, Y = np.meshgrid(np.linspace(a, b, 150), np.linspace(c, d, 150))
    code = np.asarray(hm["z"])
    args = (PARAMS.eta, PARAMS.n_eff, PARAMS.x_norm, PARAMS.y)
    expected = np.empty_like(code)
    for (i, j), x in np.ndenumerate(X):
        y = Y[i, j]
        if y < edge_lam(x, *args[1:]):
            expected[i, j] = FORBIDDEN
            continue
        ndf, nlam = spec_step(x, y, *args)
        expected[i, j] = CATAPULT if abs(ndf) > abs(x) else (
            REDUCTION if nlam < y else SHARPENING)
    # the edge itself is where two float formulas of one boundary may disagree
    on_edge = np.abs(Y - np.vectorize(lambda x: edge_lam(x, *args[1:]))(X)) < 1e-9
    assert np.array_equal(code[~on_edge], expected[~on_edge])
    assert {FORBIDDEN, CATAPULT, REDUCTION, SHARPENING} <= set(np.unique(code).tolist())


def _inside(px, py, xs, ys):
    """Even-odd ray casting."""
    inside = False
    n = len(xs)
    for k in range(n):
        x1, y1, x2, y2 = xs[k], ys[k], xs[(k + 1) % n], ys[(k + 1) % n]
        if (y1 > py) != (y2 > py):
            xc = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
            if px < xc:
                inside = not inside
    return inside


@pytest.mark.parametrize("params", [PARAMS, uvcore.MapParams(0.7, 3.0, 2.0, -1.5)])
def test_forbidden_polygon_matches_uvcore_forbidden_test(params):
    window = default_window(params.eta, params.n_eff, params.x_norm, params.y)
    fig = build(params, window=window)
    poly = trace(fig, "forbidden")
    assert poly["fill"] == "toself"
    (a, b), (c, d) = window
    rng = np.random.default_rng(1)
    for x, y in zip(rng.uniform(a, b, 500), rng.uniform(c, d, 500)):
        edge = 2 * params.x_norm * abs(x + params.y) / math.sqrt(params.n_eff)
        if abs(y - edge) < EDGE_TOL:
            continue
        assert _inside(x, y, poly["x"], poly["y"]) == bool(params.forbidden(x, y)), (x, y)


def test_line_i_split_at_two_over_eta():
    fig = build()
    solid = trace(fig, "line I, stable")
    dashed = trace(fig, "line I, unstable")
    assert solid["x"] == [0.0, 0.0] and dashed["x"] == [0.0, 0.0]
    assert solid["y"][0] == pytest.approx(PARAMS.lam_min)
    assert solid["y"][1] == pytest.approx(2 / PARAMS.eta)
    assert dashed["y"][0] == pytest.approx(2 / PARAMS.eta)
    assert solid["line"].get("dash", "solid") == "solid" and dashed["line"]["dash"] == "dash"
    # the Jacobian on line I has multipliers {1 − ηλ, 1}: stable just below 2/η only
    for lam, stable in ((2 / PARAMS.eta * 0.99, True), (2 / PARAMS.eta * 1.01, False)):
        mu = np.linalg.eigvals(uvcore.jacobian(0.0, lam, PARAMS))
        assert (min(abs(mu - 1)) < 1e-9) and (sorted(abs(mu))[0] < 1) == stable


def test_line_i_all_dashed_above_critical_eta():
    fig = build(PARAMS_EOS)
    names = [t.get("name", "") for t in fig["data"]]
    assert not any(n.startswith("line I, stable") for n in names)
    dashed = trace(fig, "line I, unstable")
    assert dashed["y"][0] == pytest.approx(PARAMS_EOS.lam_min)


def test_hyperbola_breaks_at_its_pole():
    fig = build()
    hyp = trace(fig, "λ′ = λ nullcline")
    x = np.asarray(hyp["x"], dtype=float)
    y = np.asarray(hyp["y"], dtype=float)
    assert np.isnan(y).any()
    ok = np.isfinite(x) & np.isfinite(y)
    # no drawn segment joins the branch Δf < 0 to the branch Δf > 0
    joined = ok[:-1] & ok[1:] & (np.sign(x[:-1]) * np.sign(x[1:]) < 0)
    assert not joined.any()
    # the NaN survives serialization as null (a break, not a zero)
    payload = orjson.loads(to_json_plotly(hyp))
    assert None in payload["y"]


def test_nullclines_lie_on_the_spec_curves():
    fig = build(window=((-6, 4), (0, 6)))
    par = trace(fig, "Δf′ = Δf nullcline")
    x, y = np.asarray(par["x"], float), np.asarray(par["y"], float)
    ok = np.isfinite(y)
    g = PARAMS.eta * PARAMS.x_norm ** 2 / PARAMS.n_eff
    assert ok.any()
    assert np.allclose(y[ok], g * x[ok] * (x[ok] + PARAMS.y), atol=1e-4)


def test_fixed_points_markers_and_hover():
    fig = build(window=((-7, 7), (0, 5)))
    fp = trace(fig, "fixed points")
    pts = uvcore.fixed_points(PARAMS).points
    assert len(fp["x"]) == len(pts)
    for k, pt in enumerate(pts):
        assert fp["marker"]["symbol"][k] == theme.STABILITY_SYMBOLS[pt.stability]
        text = fp["text"][k]
        assert pt.stability in text and "multipliers" in text and pt.bifurcation in text


def test_eta_line_at_two_over_eta():
    fig = build()
    line = trace(fig, "ηλ = 2")
    assert line["y"] == [2 / PARAMS.eta, 2 / PARAMS.eta]


def test_layers_toggle_traces():
    fig = build(layers=())
    names = [t.get("name", "") for t in fig["data"]]
    assert not any(n.startswith(("forbidden", "update", "Δf′", "λ′", "line I", "fixed", "ηλ"))
                   for n in names)
    assert fig["layout"]["images"] == []          # no vector field
    # the heatmap stays (it is the click target) but is fully transparent
    hm = trace(fig, "regions")
    assert all(c[1] == "rgba(0,0,0,0)" for c in hm["colorscale"])


def test_trajectory_trace_start_star_and_arrows():
    fig = build()
    tr = trace(fig, "trajectory 1")
    start = trace(fig, "trajectory 1 (selected) start")
    d0, l0 = uvcore.default_start(PARAMS)
    assert start["marker"]["symbol"] == "star"
    assert (start["x"][0], start["y"][0]) == (d0, l0)
    assert tr["x"][0] == pytest.approx(d0) and tr["y"][0] == pytest.approx(l0)
    assert len(tr["x"]) == 1001
    # a long path is a line: no marker per state (one SVG node each in the browser)
    assert tr["mode"] == "lines" and "marker" not in tr
    marks = trace(fig, "direction of trajectory 1")
    assert marks["marker"]["symbol"] == "arrow" and marks["marker"]["angleref"] == "previous"
    sizes = np.asarray(marks["marker"]["size"])
    steps = np.asarray(marks["customdata"])
    assert 3 <= np.count_nonzero(sizes) <= ARROW_MARKS and len(steps) <= 2 * ARROW_MARKS
    # each visible arrow follows its predecessor state (a size-0 point), so it
    # points along the step it ends
    traj = uvcore.trajectory(d0, l0, PARAMS, steps=1000)
    for k in range(0, len(steps), 2):
        assert sizes[k] == 0 and sizes[k + 1] > 0 and steps[k + 1] == steps[k] + 1
        i = int(steps[k + 1])
        assert marks["x"][k + 1] == pytest.approx(traj.df[i], abs=1e-5)
        assert marks["y"][k + 1] == pytest.approx(traj.lam[i], abs=1e-5)
        assert marks["x"][k] == pytest.approx(traj.df[i - 1], abs=1e-5)


def test_short_trajectory_keeps_an_arrow_at_every_state():
    fig = build(steps=40)
    tr = trace(fig, "trajectory 1")
    assert tr["mode"] == "lines+markers" and len(tr["x"]) == 41
    assert tr["marker"]["symbol"] == "arrow" and tr["marker"]["angleref"] == "previous"
    assert not any(t["name"].startswith("direction of") for t in fig["data"])


@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(0, 5)), min_size=0, max_size=3000))
def test_arrow_marks_are_few_apart_and_follow_a_state(points):
    window = ((-5.0, 5.0), (0.0, 5.0))
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    idx = arrow_marks(x, y, window)
    assert idx.size <= ARROW_MARKS and np.all(np.diff(idx) > 0)
    assert idx.size == 0 or (idx[0] >= 1 and idx[-1] < len(points))
    for i, j in zip(idx[:-1], idx[1:]):
        assert math.hypot((x[j] - x[i]) / 10, (y[j] - y[i]) / 5) >= ARROW_GAP - 1e-12


def test_diverged_trajectory_is_drawn_with_a_note():
    start = (1.0, 2.6)
    traj = uvcore.trajectory(*start, PARAMS_EOS, steps=1000)
    assert traj.diverged
    fig = build(PARAMS_EOS, starts=[start])
    tr = trace(fig, "trajectory 1")
    assert "diverged" in tr["name"] and len(tr["x"]) >= 1
    assert np.isfinite(np.asarray(tr["x"], float)).all()
    assert len(tr["x"]) == traj.df.size
    notes = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert f"diverged at step {traj.diverged_at}" in notes
    ts = figures.timeseries(traj)
    go.Figure(ts)
    assert any(len(t["x"]) for t in ts["data"])
    assert "diverged" in ts["layout"]["annotations"][0]["text"]


@pytest.mark.parametrize("large", [False, True])
def test_eight_diverging_trajectories_share_one_short_note(large):
    """The note names every diverged trajectory and the span of their steps
    in at most three lines (eight notes once covered a third of the plane)."""
    starts = [(1.0 + 0.1 * k, 2.6 + 0.05 * k) for k in range(8)]
    trajs = [uvcore.trajectory(*s, PARAMS_EOS, steps=1000) for s in starts]
    assert all(t.diverged for t in trajs)
    fig = build(PARAMS_EOS, starts=starts, large=large)
    (note,) = fig["layout"]["annotations"]
    lines = note["text"].split("<br>")
    assert len(lines) <= 3 and all(len(line) <= NOTE_LINE[large] for line in lines)
    steps = [t.diverged_at for t in trajs]
    span = (f"step {min(steps)}" if min(steps) == max(steps)
            else f"steps {min(steps)}–{max(steps)}")
    assert " ".join(lines) == (f"trajectories 1–8 diverged (at {span}), each drawn up to its "
                               "last finite state")
    # each trajectory's own step is in its key entry
    for k, t in enumerate(trajs):
        assert any(tr["name"].startswith(f"trajectory {k + 1}") and
                   tr["name"].endswith(f"diverged at step {t.diverged_at}") for tr in fig["data"])


def test_trajectory_notes_group_the_trajectories_by_what_is_said():
    N = TrajectoryNote
    assert trajectory_notes([]) == []
    assert trajectory_notes([N("diverged", 2, 6)]) == [
        "trajectory 2 diverged at step 6 (drawn up to its last finite state)"]
    out = trajectory_notes([N("diverged", 1, 9), N("cut", 2, 5000), N("diverged", 3, 4),
                            N("diverged", 4, 7), N("diverged", 6, 5), N("cut", 8, 5000)])
    assert out == ["trajectories 1, 3, 4, 6 diverged (at steps 4–9), each drawn up to its "
                   "last finite state",
                   f"trajectories 2, 8: steps 0–{PLANE_HEAD - 1} and the last {PLANE_TAIL} "
                   "shown; the time series shows all"]
    assert trajectory_notes([N("diverged", k, 3) for k in (1, 2, 3, 5, 6)])[0].startswith(
        "trajectories 1–3, 5, 6 diverged (at step 3)")


def test_immediately_diverging_start_still_has_a_point():
    params = uvcore.MapParams(50.0, 1.0, 1.0, 2.0)
    start = (3.0, 100.0)
    traj = uvcore.trajectory(*start, params, steps=10)
    assert traj.diverged
    fig = figures.phase_plane(params, ((-5, 5), (0, 200)), layers=LAYERS,
                              trajectories=[(start, traj)])
    go.Figure(fig)
    assert trace(fig, "trajectory 1 (selected) start")["x"] == [3.0]


def test_long_trajectory_is_cut_in_the_plane_with_a_note():
    fig = build(steps=20000)
    tr = trace(fig, "trajectory 1")
    n = PLANE_HEAD + PLANE_TAIL + 1
    assert len(tr["x"]) == n and np.isnan(tr["x"][PLANE_HEAD])
    assert tr["customdata"][-1] == 20000
    assert any("time series shows all" in a["text"].replace("<br>", " ")   # wrapped lines
               for a in fig["layout"]["annotations"])
    assert len(to_json_plotly(fig)) < MAX_PAYLOAD


def test_timeseries_subplots_and_two_over_eta():
    traj = uvcore.trajectory(*uvcore.default_start(PARAMS), PARAMS, steps=500)
    fig = figures.timeseries(traj)
    go.Figure(fig)
    assert fig["layout"]["yaxis"]["type"] == "log"
    assert fig["layout"]["xaxis"]["matches"] == "x2"
    line = trace(fig, "2/η")
    assert line["y"] == [2 / PARAMS.eta] * 2 and line["yaxis"] == "y2"
    lam = trace(fig, "λ (NTK)")
    # a long series is two lines, the even steps and the odd steps, split by a gap
    x, y = np.asarray(lam["x"], float), np.asarray(lam["y"], float)
    gap = int(np.flatnonzero(np.isnan(x))[0])
    assert np.array_equal(x[:gap], np.arange(0, 501, 2))
    assert np.array_equal(x[gap + 1:], np.arange(1, 501, 2))
    assert np.allclose(y[:gap], traj.lam[0::2], rtol=1e-5)
    assert np.allclose(y[gap + 1:], traj.lam[1::2], rtol=1e-5)
    assert all(t["mode"] == "lines" for t in fig["data"])


def test_period_two_series_shows_two_flat_branches():
    """At η = 2.26 (c = 1.13 ∈ (1, √5 − 1)) the default preset start ends on a
    period-2 orbit: the even and the odd steps are each (nearly) constant."""
    params = uvcore.MapParams(2.26, 16.0, 1.0, 2.0)
    traj = uvcore.trajectory(-2.0, 0.5, params, steps=1000)
    assert traj.outcome.kind == "periodic" and traj.outcome.period == 2
    lam = trace(figures.timeseries(traj), "λ (NTK)")
    x, y = np.asarray(lam["x"], float), np.asarray(lam["y"], float)
    gap = int(np.flatnonzero(np.isnan(x))[0])
    even, odd = y[:gap][x[:gap] > 800], y[gap + 1:][x[gap + 1:] > 800]
    assert np.ptp(even) < 1e-3 * even.mean() and np.ptp(odd) < 1e-3 * odd.mean()
    assert abs(even.mean() - odd.mean()) > 0.1 * odd.mean()


def test_timeseries_with_paramspace_overlay_validates():
    traj = uvcore.trajectory(-2.0, 0.5, PARAMS, steps=50)
    fig = figures.timeseries(traj, paramspace=(traj.df * (1 + 1e-12), traj.lam),
                             paramspace_label="parameter space, n = 16")
    go.Figure(fig)
    lam = trace(fig, "λ, weights")
    assert lam["line"]["dash"] == "dash" and "parameter space, n = 16" in lam["hovertemplate"]


def test_empty_timeseries_says_why():
    fig = figures.timeseries(None)
    go.Figure(fig)
    assert "No trajectory" in fig["layout"]["annotations"][0]["text"]


def test_decimate_minmax_keeps_extremes():
    t = np.arange(100_000, dtype=float)
    s = np.where(t % 2 == 0, 1.0, -1.0) * (1 + t / 1e5)   # period 2, growing
    s[54_321] = 50.0
    tt, (ss,) = decimate_minmax(t, [s], 4000)
    assert len(tt) <= 4000 and np.all(np.diff(tt) > 0)
    assert ss.max() == 50.0 and ss.min() == s.min()


@pytest.mark.parametrize("n, most", [(3000, 4000), (4001, 4000), (10_001, 400), (999, 10)])
def test_decimate_minmax_spans_every_step(n, most):
    """A flat series keeps its first and last steps (its span is the run's)."""
    t = np.arange(n, dtype=float)
    tt, (ss,) = decimate_minmax(t, [np.ones(n)], most)
    assert len(tt) <= min(n, most)
    assert tt[0] == 0 and tt[-1] == n - 1 and np.all(np.diff(tt) > 0)


def test_csv_round_trip():
    traj = uvcore.trajectory(-2.0, 0.5, PARAMS, steps=20)
    text = figures.trajectory_csv(traj)
    rows = [r.split(",") for r in text.strip().splitlines()]
    assert rows[0] == ["step", "df", "lam", "lam_hessian", "loss", "eta_lam"]
    data = np.array(rows[1:], dtype=float)
    assert data.shape == (21, 6)
    assert np.array_equal(data[:, 1], traj.df) and np.array_equal(data[:, 2], traj.lam)


def test_the_key_is_drawn_only_with_the_legend_layer():
    # Plotly draws a key it is told to show even when the page hides it, so
    # the layer decides: without it the figure asks for no key at all
    shown = build(layers=LAYERS)
    hidden = build(layers=tuple(k for k in LAYERS if k != "legend"))
    assert shown["layout"]["showlegend"] is True and hidden["layout"]["showlegend"] is False
    assert "legend" not in ViewParams().layers
    assert go.Figure(hidden).layout.showlegend is False
    # the region colours' entries exist only for the key: without it, none
    # (three traces fewer for Plotly to lay out on every change)
    def region_entries(fig):
        return [t["name"] for t in fig["data"] if t["name"] in figures.REGION_LABELS.values()]
    assert sorted(region_entries(shown)) == sorted(figures.REGION_LABELS.values())
    assert region_entries(hidden) == []
