"""The phase plane's drawing of imported traces (app/views/phase_plane/figures.py):
its legend escapes the file name, long traces are cut with a gap, and the
time series' step axes widen to hold the trace; the plane's callbacks draw
the store the Import view writes and ignore a hostile one (also over HTTP)."""

import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import no_update

import uvcore
from app.core import traces as trace_store
from app.core.figures import empty_figure
from app.core.state import ViewParams, to_query
from app.views.phase_plane import callbacks as cb
from app.views.phase_plane import figures

from ...conftest import request_body

DEFAULT = to_query(ViewParams())
HOSTILE = [None, "", "abc", [], {}, [1, 2], {"a": [1]}, True, False, 1e308, -1e308,
           float("nan"), float("inf"), "1e999", 10**400, -1, 0, "0x1f", "5; DROP", " ", "∞"]

PARAMS = uvcore.MapParams(1.5, 16, 1, 2)
WINDOW = ((-4.0, 3.0), (0.0, 3.0))


def store_of(name="run.csv"):
    """The browser copy of a small measured trace with λᴴ."""
    tr = trace_store.ImportedTrace(name, np.array([0.0, 1.0, 5.0]), np.array([-2, -1.5, -1.0]),
                                   np.array([0.5, 0.7, 0.8]), np.array([0.6, 0.75, 0.81]))
    return trace_store.to_store(tr)


def plane_values(imported) -> dict:
    return {"search": "", "state": DEFAULT,
            "inputs": {k: ViewParams().value(k) for k in cb.SLIDER_KEYS},
            "seed": 0, "preset": "ntp", "layers": list(ViewParams().layers), "large": [],
            "imported": imported}


def stored(n=3000, name="a<b>&c.csv", lam_h=True):
    t = np.arange(n, dtype=float) * 10
    tr = trace_store.ImportedTrace(name, t, -2 + 0.001 * t, 0.5 + 1e-4 * t,
                                0.6 + 1e-4 * t if lam_h else None)
    st = trace_store.from_store(trace_store.to_store(tr))
    assert st is not None
    return st


def test_imported_plane_traces_escaped_name_and_gap():
    st = stored()
    traces = figures.imported_plane_traces(st, WINDOW)
    go.Figure({"data": traces})
    line = traces[0]
    assert line["name"] == "imported: a&lt;b&gt;&amp;c.csv"
    n = trace_store.PLANE_HEAD + trace_store.PLANE_TAIL
    assert len(line["x"]) == n + 1 and math.isnan(line["x"][trace_store.PLANE_HEAD])
    assert line["customdata"][0] == 0 and line["customdata"][-1] == 29990
    assert line["line"]["color"] == figures.IMPORTED_COLOR
    assert traces[1]["x"] == [-2.0] and traces[1]["showlegend"] is False


def test_imported_on_the_time_series_widens_the_step_axes():
    traj = uvcore.trajectory(-2.0, 0.5, PARAMS, 100)
    fig = figures.timeseries(traj)
    before = [t["name"] for t in fig["data"]]
    shown = list(fig["layout"]["xaxis2"]["range"])        # the steps up to where it settled
    st = stored()
    out = figures.add_imported_timeseries(fig, st)
    go.Figure(out)
    assert [t["name"] for t in fig["data"]] == before                 # input untouched
    new = {t["name"]: t for t in out["data"][len(before):]}
    assert set(new) == {"loss, trace", "λ, trace", "λᴴ, trace"}
    # the file's name (escaped: it is the user's text) in each hover
    assert all(t["hovertemplate"].startswith("imported: a&lt;b&gt;&amp;c.csv<br>")
               for t in new.values())
    assert new["loss, trace"]["yaxis"] == "y"
    assert new["λ, trace"]["yaxis"] == "y2"
    assert out["layout"]["xaxis2"]["range"] == [0, 29990.0]
    assert fig["layout"]["xaxis2"]["range"] == shown and shown[1] <= 100
    assert len(figures.add_imported_timeseries(fig, stored(50, lam_h=False))["data"]) \
        == len(before) + 2
    empty = empty_figure("nothing")
    assert figures.add_imported_timeseries(empty, st) is empty


@pytest.mark.parametrize("filename", ["<script>alert(1)</script>.csv", "a<b>.csv", "x>y&z.csv"])
def test_the_legend_escapes_markup_of_a_file_name(filename):
    st = trace_store.from_store(store_of(filename))
    label = figures.imported_plane_traces(st, WINDOW)[0]["name"]
    assert "<" not in label and ">" not in label and label.startswith("imported: ")


