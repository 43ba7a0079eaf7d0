"""Callbacks of the Fate map view, called directly and through Dash's HTTP
endpoint, with hostile inputs; a click's intent applied by the phase plane."""

import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import no_update
from plotly.io.json import to_json_plotly

import uvcore
from app.core import ids, layout
from app.core.state import ViewParams, from_query, to_query
from app.views.fate_map import callbacks as fv
from app.views.fate_map import compute

from ...conftest import plane_applies, request_body

#: The prop of the view's copy of the dashboard's state (its callbacks' input).
STATE = f"{ids.state_for(ids.FATE_TAB)}.data"
DEFAULT = to_query(ViewParams())
DEFAULT_SHOWN = {"state": DEFAULT, "grid": compute.GRID, "steps": 1000}
#: Largest JSON of the interactive fate map.
FATE_MAX_PAYLOAD = 400_000
HOSTILE = [None, "", "abc", [], {}, [1, 2], {"a": [1]}, True, False, 1e308, -1e308,
           float("nan"), float("inf"), "1e999", 10**400, -1, 0, "0x1f", "5; DROP", " ", "∞"]
#: Cells this close to the forbidden edge (relative) may fall on either side.
EDGE_TOL = 1e-12
NOTHING = {"figure": no_update, "status": no_update, "shown": no_update}


def heat(fig):
    return next(t for t in fig["data"] if t.get("type") == "heatmap")


def categories(fig) -> np.ndarray:
    """The category of every cell, from the allowed and the forbidden heatmaps."""
    out = None
    for t in fig["data"]:
        if t.get("type") != "heatmap":
            continue
        z = np.array([[-1 if v is None else v for v in row] for row in t["z"]])
        out = z if out is None else np.where(z >= 0, z, out)
    return out


def spec_edge(p: ViewParams, df: float) -> float:
    """The spec's forbidden edge λ = 2‖x‖|Δf + y|/√n_eff (§2.2), written out here."""
    return 2.0 * p.x_norm * abs(df + p.y) / math.sqrt(p.n_eff)


# -- the interactive map ------------------------------------------------------------

def test_fate_view_default():
    out = fv.fate_view(DEFAULT, 1000, ids.FATE_TAB, None)
    go.Figure(out["figure"])
    assert categories(out["figure"]).shape == (compute.GRID, compute.GRID)
    assert out["status"].startswith(f"{compute.GRID}×{compute.GRID} starts, 1000 steps each")
    assert out["shown"] == DEFAULT_SHOWN
    names = [t["name"] for t in out["figure"]["data"]]
    assert "trajectory 1 (selected): converged" in names
    assert out["figure"]["layout"]["xaxis"]["range"] == [-4, 3]


def test_fate_view_follows_the_window_eta_and_starts():
    p = ViewParams(eta=2.26, window=(-3.0, 1.0, 0.2, 2.0), starts=((-2.0, 0.5), (-1.0, 1.0)))
    out = fv.fate_view(to_query(p), 1000)
    h = heat(out["figure"])
    assert h["x"][0] == -3 and h["x"][-1] == 1 and h["y"][0] == 0.2 and h["y"][-1] == 2
    assert "η = 2.26" in out["figure"]["layout"]["title"]["text"]
    names = [t["name"] for t in out["figure"]["data"]]
    assert "trajectory 2 (selected): periodic 2" in names
    ref = uvcore.fate_map(uvcore.MapParams(2.26, 16, 1, 2), (-3, 1), (0.2, 2), compute.GRID,
                          1000)
    assert np.array_equal(categories(out["figure"]) == 4, ref.period == 2)


def test_forbidden_cells_are_exactly_the_spec_v():
    """The forbidden heatmap holds the cells below the spec's edge, the other one the rest."""
    out = fv.fate_view(DEFAULT, 1000)
    fm = compute.fate_grid(*ViewParams().map_key, ((-4.0, 3.0), (0.0, 3.0)), compute.GRID, 1000)
    p = ViewParams()
    edge = np.array([[spec_edge(p, df) for df in fm.df] for _ in fm.lam])
    lam = np.broadcast_to(fm.lam[:, None], edge.shape)
    clear = np.abs(lam - edge) > EDGE_TOL * np.maximum(edge, 1.0)   # not on the edge itself
    cat = categories(out["figure"])
    assert (lam < edge)[clear].any() and (lam > edge)[clear].any()
    assert np.array_equal((cat == 0)[clear], (lam < edge)[clear])


