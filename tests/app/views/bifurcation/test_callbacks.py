"""Callbacks of the Bifurcation view (app.views.bifurcation.callbacks), called
directly and through Dash's HTTP endpoint with hostile values: parse → compute
→ figure, bad input → a message, never an exception; a click sends the phase
plane the intent "set η"."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import no_update
from plotly.io.json import to_json_plotly

from app.core import ids, intents
from app.core.state import ViewParams, to_query
from app.views.bifurcation import callbacks as bv
from app.views.bifurcation import compute
from app.views.bifurcation import raster as rs

from ...conftest import request_body

#: The prop of the view's copy of the dashboard's state (its callbacks' input).
STATE = f"{ids.state_for(ids.BIFURCATION_TAB)}.data"
DEFAULT = to_query(ViewParams())                 # η = 1.5, n_eff = 16, ‖x‖ = 1, y = 2: η_c = 2
ZOOM = f"{ids.BIFURCATION_ZOOM}.data"
HOSTILE = [None, "", "abc", [], {}, [1, 2], {"a": [1]}, True, False, 1e308, -1e308,
           float("nan"), float("inf"), "1e999", 10**400, -1, 0, "0x1f", "5; DROP", " ", "∞"]
#: Largest JSON answer of the diagram (uncompressed ~1 MB; gzip brings it to ~60 kB).
MAX_PAYLOAD = 1_500_000


def state(**kw) -> str:
    return to_query(ViewParams(**kw))


def update(changed=(), **values):
    values.setdefault("state", DEFAULT)
    values.setdefault("guides", ["guides"])
    out = bv.update_bifurcation(list(changed), values)
    assert set(out) == set(bv.OUTPUTS)
    return out


def raster_of(fig, m="uv"):
    return next(t for t in fig["data"] if (t.get("meta") or {}).get("raster")
                and t["meta"]["map"] == m)


def test_default_diagram():
    out = update()
    fig = out["figure"]
    go.Figure(fig)
    assert out["window"] is None and out["message"] == ""
    lo, hi = fig["layout"]["xaxis"]["range"]
    assert (lo, hi) == (1.2, 4.2)                # c ∈ [0.6, 2.1] × η_c = 2
    for m in ("uv", "eos"):
        x = raster_of(fig, m)["x"]
        assert len(x) == compute.NUM and x[0] == lo and x[-1] == hi
    assert "default start" in fig["layout"]["title"]["text"]


def test_hidden_tab_computes_nothing():
    out = update(tab="phase-plane-tab")
    assert all(v is no_update for v in out.values())
    assert update(tab=ids.BIFURCATION_TAB)["figure"]["data"]


def test_zoom_recomputes_the_window_at_full_resolution():
    out = update([ZOOM], zoom={"xaxis.range[0]": 2.5, "xaxis.range[1]": 2.65})
    assert out["window"]["eta"] == [2.5, 2.65] and out["window"]["eta_c"] == 2
    x = raster_of(out["figure"])["x"]
    assert len(x) == compute.NUM and x[0] == 2.5 and x[-1] == 2.65
    # the store carries the window to the next call (e.g. a change of η)
    nxt = update(state=state(eta=2.6), window=out["window"])
    assert nxt["figure"]["layout"]["xaxis"]["range"] == [2.5, 2.65]
    # autorange (double-click) goes back to the default window
    back = update([ZOOM], zoom={"xaxis.autorange": True, "yaxis.autorange": True},
                  window=out["window"])
    assert back["window"] is None
    assert back["figure"]["layout"]["xaxis"]["range"] == [1.2, 4.2]


def test_zoom_as_a_range_list_and_reversed():
    out = update([ZOOM], zoom={"xaxis.range": [3.0, 2.8]})
    assert out["window"]["eta"] == [2.8, 3.0]


def test_window_follows_eta_c_by_rescaling():
    win = {"eta": [2.5, 2.65], "eta_c": 2.0}
    # n_eff 16 → 64: η_c 2 → 4, the same c window
    out = update(state=state(width=64, n_eff=64), window=win)
    assert np.allclose(out["figure"]["layout"]["xaxis"]["range"], [5.0, 5.3])
    # y = 0: η_c infinite, a stored c window no longer applies
    out0 = update(state=state(y=0.0), window=win)
    assert out0["window"] is None
    assert "y = 0" in out0["message"]


def test_y_zoom_rebins_the_row():
    out = update([ZOOM], zoom={"yaxis2.range[0]": 0.5, "yaxis2.range[1]": 1.5})
    fig = out["figure"]
    assert fig["layout"]["yaxis2"]["range"] == [0.5, 1.5]
    ys = raster_of(fig, "eos")["y"]
    assert len(ys) == rs.RASTER_ROWS and 0.5 < min(ys) and max(ys) < 1.5
    assert out["window"]["y"] == {"y2": [0.5, 1.5]} and out["window"]["eta"] is None
    # kept while the parameters stay; dropped when the quantity changes
    keep = update(state=state(eta=2.2), window=out["window"])
    assert keep["figure"]["layout"]["yaxis2"]["range"] == [0.5, 1.5]
    drop = update(quantity="eta-lam", window=out["window"])
    assert "range" not in drop["figure"]["layout"]["yaxis2"]


@pytest.mark.parametrize("zoom", HOSTILE + [
    {"xaxis.range[0]": "a", "xaxis.range[1]": 2}, {"xaxis.range[0]": float("nan")},
    {"xaxis.range": [1, 1]}, {"xaxis.range": [-5, -1]}, {"xaxis.range": [1e30, 1e31]},
    {"xaxis.range": "12"}, {"yaxis.range": [float("inf"), 1]}, {"yaxis2.range": [1, 1]},
    {"xaxis.autorange": "yes"}, {"xaxis.range[0]": None, "xaxis.range[1]": [1]}])
def test_hostile_zoom_is_a_message_never_an_exception(zoom):
    out = update([ZOOM], zoom=zoom)
    go.Figure(out["figure"])
    lo, hi = out["figure"]["layout"]["xaxis"]["range"]
    assert 1e-3 <= lo < hi <= 1e4


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_everywhere(value):
    for key in ("state", "quantity", "eos_start", "guides", "window", "tab"):
        out = update([ZOOM, STATE], **{key: value})
        if out["figure"] is not no_update:
            go.Figure(out["figure"])
    out = bv.update_bifurcation(value, value)
    assert set(out) == set(bv.OUTPUTS)


def test_options_change_the_figure():
    lam = update()["figure"]
    eta_lam = update(quantity="eta-lam")["figure"]
    assert lam["layout"]["yaxis"]["title"]["text"].startswith("λ")
    assert eta_lam["layout"]["yaxis"]["title"]["text"].startswith("ηλ")
    no_guides = update(guides=[])["figure"]
    assert not any((t.get("meta") or {}).get("guide") for t in no_guides["data"])
    assert any((t.get("meta") or {}).get("guide") for t in lam["data"])


def test_selected_start_is_used():
    st = state(starts=((-1.0, 2.5), (-3.0, 1.5)))
    out = update(state=st, eos_start="start")
    title = out["figure"]["layout"]["title"]["text"]
    assert "selected start" in title and "(-3, 1.5)" in title and "ηλ₀/2" in title
    d = compute.diagram("uv", 1.2, 4.2, compute.NUM, 16.0, 1.0, 2.0, -3.0, 1.5, compute.TRANSIENT)
    assert d.diagram.df0 == -3.0 and d.diagram.lam0 == 1.5
    # no trajectory at all: the default start
    assert "default start" in update(state=state(starts=()))["figure"]["layout"]["title"]["text"]


def test_forbidden_start_after_a_parameter_change_is_a_message():
    # (−2, 0.5) is allowed for y = 2 (f = 0) but forbidden for y = −2 (f = −4)
    st = state(y=-2.0, starts=((-2.0, 0.5),))
    out = update(state=st)
    assert "forbidden" in out["message"] and "2-D map not computed" in out["message"]
    go.Figure(out["figure"])


def test_diagram_answer_stays_under_the_size_budget():
    """The whole answer to a zoom (1000 new η) as JSON; its speed is measured
    over HTTP by benchmarks/bench_views.py, not here."""
    sizes = [len(to_json_plotly(update([ZOOM], zoom={"xaxis.range[0]": 1.3 + 0.11 * k,
                                                     "xaxis.range[1]": 3.9 - 0.13 * k})))
             for k in range(3)]
    assert max(sizes) < MAX_PAYLOAD


# -- cobweb ----------------------------------------------------------------------------------

def test_cobweb_at_the_current_eta():
    fig = bv.update_cobweb(state(eta=2.4), "half-c")
    go.Figure(fig)
    fp = next(t for t in fig["data"] if t["name"].startswith("fixed points"))
    c = 2.4 / 2.0
    assert np.allclose(fp["x"], [0, c, c + 2])
    assert "period-2 orbit" in fig["layout"]["title"]["text"]
    start = next(t for t in fig["data"] if t["name"].startswith("start"))
    assert start["x"] == [c / 2]


@pytest.mark.parametrize("value", HOSTILE)
def test_cobweb_hostile(value):
    go.Figure(bv.update_cobweb(value, value, None))
    assert bv.update_cobweb(DEFAULT, "half-c", "other-tab") is no_update


def test_cobweb_escape_and_y_zero():
    fig = bv.update_cobweb(state(eta=4.5), "half-c")          # c = 2.25 > crisis
    assert "escapes" in fig["layout"]["title"]["text"]
    go.Figure(bv.update_cobweb(state(y=0.0), "half-c"))


# -- clicks -------------------------------------------------------------------------------------

def sent_eta(answer):
    """The η of a click's answer (intent, message), read back as the plane reads it."""
    intent, message = answer
    assert message == ""
    parsed, err = intents.parse(intent)
    assert err is None and parsed.kind == "set-eta"
    return parsed.eta


