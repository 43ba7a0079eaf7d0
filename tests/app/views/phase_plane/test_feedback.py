"""Nothing fails silently (issue 13 §3), the pure parts: the forbidden cells'
hover and the refusal pinned at a click, Sample init framing its start and
never duplicating it, the trajectory list (select, delete, the cap of 8), the
overlay on the selected trajectory, the step axis ending where a run settled,
log ticks that carry their decade and "still converging" instead of "aperiodic".

Truths are the spec's formulas written out here (the forbidden edge
2‖x‖|Δf + y|/√n_eff, §2.2), geometric sequences whose settling step is known
in closed form, and tick labels parsed back to numbers.
"""

import math
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest

import uvcore
from uvcore import paramspace
from app.core import state
from app.core.figures import outcome_words
from app.core.state import MAX_TRAJECTORIES, ViewParams, default_window, to_query
from app.views.phase_plane import callbacks as cb
from app.views.phase_plane import figures, starts

from .test_callbacks import DEFAULT, call, params_of
from tests.app.ticks import tick_value

PARAMS = uvcore.MapParams(1.5, 16.0, 1.0, 2.0)


def spec_edge(x_norm, n_eff, y, df):
    """Spec §2.2: λ below this is forbidden."""
    return 2.0 * x_norm * np.abs(df + y) / math.sqrt(n_eff)


@pytest.mark.parametrize("params", [PARAMS, uvcore.MapParams(0.7, 3.0, 2.0, -1.5)])
def test_forbidden_cells_have_their_own_truthful_hover(params):
    window = default_window(params.eta, params.n_eff, params.x_norm, params.y)
    (a, b), (c, d) = window
    regions = uvcore.regions(params, (a, b), (c, d), 150)
    fig = figures.phase_plane(params, window, layers=state.LAYERS, regions=regions)
    go.Figure(fig)
    names = [t["name"] for t in fig["data"]]
    # after the region heatmap, so its hover wins over the forbidden cells
    assert names.index("refused starts") == names.index("regions") + 1
    cells = fig["data"][names.index("refused starts")]
    X, Y = np.meshgrid(np.linspace(a, b, 150), np.linspace(c, d, 150))
    edge = spec_edge(params.x_norm, params.n_eff, params.y, X)
    z = np.asarray(cells["z"], dtype=float)
    off_edge = np.abs(Y - edge) > 1e-9
    assert np.array_equal(np.isfinite(z)[off_edge], (Y < edge)[off_edge])
    assert cells["hoverongaps"] is False
    hover = cells["hovertemplate"]
    slope = 2.0 * params.x_norm / math.sqrt(params.n_eff)
    assert "cannot start here" in hover and "click: start" not in hover
    assert f"{slope:.4g}·|Δf {'+' if params.y > 0 else '−'} {abs(params.y):g}|" in hover


def test_the_refusal_is_pinned_at_the_clicked_point_and_centred_across_the_plot():
    window = ((-4.0, 3.0), (0.0, 3.0))
    base = {"data": [], "layout": {"annotations": [{"text": "a note"}]}}
    low = figures.with_refusal(base, 2.5, 0.1, "no", window)
    note = low["layout"]["annotations"][-1]
    assert (note["x"], note["y"], note["xref"], note["yref"]) == (2.5, 0.1, "x", "y")
    assert (note["axref"], note["ax"], note["xanchor"]) == ("x", -0.5, "center")
    assert note["ay"] < 0 and note["yanchor"] == "bottom"     # lower half: the reason above
    high = figures.with_refusal(base, -3.5, 2.9, "no", window)["layout"]["annotations"][-1]
    assert high["ay"] > 0 and high["yanchor"] == "top"
    assert base["layout"]["annotations"] == [{"text": "a note"}]  # the input is untouched


def test_a_refused_click_then_an_allowed_one_clears_the_pin():
    refused = call(["phase-plane.clickData"], click={"points": [{"x": 2.5, "y": 0.1}]})
    pinned = [a for a in refused["figure"]["layout"]["annotations"] if a.get("name") == "refusal"]
    edge = spec_edge(1.0, 16.0, 2.0, 2.5)
    assert len(pinned) == 1 and f"{edge:.4g}" in pinned[0]["text"]
    ok = call(["phase-plane.clickData"], click={"points": [{"x": -1.0, "y": 2.0}]})
    assert not [a for a in ok["figure"]["layout"]["annotations"] if a.get("name") == "refusal"]


# -- Sample init ----------------------------------------------------------------------

def test_framed_window_holds_the_point_with_room():
    window = ((-4.0, 3.0), (0.0, 3.0))
    assert starts.framed_window(window, (-1.0, 1.0)) is None
    a, b, c, d = starts.framed_window(window, (-4.417, 2.32))
    assert (b, c, d) == (3.0, 0.0, 3.0)
    assert a < -4.417 and -4.417 - a == pytest.approx(0.1 * (3.0 + 4.417))
    a, b, c, d = starts.framed_window(window, (5.0, 7.0))
    assert (a, c) == (-4.0, 0.0) and b > 5.0 and d > 7.0