@pytest.mark.parametrize("value", HOSTILE + [
    {"name": "x", "rows": 1, "gap": 0, "plane": {"step": [0], "df": [1], "lam": [1]},
     "series": {}},
    {"name": "x", "rows": 1, "gap": 5, "plane": {"step": [0], "df": [1], "lam": [1]},
     "series": {"loss": {"step": [0], "value": [1]}, "lam": {"step": [0], "value": [1]}}},
    {"name": "x", "rows": 1, "gap": 0, "plane": {"step": [0], "df": [None], "lam": [1]},
     "series": {"loss": {"step": [0], "value": [1]}, "lam": {"step": [0], "value": [1]}}},
    {"name": "x", "rows": 1, "gap": 0, "plane": {"step": [0] * 5000, "df": [1] * 5000,
                                                  "lam": [1] * 5000},
     "series": {"loss": {"step": [0], "value": [1]}, "lam": {"step": [0], "value": [1]}}},
    {"name": "x", "rows": True, "gap": 0, "plane": {}, "series": {}},
])
def test_hostile_store_is_ignored(value):
    assert trace_store.from_store(value) is None
    out = cb.update_plane(["imported-trace.data"], plane_values(value))
    go.Figure(out["figure"])
    assert not any(t["name"].startswith("imported") for t in out["figure"]["data"])
    fig, _ = cb.update_timeseries(DEFAULT, [], value)
    go.Figure(fig)


def test_imported_trace_on_the_plane_and_the_series():
    store = store_of()
    values = plane_values(store)
    out = cb.update_plane(["imported-trace.data"], values)
    assert out["search"] is no_update and out["message"] == ""
    names = [t["name"] for t in out["figure"]["data"]]
    assert "imported: run.csv" in names and "trajectory 1 (selected): converged" in names
    out = cb.update_plane(["eta-input.value"], {**values, "inputs": {**values["inputs"],
                                                                     "eta": 2.0}})
    assert "imported: run.csv" in [t["name"] for t in out["figure"]["data"]]
    fig, summary = cb.update_timeseries(DEFAULT, [], store)
    assert "λᴴ, trace" in [t["name"] for t in fig["data"]]
    assert summary.startswith("From (Δf₀, λ₀) = (")


@pytest.mark.parametrize("large", [False, True])
def test_the_trace_stays_on_the_series_when_no_trajectory_is_left(large):
    """Clear trajectories: the imported trace is drawn alone, over its own
    steps, beside the 2/η line of the state's η."""
    store = store_of()
    q = to_query(ViewParams(starts=(), eta=1.25, large=large))
    fig, summary = cb.update_timeseries(q, [], store)
    go.Figure(fig)
    names = [t["name"] for t in fig["data"]]
    assert names == ["2/η", "loss, trace", "λ, trace", "λᴴ, trace"]
    lam = fig["data"][2]
    assert list(lam["x"]) == [0.0, 1.0, 5.0] and list(lam["y"]) == [0.5, 0.7, 0.8]
    assert fig["data"][0]["y"] == [2 / 1.25, 2 / 1.25]
    assert fig["layout"]["xaxis2"]["range"] == [0, 5.0]
    assert "imported trace is drawn" in summary
    # without the trace: the series' message, as before
    fig, summary = cb.update_timeseries(q, [], None)
    assert "xaxis2" not in fig["layout"] and summary == "No trajectory selected."


def test_the_trace_widens_the_first_range_the_page_is_told_of():
    fig, _ = cb.update_timeseries(DEFAULT, [], trace_store.to_store(trace_store.ImportedTrace(
        "long.csv", np.arange(3000.0), np.full(3000, -1.0), np.full(3000, 0.5), None)))
    assert fig["layout"]["xaxis2"]["range"][1] == 2999.0
    assert fig["layout"]["meta"]["first"] == fig["layout"]["xaxis2"]["range"]


@pytest.mark.parametrize("value", HOSTILE)
def test_http_a_hostile_store_never_500s(dash_app, client, value):
    for part in ("phase-plane.figure", "timeseries.figure"):
        body = request_body(dash_app, part, {"imported-trace.data": value},
                            ["imported-trace.data"])
        r = client.post("/_dash-update-component", data=json.dumps(body, allow_nan=True),
                        content_type="application/json")
        assert r.status_code in (200, 204), (part, value, r.status_code)
