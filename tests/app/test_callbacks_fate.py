"""Callbacks of the Fate map, Presets and Import views, called directly and
through Dash's HTTP endpoint, with hostile inputs and hostile uploads."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import no_update
from plotly.io.json import to_json_plotly

import uvcore
from app.views.phase_plane import callbacks as cb
from app.views.import_trace import parse as imported
from app.views.phase_plane import figures
from app.views.presets import teaching
from app.core import ids, layout
from app.core.state import ViewParams, from_query, to_query
from app.views import fate_map as fv
from app.views import import_trace as iv
from app.views import presets as pv

from .conftest import request_body
from app.core import traces

DEFAULT = to_query(ViewParams())
#: Server-side budget of the interactive fate map (compute + figure + JSON), p95.
#: Largest JSON of the interactive fate map.
FATE_MAX_PAYLOAD = 400_000
HOSTILE = [None, "", "abc", [], {}, [1, 2], {"a": [1]}, True, False, 1e308, -1e308,
           float("nan"), float("inf"), "1e999", 10**400, -1, 0, "0x1f", "5; DROP", " ", "∞"]


def data_url(raw: bytes, mime="text/csv") -> str:
    return f"data:{mime};base64," + base64.b64encode(raw).decode()


def upload(contents, filename="run.csv") -> dict:
    """The import-pending store after the browser's size check."""
    return {"contents": contents, "filename": filename}


def heat(fig):
    return next(t for t in fig["data"] if t.get("type") == "heatmap")


# -- fate map -------------------------------------------------------------------------

def test_fate_view_default():
    out = fv.fate_view(DEFAULT, 1000, ids.FATE_TAB, None)
    go.Figure(out["figure"])
    assert np.asarray(heat(out["figure"])["z"]).shape == (fv.GRID, fv.GRID)
    assert out["status"].startswith(f"{fv.GRID}×{fv.GRID} starts, 1000 steps each")
    assert out["shown"] == {"state": DEFAULT, "grid": fv.GRID, "steps": 1000}
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
    ref = uvcore.fate_map(uvcore.MapParams(2.26, 16, 1, 2), (-3, 1), (0.2, 2), fv.GRID, 1000)
    assert np.array_equal(np.asarray(h["z"]) == 4, ref.period == 2)


def test_fate_view_answer_stays_under_the_size_budget():
    """The interactive map's figure as JSON (its speed is measured over HTTP by
    benchmarks/bench_views.py, not here)."""
    sizes = [len(to_json_plotly(fv.fate_view(to_query(ViewParams(eta=round(0.5 + 0.23 * k, 3))),
                                             fv.DEFAULT_STEPS)["figure"])) for k in range(0, 15, 3)]
    assert max(sizes) < FATE_MAX_PAYLOAD, sizes


def test_fate_view_idle_outside_its_tab_and_keeps_the_fine_map():
    nothing = {"figure": no_update, "status": no_update, "shown": no_update}
    assert fv.fate_view(DEFAULT, 1000, layout.PHASE_PLANE_TAB) == nothing
    shown = {"state": DEFAULT, "grid": fv.FINE_GRID, "steps": 1000}
    assert fv.fate_view(DEFAULT, 1000, ids.FATE_TAB, shown) == nothing
    assert fv.fate_view(DEFAULT, 5000, ids.FATE_TAB, shown)["shown"]["steps"] == 5000
    # back on the tab with the same state: the map shown stays, nothing is sent
    out = fv.fate_view(DEFAULT, 1000, ids.FATE_TAB, None)
    assert fv.fate_view(DEFAULT, 1000, ids.FATE_TAB, out["shown"]) == nothing
    other = to_query(ViewParams(eta=2.0))
    assert fv.fate_view(other, 1000, ids.FATE_TAB, out["shown"])["shown"]["state"] == other