def test_sample_init_frames_its_start_once_and_says_why_it_diverges():
    df0, lam0, _ = paramspace.sample_start(16, state.INPUT_DIM, preset="ntp", sigma=1.0,
                                           x_norm=1.0, y=2.0, seed=0)
    first = call(["sample-init.n_clicks"], sample=1)
    p = params_of(first)
    (a, b), (c, d) = p.plot_window
    assert a < df0 < b and c < lam0 < d                          # the star is on screen
    assert "window widened" in first["message"]
    # GD on the sampled weights (spec §1) diverges where the map does
    run = paramspace.train(16, state.INPUT_DIM, eta=1.5, steps=1000, n_eff=16.0, sigma_u=1.0,
                           sigma_v=1.0, x_norm=1.0, y=2.0, seed=0)
    assert f"diverges from it at step {run.diverged_at}" in first["message"]
    assert "as on the sampled weights themselves" in first["message"]
    again = call(["sample-init.n_clicks"], first["state"], sample=2)
    assert "already trajectory 2" in again["message"]
    assert params_of(again).starts == p.starts


# -- the trajectory list ---------------------------------------------------------------

EIGHT = tuple((-3.5 + 0.25 * i, 2.5) for i in range(MAX_TRAJECTORIES))


def test_a_ninth_trajectory_names_the_one_it_drops():
    q = to_query(ViewParams(starts=EIGHT))
    out = call(["phase-plane.clickData"], q, click={"points": [{"x": -1.0, "y": 2.0}]})
    assert params_of(out).starts == EIGHT[1:] + ((-1.0, 2.0),)
    assert "at most 8 trajectories" in out["message"] and "(-3.5, 2.5)" in out["message"]
    fewer = call(["phase-plane.clickData"], to_query(ViewParams(starts=EIGHT[:3])),
                 click={"points": [{"x": -1.0, "y": 2.0}]})
    assert "at most" not in fewer["message"]


def test_selecting_a_trajectory_makes_it_the_latest_and_delete_removes_it():
    q = to_query(ViewParams(starts=EIGHT[:4]))
    out = call(["trajectory-select.value"], q, select=2)
    assert params_of(out).starts == (EIGHT[0], EIGHT[2], EIGHT[3], EIGHT[1])
    assert out["traj_value"] == 4 and [o["value"] for o in out["traj_options"]] == [1, 2, 3, 4]
    assert out["traj_options"][-1]["label"].startswith(f"4: ({EIGHT[1][0]:.4g}, 2.5)")
    fig, summary = cb.update_timeseries(out["state"], [])
    assert summary.startswith(f"From (Δf₀, λ₀) = ({EIGHT[1][0]:.4g}, 2.5):")
    gone = call(["trajectory-delete.n_clicks"], out["state"], delete=1)
    assert params_of(gone).starts == (EIGHT[0], EIGHT[2], EIGHT[3])
    assert "deleted" in gone["message"]
    # deleting the default start leaves none (traj=none in the URL)
    empty = call(["trajectory-delete.n_clicks"], DEFAULT, delete=1)
    assert params_of(empty).starts == () and "traj=none" in empty["state"]


@pytest.mark.parametrize("value", [0, 9, -1, "2", True, 2.5, [], {}])
def test_selecting_nothing_valid_changes_nothing(value):
    q = to_query(ViewParams(starts=EIGHT[:3]))
    out = call(["trajectory-select.value"], q, select=value)
    assert params_of(out).starts == EIGHT[:3]
    assert "choose one of 1 … 3" in out["message"]


# -- the overlay ------------------------------------------------------------------------

def _overlay_series(fig, what):
    """(steps, values, hover template) of the dashed parameter-space trace ``what``
    ("loss" or "λ"), in step order (the figure may draw even and odd steps apart)."""
    t = next(t for t in fig["data"] if t["name"] == f"{what}, weights")
    x, y = np.asarray(t["x"], float), np.asarray(t["y"], float)
    ok = np.isfinite(x) & np.isfinite(y)
    order = np.argsort(x[ok], kind="stable")
    return x[ok][order], y[ok][order], t["hovertemplate"]