def test_fate_view_answer_stays_under_the_size_budget():
    """The interactive map's figure as JSON (its speed is measured over HTTP by
    benchmarks/bench_views.py, not here)."""
    sizes = [len(to_json_plotly(fv.fate_view(to_query(ViewParams(eta=round(0.5 + 0.23 * k, 3))),
                                             compute.DEFAULT_STEPS)["figure"]))
             for k in range(0, 15, 3)]
    assert max(sizes) < FATE_MAX_PAYLOAD, sizes


def test_fate_view_idle_outside_its_tab_and_keeps_the_fine_map():
    assert fv.fate_view(DEFAULT, 1000, layout.PHASE_PLANE_TAB) == NOTHING
    shown = {"state": DEFAULT, "grid": compute.FINE_GRID, "steps": 1000}
    assert fv.fate_view(DEFAULT, 1000, ids.FATE_TAB, shown) == NOTHING
    assert fv.fate_view(DEFAULT, 5000, ids.FATE_TAB, shown)["shown"]["steps"] == 5000
    # back on the tab with the same state: the map shown stays, nothing is sent
    out = fv.fate_view(DEFAULT, 1000, ids.FATE_TAB, None)
    assert fv.fate_view(DEFAULT, 1000, ids.FATE_TAB, out["shown"]) == NOTHING
    other = to_query(ViewParams(eta=2.0))
    assert fv.fate_view(other, 1000, ids.FATE_TAB, out["shown"])["shown"]["state"] == other


@pytest.mark.parametrize("value", HOSTILE)
def test_fate_view_hostile(value):
    # a bad store: the default state's map
    out = fv.fate_view(value, 1000)
    go.Figure(out["figure"])
    assert out["shown"] == DEFAULT_SHOWN and out["status"].startswith("80×80 starts")
    # bad steps: a message naming the input, and the map shown stays
    out = fv.fate_view(DEFAULT, value)
    assert out["figure"] is no_update and out["shown"] is no_update
    assert out["status"].startswith("⚠ fate-map steps")
    # another tab: nothing is computed
    assert fv.fate_view(DEFAULT, 1000, value) == NOTHING
    # a bad "shown" store is not the map shown: the map is drawn
    out = fv.fate_view(DEFAULT, 1000, ids.FATE_TAB, value)
    assert out["shown"] == DEFAULT_SHOWN