def test_click_sends_the_plane_a_set_eta_intent():
    assert sent_eta(bv.click_intent({"points": [{"x": 2.345678912, "y": 1}]})) == 2.34568
    assert sent_eta(bv.click_intent({"points": [{"x": 3}]})) == 3
    # a guide among the clicked points wins (x hover mode gives every row's point)
    click = {"points": [{"x": 2.47, "y": 0.3}, {"x": 2.472, "customdata": ["guide", 2.4721359]}]}
    assert sent_eta(bv.click_intent(click)) == 2.47214
    # clamped to the η range of the dashboard
    assert sent_eta(bv.click_intent({"points": [{"x": 5e4}]})) == 10000
    # each click is a new intent (the plane applies the same η twice)
    a, b = bv.click_intent({"points": [{"x": 3}]})[0], bv.click_intent({"points": [{"x": 3}]})[0]
    assert a["token"] != b["token"]


@pytest.mark.parametrize("click", HOSTILE + [
    {"points": []}, {"points": [{}]}, {"points": [{"x": "abc"}]}, {"points": [{"x": None}]},
    {"points": [{"x": float("nan")}]}, {"points": [{"x": -2}]}, {"points": "x"},
    {"points": [5]}, {"points": [{"x": 2, "customdata": 5}], "extra": 1}])