@pytest.mark.parametrize("value", HOSTILE)
def test_fate_view_hostile(value):
    for args in ((value, 1000), (DEFAULT, value), (DEFAULT, 1000, value), (DEFAULT, 1000,
                                                                           ids.FATE_TAB, value)):
        out = fv.fate_view(*args)
        assert set(out) == {"figure", "status", "shown"}
        if out["figure"] is not no_update:
            go.Figure(out["figure"])
    assert fv.fate_view(DEFAULT, value)["status"].startswith("⚠")


def test_banded_map_equals_uvcore_and_reports_progress():
    params = uvcore.MapParams(2.84, 16, 1, 2)
    calls = []
    fm = fv.fate_map_banded(params, ((-4, 3), (0, 3)), 37, 600,
                            lambda d, t: calls.append((d, t)), bands=7)
    ref = uvcore.fate_map(params, (-4, 3), (0, 3), 37, 600)
    assert np.array_equal(fm.period, ref.period) and np.array_equal(fm.df, ref.df)
    assert np.array_equal(fm.lyapunov, ref.lyapunov, equal_nan=True)
    assert calls == [(k, 7) for k in range(1, 8)]
    assert (fm.kind == "chaotic").any()


def test_click_starts_a_trajectory_or_is_refused():
    out = fv.fate_click({"points": [{"x": -3, "y": 2.5}]}, DEFAULT)
    p = from_query(out["search"]).params
    assert p.starts == ((-2.0, 0.5), (-3.0, 2.5))
    assert out["status"].startswith("Trajectory started at Δf₀ = -3")
    refused = fv.fate_click({"points": [{"x": 2.5, "y": 0.1}]}, DEFAULT)
    assert refused["search"] is no_update and "forbidden region" in refused["status"]
    # the same rule and words as the phase plane
    assert refused["status"] == cb.forbidden_start_message(ViewParams(), 2.5, 0.1)


@pytest.mark.parametrize("value", HOSTILE + [{"points": [{"x": "a", "y": 1}]},
                                             {"points": [{"x": 1e300, "y": 1}]},
                                             {"points": []}])
def test_click_hostile(value):
    out = fv.fate_click(value, DEFAULT)
    assert out["search"] is no_update and out["status"].startswith("⚠")
    out = fv.fate_click({"points": [{"x": -3, "y": 2.5}]}, value)   # falls back to defaults
    assert out["search"] is not no_update or out["status"].startswith("⚠")


def test_download_the_map_shown():
    shown = {"state": DEFAULT, "grid": fv.GRID, "steps": 1000}
    data = fv.fate_download(1, shown)
    assert data["filename"] == "fate-map.csv" and data["type"] == "text/csv"
    lines = data["content"].strip().splitlines()
    assert lines[0] == "df0,lam0,kind,period,lyapunov" and len(lines) == fv.GRID ** 2 + 2
    fm = fv.fate_grid(1.5, 16.0, 1.0, 2.0, ((-4.0, 3.0), (0.0, 3.0)), fv.GRID, 1000)
    assert lines[1] == f"{float(fm.df[0])!r},{float(fm.lam[0])!r},forbidden,-2,"


@pytest.mark.parametrize("value", HOSTILE + [{"state": DEFAULT, "grid": 7, "steps": 1000},
                                             {"state": DEFAULT, "grid": 80, "steps": 3},
                                             {"state": 5, "grid": "80", "steps": 1000}])
def test_download_hostile(value):
    assert fv.fate_download(1, value) is no_update
    clicked = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    shown = {"state": DEFAULT, "grid": fv.GRID, "steps": 1000}
    assert (fv.fate_download(value, shown) is no_update) != clicked