def test_an_unforeseen_error_is_a_message_and_the_map_stays(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(compute, "fate_grid", broken)
    out = fv.fate_view(to_query(ViewParams(eta=0.77)), 1000)
    assert out == {**NOTHING, "status": "Internal error while computing the fate map "
                                        "(logged on the server)."}


# -- a click --------------------------------------------------------------------------

def test_click_asks_the_plane_to_start_a_trajectory():
    out = fv.fate_click({"points": [{"x": -3, "y": 2.5}]})
    assert out["status"] is no_update
    assert out["intent"]["kind"] == "add-start"
    assert (out["intent"]["df"], out["intent"]["lam"]) == (-3.0, 2.5)
    # the plane applies it: the start is added after the default one, with a history entry
    applied = plane_applies(out["intent"], DEFAULT)
    assert from_query(applied["state"]).params.starts == ((-2.0, 0.5), (-3.0, 2.5))
    assert applied["search"] == "?" + applied["state"]
    # a second click on the same cell is a new intent (a fresh token)
    assert fv.fate_click({"points": [{"x": -3, "y": 2.5}]})["intent"] != out["intent"]


def test_a_click_in_the_forbidden_region_is_refused_by_the_plane():
    p = ViewParams()
    df, lam = 2.5, 0.1
    assert lam < spec_edge(p, df)                      # below the V of the spec
    out = fv.fate_click({"points": [{"x": df, "y": lam}]})
    applied = plane_applies(out["intent"], DEFAULT)
    assert applied["state"] is no_update and applied["search"] is no_update
    assert "forbidden region" in applied["message"]
    assert f"{spec_edge(p, df):.4g}" in applied["message"]
    assert applied["message_class"].endswith("error")


@pytest.mark.parametrize("value", HOSTILE + [{"points": [{"x": "a", "y": 1}]},
                                             {"points": [{"x": 1e300, "y": 1}]},
                                             {"points": []}])
def test_click_hostile(value):
    out = fv.fate_click(value)
    assert out["intent"] is no_update
    assert out["status"].startswith("⚠ click") or out["status"].startswith("⚠ clicked")


# -- the CSV download ---------------------------------------------------------------

def test_download_the_map_shown():
    data = fv.fate_download(1, DEFAULT_SHOWN)
    assert data["filename"] == "fate-map.csv" and data["type"] == "text/csv"
    lines = data["content"].strip().splitlines()
    assert lines[0] == "df0,lam0,kind,period,lyapunov" and len(lines) == compute.GRID ** 2 + 2
    fm = compute.fate_grid(1.5, 16.0, 1.0, 2.0, ((-4.0, 3.0), (0.0, 3.0)), compute.GRID, 1000)
    assert lines[1] == f"{float(fm.df[0])!r},{float(fm.lam[0])!r},forbidden,-2,"


@pytest.mark.parametrize("value", HOSTILE + [{"state": DEFAULT, "grid": 7, "steps": 1000},
                                             {"state": DEFAULT, "grid": 80, "steps": 3},
                                             {"state": 5, "grid": "80", "steps": 1000}])
def test_download_hostile(value):
    assert fv.fate_download(1, value) is no_update
    clicked = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    assert (fv.fate_download(value, DEFAULT_SHOWN) is no_update) != clicked


# -- the fine map (a background job) ------------------------------------------------

def test_fine_job(monkeypatch):
    monkeypatch.setattr(compute, "FINE_GRID", 60)
    progress = []
    fig, status, shown = fv.run_fine_job(progress.append, 1, DEFAULT, 1000)
    json.dumps(fig)                                          # Celery stores JSON
    go.Figure(fig)
    assert len(heat(fig)["z"]) == 60 and status.startswith("60×60 starts")
    assert shown == {"state": DEFAULT, "grid": 60, "steps": 1000}
    # one progress report per band, the last one complete
    assert progress == [(str(k), str(compute.BANDS),
                         f"fine map, 60×60 starts: {100 * k // compute.BANDS} %")
                        for k in range(1, compute.BANDS + 1)]
    # the download of that map
    assert len(fv.fate_download(1, shown)["content"].splitlines()) == 60 * 60 + 2


@pytest.mark.parametrize("value", HOSTILE)
def test_fine_job_hostile_steps(value):
    progress = []
    fig, status, shown = fv.run_fine_job(progress.append, 1, DEFAULT, value)
    assert status.startswith("⚠ fate-map steps") and shown is None
    assert progress == []                                    # nothing was computed
    assert fig["layout"]["annotations"][0]["text"].replace("<br>", " ") == status  # wrapped
    json.dumps(fig)


def test_fine_job_reports_an_internal_error_and_answers(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(compute, "fine_map", broken)
    fig, status, shown = fv.run_fine_job(None, 1, DEFAULT, 1000)
    assert status == ("Internal error while computing the fine fate map (logged on the "
                      "server).") and shown is None
    json.dumps(fig)


# -- through Dash's HTTP endpoint ----------------------------------------------------

#: (output part of the callback, the props a request may carry).
ENDPOINTS = [
    ("fate-map.figure...fate-status", [STATE, "fate-steps.value", "view-tabs.value",
                                       "fate-shown.data"]),
    ("plane-intent.data@", ["fate-map.clickData"]),   # (see click_key)
    ("fate-download.data", ["fate-download-csv.n_clicks", "fate-shown.data"]),
]


def click_key(dash_app) -> str:
    """The output key of the click's callback (other views write intents too)."""
    return next(k for k in dash_app.callback_map if "plane-intent" in k and "fate-status" in k)


@pytest.mark.parametrize("value", HOSTILE)
def test_http_hostile_values_never_500(dash_app, client, value):
    for part, props in ENDPOINTS:
        part = click_key(dash_app) if part == "plane-intent.data@" else part
        for prop in props:
            body = request_body(dash_app, part, {prop: value}, [prop])
            text = json.dumps(body, allow_nan=True)
            r = client.post("/_dash-update-component", data=text,
                            content_type="application/json")
            assert r.status_code in (200, 204), (part, prop, value, r.status_code)


def test_http_click_sends_an_intent_and_the_map_draws(dash_app, client):
    body = request_body(dash_app, click_key(dash_app),
                        {"fate-map.clickData": {"points": [{"x": -3, "y": 2.5}]}},
                        ["fate-map.clickData"])
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    intent = r.get_json()["response"]["plane-intent"]["data"]
    assert intent["kind"] == "add-start" and intent["df"] == -3 and intent["lam"] == 2.5
    body = request_body(dash_app, "fate-map.figure...fate-status",
                        {STATE: DEFAULT, "fate-steps.value": 1000,
                         "view-tabs.value": ids.FATE_TAB}, ["view-tabs.value"])
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    assert r.get_json()["response"]["fate-shown"]["data"]["grid"] == compute.GRID