def test_hostile_clicks(click):
    intent, message = bv.click_intent(click)
    if intent is no_update:
        assert message                           # shown in the view's message line
    else:
        parsed, err = intents.parse(intent)
        assert err is None and 1e-3 <= parsed.eta <= 1e4


# -- CSV and the fine diagram ------------------------------------------------------------------

def test_download_csv():
    assert bv.download_csv(None, DEFAULT, None, "half-c") is no_update
    assert bv.download_csv(0, DEFAULT, None, "half-c") is no_update
    data = bv.download_csv(1, DEFAULT, {"eta": [2.5, 2.6], "eta_c": 2.0}, "half-c")
    assert data["filename"] == "bifurcation.csv"
    lines = data["content"].strip().splitlines()
    assert lines[0].startswith("map,eta,c,period,lyapunov,lam_0,")
    assert len(lines) == 1 + 2 * compute.NUM
    assert float(lines[1].split(",")[1]) == 2.5
    for value in HOSTILE:
        bv.download_csv(1, value, value, value)


def csv_rows(data) -> dict:
    """{map: [η of each row]} of a bifurcation CSV download."""
    rows: dict = {}
    for line in data["content"].strip().splitlines()[1:]:
        cells = line.split(",")
        rows.setdefault(cells[0], []).append(float(cells[1]))
    return rows


def test_the_title_of_a_start_at_minus_zero_reads_zero():
    """y = 0: the default start is Δf₀ = −y = −0.0, once titled "(-0, 0.25)"."""
    title = update(state=state(y=0.0))["figure"]["layout"]["title"]["text"]
    assert "(Δf₀, λ₀) = (0, 0.25)" in title and "-0" not in title


def test_the_csv_writes_the_fine_diagram_while_it_is_shown(monkeypatch):
    """After "Fine diagram" the CSV holds its η grid (FINE_NUM values spanning the
    window, the grid the figure drew); a normal redraw brings the normal one back."""
    monkeypatch.setattr(compute, "FINE_NUM", 300)
    window = {"eta": [2.4, 2.7], "eta_c": 2.0}
    fig, _, store = bv.fine_job(None, 1, DEFAULT, window, "lam", "half-c", [])
    rows = csv_rows(bv.download_csv(1, DEFAULT, store, "half-c"))
    want = np.linspace(2.4, 2.7, 300)                # the η grid of uvcore.bifurcation
    assert sorted(rows) == ["eos", "uv"]
    for etas in rows.values():
        np.testing.assert_allclose(etas, want, rtol=1e-15)
    np.testing.assert_allclose(raster_of(fig)["x"], want, rtol=1e-6)
    # the normal diagram's store (what update_bifurcation writes) has no mark
    normal = update(state=DEFAULT, window=store)["window"]
    assert len(csv_rows(bv.download_csv(1, DEFAULT, normal, "half-c"))["uv"]) == compute.NUM
    # a mark made for other parameters, or another window, is not the diagram shown
    other = bv.fine_job(None, 1, state(y=3.0), window, "lam", "half-c", [])[2]
    assert len(csv_rows(bv.download_csv(1, DEFAULT, other, "half-c"))["uv"]) == compute.NUM
    moved = {**store, "eta": [2.45, 2.7]}
    assert len(csv_rows(bv.download_csv(1, DEFAULT, moved, "half-c"))["uv"]) == compute.NUM