def test_fine_job(monkeypatch):
    monkeypatch.setattr(fv, "FINE_GRID", 60)
    progress = []
    fig, status, shown = fv.run_fine_job(progress.append, 1, DEFAULT, 1000)
    json.dumps(fig)                                          # Celery stores JSON
    go.Figure(fig)
    assert len(heat(fig)["z"]) == 60 and status.startswith("60×60 starts")
    assert shown == {"state": DEFAULT, "grid": 60, "steps": 1000}
    assert progress[-1] == (str(fv.BANDS), str(fv.BANDS)) and len(progress) == fv.BANDS
    # the download of that map
    assert len(fv.fate_download(1, shown)["content"].splitlines()) == 60 * 60 + 2
    for value in HOSTILE:
        fig, status, shown = fv.run_fine_job(None, 1, DEFAULT, value)
        assert status.startswith("⚠") and shown is None
        json.dumps(fig)


# -- presets ----------------------------------------------------------------------------

def test_every_preset_button_sets_the_url_and_shows_the_plane():
    assert set(pv.BUTTONS) == {ids.teaching_button(p.key) for p in teaching.PRESETS}
    base = to_query(ViewParams(layers=("regions", "fixed"), large=True))
    for button, preset in pv.BUTTONS.items():
        out = pv.apply_preset(button, base)
        assert out["tab"] == layout.PHASE_PLANE_TAB
        p = from_query(out["search"]).params
        assert p == teaching.apply(preset, from_query(base).params).params
        assert p.layers == ("regions", "fixed") and p.large
        assert out["status"].startswith("Applied")


def test_a_preset_drives_the_phase_plane_like_a_link():
    """The URL a preset writes is read by the plane callback: inputs, store, figure."""
    search = pv.apply_preset(ids.teaching_button("eos-period-4"), DEFAULT)["search"]
    out = cb.update_plane(["url.search"], {"search": search, "state": DEFAULT,
                                           "inputs": {}})
    assert out["inputs"]["eta"] == 2.535 and out["inputs"]["width"] == 16
    assert from_query(out["state"]).params.starts == ((-2.0, 0.5),)
    names = [t["name"] for t in out["figure"]["data"]]
    assert "trajectory 1 (selected): periodic 4" in names


@pytest.mark.parametrize("value", HOSTILE + ["teaching-nope", ids.teaching_button("chaos")])
def test_preset_hostile(value):
    out = pv.apply_preset(value, DEFAULT)
    assert set(out) == {"search", "tab", "status"}
    out = pv.apply_preset(ids.teaching_button("chaos"), value)       # bad store: defaults
    assert from_query(out["search"]).params.eta == 2.84


# -- uploads ----------------------------------------------------------------------------

GOOD_CSV = b"step,df,lam,lam_h\n0,-2,0.5,0.6\n1,-1.5,0.7,0.75\n5,-1,0.8,0.81\n"


def test_upload_csv_and_json():
    out = iv.handle_upload(upload(data_url(GOOD_CSV), "run.csv"))
    assert out["tab"] == layout.PHASE_PLANE_TAB and out["status"].startswith("imported run.csv")
    st = traces.from_store(out["store"])
    assert st.rows == 3 and st.name == "run.csv" and set(st.series) == {"loss", "lam", "lam_h"}
    assert st.plane[0].tolist() == [0, 1, 5] and st.plane[2].tolist() == [0.5, 0.7, 0.8]
    doc = {"step": [0, 2, 4], "df": [-2, -1, 0.5], "lam": [0.5, 0.6, 0.7]}
    out = iv.handle_upload(upload(data_url(json.dumps(doc).encode(), "application/json"),
                                  "run.json"))
    st = traces.from_store(out["store"])
    assert st.rows == 3 and set(st.series) == {"loss", "lam"}
    assert st.series["loss"][1].tolist() == [2.0, 0.5, 0.125]
    # any order of columns, extra columns, comments, CRLF, BOM
    raw = "\ufeff# measured\r\nlam,extra,step,df\r\n0.5,x,0,-2\r\n\r\n0.6,y,1,-1\r\n"
    trace, msg = imported.parse_bytes(raw.encode(), "x.csv")
    assert trace.step.tolist() == [0, 1] and trace.lam.tolist() == [0.5, 0.6], msg