@pytest.mark.parametrize("start", [(-1.0, 2.0), (0.5, 1.7)])
def test_the_overlay_runs_from_the_selected_trajectorys_own_start(start):
    p = ViewParams(starts=(start,))
    fig, summary = cb.update_timeseries(to_query(p), ["paramspace"])
    go.Figure(fig)
    lam = next(t for t in fig["data"] if t["name"] == "λ (NTK)")
    assert lam["y"][0] == pytest.approx(start[1])                 # still the plane's trajectory
    # the dashed run starts at (Δf₀, λ₀) and follows the map from there: the
    # map (spec §2, uvcore.trajectory) is a second computation of GD on the weights
    ref = uvcore.trajectory(*start, uvcore.MapParams(p.eta, p.n_eff, p.x_norm, p.y), p.steps)
    steps, ov_lam, hover = _overlay_series(fig, "λ")
    assert steps[0] == 0 and ov_lam[0] == pytest.approx(start[1], rel=1e-6)
    np.testing.assert_allclose(ov_lam, ref.lam[steps.astype(int)], rtol=1e-5, atol=1e-9)
    lsteps, ov_loss, _ = _overlay_series(fig, "loss")
    assert ov_loss[0] == pytest.approx(0.5 * start[0] ** 2, rel=1e-6)
    assert f"from ({start[0]:.4g}, {start[1]:.4g})" in hover     # the hover names the start
    assert "Sample init" not in summary and "moved onto the selected start" in summary
    assert "deviation" in fig["layout"]["annotations"][0]["text"]


def test_overlay_label_names_width_and_start():
    assert cb.overlay_label(64, (-1.0, 2.0)) == "GD on weights, n = 64, from (-1, 2)"


# -- axes and words -----------------------------------------------------------------------

def geometric_run(r: float, n: int):
    """Δf_t = r^t (λ fixed): settled once r^t ≤ SETTLE_TOL (its range is 1)."""
    return SimpleNamespace(df=r ** np.arange(n), lam=np.full(n, 1.0), diverged=False,
                           diverged_at=None, outcome=SimpleNamespace(kind="converged", period=1))


@pytest.mark.parametrize("r", [0.5, 0.9, -0.7])
def test_settled_step_of_a_geometric_run(r):
    run = geometric_run(r, 1001)
    # |r|^t ≤ tol·(range): range of r^t over the run is 1 for r > 0, 1 − r for r < 0
    span = 1.0 if r > 0 else 1.0 - r
    expected = math.ceil(math.log(figures.SETTLE_TOL * span) / math.log(abs(r)))
    assert figures.settled_step(run) in (expected - 1, expected)
    end = figures.shown_steps(run)
    assert end >= figures.settled_step(run) + 10 and end < 1000


def test_the_step_axis_ends_where_the_run_settled_or_spans_a_chaotic_run():
    fast = uvcore.trajectory(-2.0, 0.5, PARAMS, 1000)
    fig = figures.timeseries(fast)
    hi = fig["layout"]["xaxis2"]["range"][1]
    assert figures.settled_step(fast) < hi < 200
    # what the page needs to say which steps are shown (app/assets/player.js)
    assert fig["layout"]["meta"] == {"steps": 1000, "settled": figures.settled_step(fast),
                                     "first": [0, hi]}
    chaos = uvcore.trajectory(-2.0, 0.5, uvcore.MapParams(2.84, 16, 1, 2), 1000)
    layout = figures.timeseries(chaos)["layout"]
    assert layout["xaxis2"]["range"] == [0, 1000]
    assert layout["meta"] == {"steps": 1000, "settled": None, "first": [0, 1000]}


@pytest.mark.parametrize("eta", [2.26, 2.84, 1.5, 0.5])
def test_every_loss_tick_label_carries_its_decade(eta):
    """The loss panel's ticks (period 2, chaos, fast and slow convergence),
    each label parsed back to the number it stands at."""
    traj = uvcore.trajectory(-2.0, 0.5, uvcore.MapParams(eta, 16, 1, 2), 1000)
    axis = figures.timeseries(traj)["layout"]["yaxis"]
    assert axis["type"] == "log"
    vals, texts = axis["tickvals"], axis["ticktext"]
    assert 2 <= len(vals) <= 4
    assert [tick_value(t) for t in texts] == pytest.approx(vals, rel=1e-9)
    loss = traj.loss[traj.loss > 0]
    assert loss.min() * (1 - 1e-9) <= min(vals) and max(vals) <= loss.max() * (1 + 1e-9)


def test_a_slow_run_is_still_converging_not_aperiodic():
    traj = uvcore.trajectory(-2.0, 0.5, uvcore.MapParams(1e-3, 16, 1, 2), 1000)
    assert traj.outcome.kind == "aperiodic"
    assert outcome_words(traj) == "still converging after 1000 steps"
    q = to_query(ViewParams(eta=0.001, starts=((-2.0, 0.5),)))
    fig, summary = cb.update_timeseries(q, [])
    assert "still converging after 1000 steps" in summary
    plane = cb.update_plane(["url.search"], {"search": "?" + q})
    assert any("still converging" in t.get("name", "") for t in plane["figure"]["data"])