def test_fine_job_reports_progress_and_returns_plain_json(monkeypatch):
    monkeypatch.setattr(compute, "FINE_NUM", 300)
    seen = []
    fig, msg, store = bv.fine_job(seen.append, 1, DEFAULT, {"eta": [2.4, 2.7], "eta_c": 2.0},
                                  "lam", "half-c", ["guides"])
    json.dumps(store)
    json.dumps(fig)                                  # no numpy inside: JSON-serializable
    go.Figure(fig)
    x = raster_of(fig)["x"]
    assert len(x) == 300 and x[0] == 2.4 and x[-1] == 2.7
    assert "Fine diagram" in fig["layout"]["title"]["text"] and "fine diagram" in msg
    assert seen[-1] == (str(2 * compute.FINE_CHUNKS), str(2 * compute.FINE_CHUNKS),
                        "fine diagram, 300 η × 2 maps: 100 %")
    assert seen[0][2] == f"fine diagram, 300 η × 2 maps: {100 // (2 * compute.FINE_CHUNKS)} %"
    assert len(seen) == 2 * compute.FINE_CHUNKS


@pytest.mark.parametrize("value", HOSTILE)
def test_fine_job_hostile(value):
    fig, msg, store = bv.fine_job(None, value, value, value, value, value, value)
    if fig is not no_update:
        json.dumps(fig)


# -- through Dash's HTTP endpoint ------------------------------------------------------------------

def click_body(dash_app, click):
    """The renderer's request for the click callback (its outputs: the
    plane's intent store and this view's message)."""
    from tests.deploy.dashclient import callback_body
    key = next(k for k in dash_app.callback_map if f"{ids.INTENT}.data@" in k
               and ids.BIFURCATION_MESSAGE in k)
    return callback_body(dash_app.callback_map, key, {f"{ids.BIFURCATION_CLICK}.data": click})


@pytest.mark.parametrize("value", HOSTILE)
def test_http_hostile_values_never_500(dash_app, client, value):
    tab = {f"{ids.VIEW_TABS}.value": ids.BIFURCATION_TAB}
    cases = [("bifurcation-graph.figure", ZOOM), ("bifurcation-graph.figure", STATE),
             ("bifurcation-cobweb.figure", STATE), ("bifurcation-click", None)]
    for fragment, prop in cases:
        if fragment == "bifurcation-click":
            body = click_body(dash_app, value)
        else:
            body = request_body(dash_app, fragment, {**tab, prop: value}, [prop])
        r = client.post("/_dash-update-component", data=json.dumps(body, allow_nan=True),
                        content_type="application/json")
        assert r.status_code in (200, 204), (fragment, value, r.status_code, r.data[:200])


def test_http_click_answers_with_the_intent(dash_app, client):
    body = click_body(dash_app, {"points": [{"x": 2.345678912, "y": 1}]})
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    resp = r.get_json()["response"]
    intent, err = intents.parse(resp[ids.INTENT]["data"])
    assert err is None and intent.kind == "set-eta" and intent.eta == 2.34568
    # an unreadable click: no intent, the message in this view
    r = client.post("/_dash-update-component", json=click_body(dash_app, {"points": []}))
    resp = r.get_json()["response"]
    assert ids.INTENT not in resp
    assert "could not read" in resp[ids.BIFURCATION_MESSAGE]["children"]


def test_http_valid_diagram_request(dash_app, client):
    vals = {STATE: DEFAULT, f"{ids.VIEW_TABS}.value": ids.BIFURCATION_TAB,
            f"{ids.BIFURCATION_GUIDES}.value": ["guides"],
            ZOOM: {"xaxis.range[0]": 2.5, "xaxis.range[1]": 2.6}}
    body = request_body(dash_app, "bifurcation-graph.figure", vals, [ZOOM])
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert resp[ids.BIFURCATION_WINDOW]["data"]["eta"] == [2.5, 2.6]
    fig = resp[ids.BIFURCATION_GRAPH]["figure"]
    assert fig["layout"]["xaxis"]["range"] == [2.5, 2.6]