def test_the_dashboards_own_trajectory_csv_imports_back():
    traj = uvcore.trajectory(-2.0, 0.5, uvcore.MapParams(2.26, 16, 1, 2), 5000)
    text = figures.trajectory_csv(traj)
    trace, msg = imported.parse_bytes(text.encode(), "trajectory.csv")
    assert trace is not None, msg
    assert np.array_equal(trace.df, traj.df) and np.array_equal(trace.lam_h, traj.lam_h)
    st = traces.from_store(traces.to_store(trace))
    assert st.gap == traces.PLANE_HEAD
    assert len(st.plane[0]) == traces.PLANE_HEAD + traces.PLANE_TAIL
    assert all(len(t) <= traces.SERIES_POINTS for t, _ in st.series.values())
    # the min/max envelope keeps the extremes and both branches of the period-2 orbit
    t, lam = st.series["lam"]
    assert np.isclose(lam.max(), traj.lam.max(), rtol=1e-5)
    assert np.isclose(lam.min(), traj.lam.min(), rtol=1e-5)
    late = lam[t >= 1000]
    for branch in (traj.lam[-1], traj.lam[-2]):
        assert np.isclose(late, branch, rtol=1e-5).sum() > 100
    assert len(json.dumps(traces.to_store(trace))) < 200_000


def _rows(n):
    return b"step,df,lam\n" + b"".join(b"%d,-1,1\n" % i for i in range(n))


HOSTILE_UPLOADS = {
    "not a string": (5, None),
    "empty": ("", None),
    "not a data URL": ("step,df,lam\n0,1,1", None),
    "not base64": ("data:text/csv;base64,@@@###", None),
    "plain data URL": ("data:text/csv,step%2Cdf", None),
    "empty file": (data_url(b""), None),
    "binary": (data_url(bytes(range(256)) * 10), None),
    "not UTF-8": (data_url(b"step,df,lam\n\xff\xfe,1,1\n"), None),
    "wrong columns": (data_url(b"a,b,c\n1,2,3\n"), "missing step, df, lam"),
    "header only": (data_url(b"step,df,lam\n"), "no rows"),
    "NaN": (data_url(b"step,df,lam\n0,nan,1\n"), "line 2: df"),
    "inf": (data_url(b"step,df,lam\n0,1,inf\n"), "line 2: lam"),
    "overflow": (data_url(b"step,df,lam\n0,1e999,1\n"), "not a finite number"),
    "huge": (data_url(b"step,df,lam\n0,1e13,1\n"), "not a finite number"),
    "text cell": (data_url(b"step,df,lam\n0,abc,1\n"), "line 2: df"),
    "ragged": (data_url(b"step,df,lam\n0,1\n"), "2 fields"),
    "repeated column": (data_url(b"step,df,lam,df\n0,1,1,1\n"), "repeated"),
    "steps not increasing": (data_url(b"step,df,lam\n0,1,1\n2,1,1\n2,1,1\n"), "increasing"),
    "negative step": (data_url(b"step,df,lam\n-1,1,1\n"), "≥ 0"),
    "too many rows": (data_url(_rows(traces.MAX_ROWS + 1)), "more than 100000 rows"),
    "10 MB": (data_url(b"step,df,lam\n" + b"0,0,0\n" * 1_800_000), "larger than 8 MB"),
    "JSON invalid": (data_url(b"{not json", "application/json"), "not valid JSON"),
    "JSON list": (data_url(b"[1, 2, 3]", "application/json"), "expected an object"),
    "JSON missing key": (data_url(b'{"step": [0], "df": [1]}'), "missing key"),
    "JSON unequal": (data_url(b'{"step": [0, 1], "df": [1], "lam": [1, 2]}'), "same length"),
    "JSON NaN": (data_url(b'{"step": [0], "df": [NaN], "lam": [1]}'), "df[0]"),
    "JSON Infinity": (data_url(b'{"step": [0], "df": [1], "lam": [Infinity]}'), "lam[0]"),
    "JSON strings": (data_url(b'{"step": ["0"], "df": [1], "lam": [1]}'), "step[0]"),
    "JSON bools": (data_url(b'{"step": [0], "df": [true], "lam": [1]}'), "df[0]"),
    "JSON nested": (data_url(b'{"step": [[0]], "df": [1], "lam": [1]}'), "step[0]"),
    "JSON not lists": (data_url(b'{"step": 0, "df": 1, "lam": 1}'), "must be a list"),
    "JSON big int": (data_url(b'{"step": [0], "df": [1' + b"0" * 400 + b'], "lam": [1]}'),
                     "df[0]"),
    "JSON deep": (data_url(b'{"step": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"), None),
}


@pytest.mark.parametrize("name", list(HOSTILE_UPLOADS))
def test_hostile_uploads_give_one_line_and_keep_the_store(name):
    contents, expected = HOSTILE_UPLOADS[name]
    filename = "x.json" if name.startswith("JSON") else "x.csv"
    trace, msg = imported.parse_upload(contents, filename)
    assert trace is None and isinstance(msg, str) and msg and "\n" not in msg
    if expected:
        assert expected in msg, msg
    out = iv.handle_upload(upload(contents, filename))
    assert out["store"] is no_update and out["tab"] is no_update
    assert out["status"].startswith("⚠") and out["status_class"] == "message error"


@pytest.mark.parametrize("filename", [None, 5, "", "../../etc/passwd", "C:\\x\\run.csv",
                                      "<script>alert(1)</script>.csv", "\x00\x1b[31mred.csv",
                                      "a" * 500 + ".csv"])
def test_hostile_file_names(filename):
    out = iv.handle_upload(upload(data_url(GOOD_CSV), filename))
    st = traces.from_store(out["store"])
    assert st is not None and len(st.name) <= traces.MAX_NAME
    assert "/" not in st.name and "\\" not in st.name and "\x00" not in st.name
    assert "\x1b" not in st.name
    # the legend escapes markup
    label = figures.imported_plane_traces(st, ((-4, 3), (0, 3)))[0]["name"]
    assert "<" not in label and ">" not in label


def test_clear_removes_the_trace():
    out = iv.handle_upload(None, clear=True)
    assert out["store"] is None and "removed" in out["status"]
    for value in HOSTILE:
        out = iv.handle_upload(value)
        assert out["store"] is no_update and out["status"].startswith("⚠")


def test_the_upload_limit_fits_the_servers_request_limit():
    from app.shell.server import max_content_length
    limit = imported.upload_limit(max_content_length())
    assert 0 < limit <= imported.MAX_BYTES
    body = len(json.dumps(_payload_for_upload(data_url(b"x" * limit))))
    assert body <= max_content_length()
    assert imported.upload_limit(10**9) == imported.MAX_BYTES and imported.upload_limit(0) == 0
    js = iv.size_check_js(1000, "1 kB")
    assert "contents.length > 1000" in js and '"1 kB"' in js


def _payload_for_upload(contents):
    """A realistic callback request body carrying an upload."""
    return {"output": "..imported-trace.data...import-status.children..",
            "outputs": [{"id": "imported-trace", "property": "data"}] * 5,
            "inputs": [{"id": ids.IMPORT_PENDING, "property": "data",
                        "value": upload(contents, "a" * 255 + ".csv")},
                       {"id": ids.IMPORT_CLEAR, "property": "n_clicks", "value": 0}],
            "changedPropIds": [f"{ids.IMPORT_PENDING}.data"], "state": []}


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
    assert traces.from_store(value) is None
    values = {"search": "", "state": DEFAULT, "inputs": {k: ViewParams().value(k)
                                                         for k in cb.SLIDER_KEYS},
              "seed": 0, "preset": "ntp", "layers": list(ViewParams().layers), "large": [],
              "imported": value}
    out = cb.update_plane(["imported-trace.data"], values)
    go.Figure(out["figure"])
    assert not any(t["name"].startswith("imported") for t in out["figure"]["data"])
    fig, _ = cb.update_timeseries(DEFAULT, [], value)
    go.Figure(fig)


def test_imported_trace_on_the_plane_and_the_series():
    store = iv.handle_upload(upload(data_url(GOOD_CSV)))["store"]
    values = {"search": "", "state": DEFAULT, "inputs": {k: ViewParams().value(k)
                                                         for k in cb.SLIDER_KEYS},
              "seed": 0, "preset": "ntp", "layers": list(ViewParams().layers), "large": [],
              "imported": store}
    out = cb.update_plane(["imported-trace.data"], values)
    assert out["search"] is no_update and out["message"] == ""
    names = [t["name"] for t in out["figure"]["data"]]
    assert "imported: run.csv" in names and "trajectory 1 (selected): converged" in names
    out = cb.update_plane(["eta-input.value"], {**values, "inputs": {**values["inputs"],
                                                                     "eta": 2.0}})
    assert "imported: run.csv" in [t["name"] for t in out["figure"]["data"]]
    fig, summary = cb.update_timeseries(DEFAULT, [], store)
    assert "imported: run.csv (λᴴ)" in [t["name"] for t in fig["data"]]
    assert summary.startswith("Selected trajectory")


# -- through Dash's HTTP endpoint --------------------------------------------------------

#: (output part of the callback, the props a request may carry).
ENDPOINTS = [
    ("fate-map.figure...fate-status", ["state.data", "fate-steps.value", "view-tabs.value",
                                       "fate-shown.data"]),
    ("url.search@", ["fate-map.clickData", "state.data"]),
    ("fate-download.data", ["fate-download-csv.n_clicks", "fate-shown.data"]),
    ("teaching-status.children", [f"{ids.teaching_button('chaos')}.n_clicks", "state.data"]),
    ("imported-trace.data", ["import-pending.data", "import-clear.n_clicks"]),
    ("phase-plane.figure", ["imported-trace.data"]),
    ("timeseries.figure", ["imported-trace.data"]),
]


@pytest.mark.parametrize("value", HOSTILE)
def test_http_hostile_values_never_500(dash_app, client, value):
    for part, props in ENDPOINTS:
        for prop in props:
            body = request_body(dash_app, part, {prop: value}, [prop])
            text = json.dumps(body, allow_nan=True)
            r = client.post("/_dash-update-component", data=text,
                            content_type="application/json")
            assert r.status_code in (200, 204), (part, prop, value, r.status_code)


def test_http_hostile_uploads_never_500(dash_app, client):
    """Each hostile file, as the browser would send it; a body above the
    server's request limit is refused with 413 before reaching the callback."""
    from app.shell.server import max_content_length
    for name, (contents, _) in HOSTILE_UPLOADS.items():
        body = request_body(dash_app, "imported-trace.data",
                            {"import-pending.data": upload(contents, "x.csv")},
                            ["import-pending.data"])
        r = client.post("/_dash-update-component", json=body)
        if len(json.dumps(body)) > max_content_length():
            assert r.status_code == 413, name
            continue
        assert r.status_code == 200, name
        resp = r.get_json()["response"]
        assert "imported-trace" not in resp, name
        assert resp["import-status"]["children"].startswith("⚠"), name


def test_http_upload_and_fate_map(dash_app, client):
    body = request_body(dash_app, "imported-trace.data",
                        {"import-pending.data": upload(data_url(GOOD_CSV))}, ["import-pending.data"])
    r = client.post("/_dash-update-component", json=body)
    resp = r.get_json()["response"]
    assert resp["imported-trace"]["data"]["name"] == "run.csv"
    assert resp["view-tabs"]["value"] == layout.PHASE_PLANE_TAB
    body = request_body(dash_app, "fate-map.figure...fate-status",
                        {"state.data": DEFAULT, "fate-steps.value": 1000,
                         "view-tabs.value": ids.FATE_TAB}, ["view-tabs.value"])
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    assert r.get_json()["response"]["fate-shown"]["data"]["grid"] == fv.GRID
