"""Callbacks called directly, and through Dash's HTTP endpoint with hostile JSON."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import Patch, no_update
from plotly.io.json import to_json_plotly

import uvcore
from app.views.phase_plane import callbacks as cb
from app.core import ids, state
from app.core.state import ViewParams, default_window, from_query, to_query

from ...conftest import request_body
from app.core import compute as shared

#: Largest JSON answer to a slider change (issue budget: 500 KB).
MAX_PAYLOAD = 500_000

DEFAULT = to_query(ViewParams())
HOSTILE = [None, "", "abc", [], {}, [1, 2], {"a": [1]}, True, False, 1e308, -1e308,
           float("nan"), float("inf"), "1e999", 10**400, -1, 0, "0x1f", "5; DROP", " ", "∞"]


def controls(p: ViewParams) -> dict:
    """What the browser's controls hold after rendering state ``p``."""
    return {"inputs": {k: p.value(k) for k in cb.SLIDER_KEYS}, "seed": p.seed,
            "preset": p.preset, "layers": list(p.layers),
            "large": ["large"] if p.large else []}


class Answer(dict):
    """update_plane's outputs; ``held``: what the browser held before the call
    (an output it already holds is not written: ``no_update``)."""

    held: dict


def call(changed, state_query=DEFAULT, inputs=None, **values):
    """Call update_plane as the browser would: every control plus the changes."""
    full = controls(from_query(state_query).params)
    full["inputs"].update(inputs or {})
    full.update(values)
    full.setdefault("state", state_query)
    out = Answer(cb.update_plane(changed, full))
    out.held = full
    assert set(out) == set(cb.PLANE_OUTPUTS)
    return out


def params_of(out):
    """The state the browser holds after the answer ``out``."""
    written = out["state"]
    return from_query(out.held["state"] if written is no_update else written).params


def traj_names(fig):
    return [t["name"] for t in fig["data"] if t["name"].startswith("trajectory")
            and not t["name"].endswith(("start", "state"))]


def test_initial_call_renders_without_pushing_history():
    out = call([])
    go.Figure(out["figure"])
    assert out["search"] is no_update
    assert out["state"] is no_update                     # the store holds it already
    assert out["inputs"] == {k: no_update for k in cb.SLIDER_KEYS}
    assert out["message"] == ""
    assert len(traj_names(out["figure"])) == 1          # the default start


def test_initial_call_with_url_restores_it():
    q = "?eta=0.9&width=64&preset=ntp&traj=-1:2,-3:1.5&layers=regions,fixed&window=-5,2,0,4"
    out = call([], search=q)
    p = params_of(out)
    assert p.eta == 0.9 and p.n_eff == 64 and p.starts == ((-1, 2), (-3, 1.5))
    assert out["inputs"]["eta"] == 0.9 and out["inputs"]["n-eff"] == 64
    assert out["figure"]["layout"]["xaxis"]["range"] == [-5, 2]
    assert out["layers"] == ["regions", "fixed"]
    assert out["search"] is no_update


def test_url_change_does_not_push_history():
    out = call(["url.search"], search="?eta=2")
    assert params_of(out).eta == 2 and out["search"] is no_update


def test_eta_change_updates_everything_and_pushes_url():
    out = call(["eta-input.value"], inputs={"eta": 2.5})
    p = params_of(out)
    assert p.eta == 2.5
    assert out["inputs"]["eta"] is no_update             # the typed input holds 2.5
    assert out["search"] == "?" + out["state"]
    # η_c does not depend on η: the read-out shows it already and is not written
    assert out["two_over_eta"] == "0.8" and out["eta_c"] is no_update
    eta_line = [t for t in out["figure"]["data"] if t["name"].startswith("ηλ = 2")][0]
    assert eta_line["y"] == [0.8, 0.8]


def test_an_answer_writes_only_what_the_browser_does_not_hold():
    # the browser's controls already show η = 2.5 and large font; its store
    # (and so its read-outs, written with it) the default state
    after = ViewParams(eta=2.5, large=True)
    out = call(["large-font.value"], inputs=controls(after)["inputs"], large=["large"], select=1)
    assert params_of(out) == after
    assert out["inputs"] == {k: no_update for k in cb.SLIDER_KEYS}
    for k in ("seed", "preset", "layers", "large", "eta_c", "traj_value"):
        assert out[k] is no_update, k
    assert out["two_over_eta"] == "0.8"
    assert out["state"] == to_query(after) and out["search"] == "?" + to_query(after)
    # the trajectory list: written when the browser's differs, not when it holds it
    listed = out["traj_options"]
    assert listed and listed[0]["value"] == 1
    again = call(["large-font.value"], inputs=controls(after)["inputs"], large=["large"],
                 select=1, options_shown=listed)
    assert again["traj_options"] is no_update
    # a control the server normalises is written back: 999.6 steps are 1000
    out = call(["steps-input.value"], inputs={"steps": 999.6})
    assert out["inputs"]["steps"] == params_of(out).steps != 999.6
    assert {k for k, v in out["inputs"].items() if v is not no_update} == {"steps"}


def test_every_control_is_read_on_every_call():
    # the answer to an earlier change may have been dropped by the browser:
    # the controls, not the store, hold the parameters
    out = call(["y-input.value"], inputs={"eta": 2.5, "y": 3})
    p = params_of(out)
    assert p.eta == 2.5 and p.y == 3


def test_an_invalid_control_anywhere_blocks_with_its_name():
    out = call(["eta-input.value"], inputs={"eta": 2, "x-norm": None})
    assert out["figure"] is no_update and "‖x‖" in out["message"]


def test_5_50_and_string_5_give_identical_outputs():
    outs = [call(["eta-input.value"], inputs={"eta": v}) for v in (5, 5.0, "5")]
    assert outs[0]["state"] == outs[1]["state"] == outs[2]["state"]
    assert to_json_plotly(outs[0]["figure"]) == to_json_plotly(outs[2]["figure"])


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("key", ["eta", "width", "y", "steps"])
def test_hostile_typed_values_give_a_message_not_an_exception(key, value):
    out = call([f"{key}-input.value"], inputs={key: value})
    assert isinstance(out["message"], str)
    if out["figure"] is no_update:
        assert out["message"].startswith("⚠") and out["state"] is no_update
    else:
        go.Figure(out["figure"])
        assert from_query(out["state"]).ok


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_everything(value):
    values = {"search": value, "inputs": value, "seed": value,
              "preset": value, "layers": value, "large": value, "click": value,
              "zoom": value, "clear": value, "sample": value, "state": value}
    changed_sets = [[], ["url.search"], ["eta-input.value"], ["seed.value"],
                    ["preset.value"], ["layers.value"], ["large-font.value"],
                    ["phase-plane.clickData"], ["plane-zoom.data"],
                    ["clear-trajectories.n_clicks"], ["sample-init.n_clicks"], ["bogus.prop"],
                    value]
    for changed in changed_sets:
        out = cb.update_plane(changed, values)
        assert set(out) == set(cb.PLANE_OUTPUTS)
        assert isinstance(out["message"], str) or out["message"] is no_update
    # hostile values inside an otherwise normal request
    for key in ("click", "zoom", "seed", "preset", "layers", "large"):
        prop = {"click": "phase-plane.clickData", "zoom": "plane-zoom.data"}.get(
            key, f"{ {'large': 'large-font'}.get(key, key)}.value")
        out = call([prop], **{key: value})
        assert isinstance(out["message"], str)


def test_hostile_values_mapping_itself():
    for values in (None, [], "x", 5):
        out = cb.update_plane(["eta-input.value"], values)
        assert set(out) == set(cb.PLANE_OUTPUTS)


def test_invalid_value_computes_nothing():
    out = call(["eta-input.value"], inputs={"eta": "abc"})
    assert out["figure"] is no_update and out["state"] is no_update
    assert out["search"] is no_update and "η" in out["message"]
    assert out["message_class"] == "message error"


def test_clamped_value_is_noted_and_computed():
    out = call(["width-input.value"], inputs={"width": 1e308})
    assert params_of(out).width == 1e6 and "clamped" in out["message"]
    assert out["inputs"]["width"] == 1_000_000


def test_preset_switch_sets_and_locks_n_eff():
    out = call(["preset.value"], preset="mup")
    # (the lock itself follows the preset in the browser: lab.n_eff_locked)
    assert params_of(out).n_eff == 1 and out["inputs"]["n-eff"] == 1
    out = call(["preset.value"], out["state"], preset="custom")
    assert params_of(out).n_eff == 1
    out = call(["n-eff-input.value"], out["state"], inputs={"n-eff": 9})
    assert params_of(out).n_eff == 9
    # NTP ignores a lagging (disabled) n_eff input: n_eff follows the width
    out = call(["width-input.value"], inputs={"width": 100, "n-eff": 9})
    assert params_of(out).n_eff == 100


def test_click_adds_a_trajectory_and_pushes_url():
    out = call(["phase-plane.clickData"], click={"points": [{"x": -1.0, "y": 2.0}]})
    p = params_of(out)
    assert p.starts == (uvcore.default_start(shared.map_params(*p.map_key)), (-1.0, 2.0))
    assert len(traj_names(out["figure"])) == 2
    assert "(selected)" in traj_names(out["figure"])[-1]
    assert out["search"].startswith("?")


def test_click_in_forbidden_region_is_refused_visibly():
    out = call(["phase-plane.clickData"], click={"points": [{"x": 2.5, "y": 0.1}]})
    assert "forbidden" in out["message"] and out["state"] is no_update
    # the reason is pinned on the plane at the clicked point
    pinned = [a for a in out["figure"]["layout"]["annotations"] if a.get("name") == "refusal"]
    assert len(pinned) == 1 and (pinned[0]["x"], pinned[0]["y"]) == (2.5, 0.1)
    assert "cannot start" in pinned[0]["text"]


def test_several_trajectories_then_clear():
    q = DEFAULT
    for x in (-1.0, -3.0, 0.5):
        q = call(["phase-plane.clickData"], q, click={"points": [{"x": x, "y": 2.5}]})["state"]
    assert len(from_query(q).params.starts) == 4
    out = call(["clear-trajectories.n_clicks"], q, clear=1)
    assert params_of(out).starts == () and traj_names(out["figure"]) == []
    ts, summary = cb.update_timeseries(out["state"], [])
    go.Figure(ts)
    assert "No trajectory" in summary


def test_zoom_recomputes_grid_layers_for_the_new_window():
    out = call(["plane-zoom.data"],
               zoom={"xaxis.range[0]": -3, "xaxis.range[1]": -1,
                         "yaxis.range[0]": 0.2, "yaxis.range[1]": 1.2})
    assert params_of(out).window == (-3, -1, 0.2, 1.2)
    hm = out["figure"]["data"][0]
    assert hm["type"] == "heatmap"
    assert hm["x"][0] == -3 and hm["x"][-1] == -1 and hm["y"][0] == 0.2 and hm["y"][-1] == 1.2
    assert len(hm["x"]) == state.DEFAULT_GRID
    reset = call(["plane-zoom.data"], out["state"], zoom={"xaxis.autorange": True})
    assert params_of(reset).window is None


def test_double_click_resets_without_adding_a_trajectory():
    zoomed = call(["plane-zoom.data"], zoom={"xaxis.range": [-3, -1], "yaxis.range": [0, 1]})
    q = zoomed["state"]
    click = {"points": [{"x": -2.0, "y": 0.6}]}
    # Plotly's reset: autorange, or explicit ranges back to the first-drawn window
    for zoom in ({"xaxis.autorange": True, "yaxis.autorange": True},
                 {"xaxis.range[0]": -4, "xaxis.range[1]": 3,
                  "yaxis.range[0]": 0, "yaxis.range[1]": 3}):
        out = call(["phase-plane.clickData", "plane-zoom.data"], q, click=click, zoom=zoom)
        p = params_of(out)
        assert p.window is None and p.starts is None
    # a click merged with a real zoom is kept
    out = call(["phase-plane.clickData", "plane-zoom.data"], click=click,
               zoom={"xaxis.range": [-3, -1], "yaxis.range": [0, 1]})
    assert params_of(out).starts[-1] == (-2.0, 0.6)


def test_a_reset_on_the_default_window_sends_the_figure_again():
    """A double-click autoscales the browser's axes to every point drawn (a
    diverged run's last finite state far outside): the state stays the
    default, but the figure, with the default window's ranges, goes again."""
    first = call([])
    shown = first["shown"]
    assert isinstance(shown, str)
    out = call(["plane-zoom.data"], zoom={"xaxis.autorange": True, "yaxis.autorange": True},
               shown=shown)
    assert params_of(out).window is None
    fig = out["figure"]
    assert fig is not no_update and not isinstance(fig, Patch)
    (a, b), (c, d) = default_window(*from_query(DEFAULT).params.map_key)
    assert fig["layout"]["xaxis"]["range"] == [a, b] and fig["layout"]["yaxis"]["range"] == [c, d]
    # the same state without an event of the axes: nothing to send
    assert call(["eta-input.value"], shown=shown)["figure"] is no_update


def test_non_zoom_relayout_changes_nothing():
    out = call(["plane-zoom.data"], zoom={"autosize": True})
    assert out["state"] is no_update and out["search"] is no_update


def test_a_bad_zoom_is_noted_and_ignored():
    out = call(["plane-zoom.data"], zoom={"xaxis.range[0]": 50})
    assert params_of(out).window is None and "zoom ignored" in out["message"]


def test_sample_init_adds_a_sampled_start():
    out = call(["sample-init.n_clicks"], sample=1)
    p = params_of(out)
    from uvcore import paramspace
    df0, lam0, _ = paramspace.sample_start(16, state.INPUT_DIM, preset="ntp", sigma=1.0,
                                           x_norm=1.0, y=2.0, seed=0)
    assert p.starts[-1] == pytest.approx((df0, lam0), rel=1e-5)
    assert "sampled init" in out["message"]


def test_timeseries_of_selected_trajectory():
    q = call(["phase-plane.clickData"], click={"points": [{"x": -1.0, "y": 2.0}]})["state"]
    fig, summary = cb.update_timeseries(q, [])
    go.Figure(fig)
    expected = uvcore.trajectory(-1.0, 2.0, shared.map_params(1.5, 16, 1, 2), 1000)
    lam = [t for t in fig["data"] if t["name"] == "λ (NTK)"][0]
    x, y = np.asarray(lam["x"], float), np.asarray(lam["y"], float)
    ok = np.isfinite(x)               # the even steps, a gap, the odd steps
    assert np.allclose(y[ok][np.argsort(x[ok])], expected.lam, rtol=1e-5)
    assert summary.startswith("From (Δf₀, λ₀) = (-1, 2):")


def test_timeseries_paramspace_overlay_matches_the_map():
    # the default start is not the sampled init: the run starts at it all the same
    fig, summary = cb.update_timeseries(DEFAULT, ["paramspace"])
    go.Figure(fig)
    assert any(t["name"] == "λ, weights" and "GD on weights" in t["hovertemplate"]
               and "from (-2, 0.5)" in t["hovertemplate"] for t in fig["data"])
    assert "From (Δf₀, λ₀) = (-2, 0.5):" in summary
    # and from the sampled start once it is drawn and selected
    sampled = call(["sample-init.n_clicks"], sample=1)["state"]
    fig, summary = cb.update_timeseries(sampled, ["paramspace"])
    go.Figure(fig)
    assert any(t["name"] == "λ, weights" for t in fig["data"])
    assert "deviation" in fig["layout"]["annotations"][0]["text"]


@pytest.mark.parametrize("value", HOSTILE)
def test_timeseries_and_download_hostile(value):
    fig, summary = cb.update_timeseries(value, value)
    go.Figure(fig)
    assert isinstance(summary, str)
    cb.download_csv(value, value)


def test_download_csv():
    data = cb.download_csv(1, DEFAULT)
    assert data["filename"] == "trajectory.csv"
    assert data["content"].startswith("step,df,lam,lam_hessian,loss,eta_lam\n")
    assert cb.download_csv(0, DEFAULT) is no_update


def test_slider_answer_stays_under_the_size_budget():
    """A slider change's whole answer (figure and all outputs) as JSON.  Its
    speed is measured over HTTP by benchmarks/bench_views.py, not here."""
    sizes = [len(to_json_plotly(call(["eta-input.value"], inputs={"eta": round(0.5 + 0.37 * k, 3)})))
             for k in range(8)]
    assert max(sizes) < MAX_PAYLOAD


# -- through Dash's HTTP endpoint --------------------------------------------------------

def _payload(dash_app, changed, values):
    """The phase-plane callback's body; the state store holds the default state."""
    return request_body(dash_app, "phase-plane.figure", {f"{ids.STATE}.data": DEFAULT, **values},
                        changed)


@pytest.mark.parametrize("value", HOSTILE)
def test_http_hostile_values_never_500(dash_app, client, value):
    for prop in ("eta-input.value", "y-input.value", "phase-plane.clickData",
                 "plane-zoom.data", "url.search", "layers.value", "state.data"):
        body = _payload(dash_app, [prop], {prop: value})
        text = json.dumps(body, allow_nan=True)
        r = client.post("/_dash-update-component", data=text, content_type="application/json")
        assert r.status_code in (200, 204), (prop, value, r.status_code)


@pytest.mark.parametrize("body", ["null", '"x"', "[]", "{}", "1e308", "NaN", '{"output": 5}',
                                  '{"output": "nope", "inputs": []}', "not json",
                                  '{"output": "..eta.value..", "inputs": "x"}'])
def test_http_malformed_envelope_is_400_not_500(client, body):
    r = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert r.status_code == 400


def test_http_envelope_with_wrong_input_count_is_400(dash_app, client):
    body = _payload(dash_app, ["eta-input.value"], {})
    body["inputs"] = body["inputs"][:3]
    assert client.post("/_dash-update-component", json=body).status_code == 400
    body = _payload(dash_app, ["eta-input.value"], {})
    body["inputs"][0] = {"id": 5, "property": None}
    assert client.post("/_dash-update-component", json=body).status_code == 400


def test_http_valid_update(dash_app, client):
    p = ViewParams()
    vals = {f"{ids.input_id(k)}.value": p.value(k) for k in cb.SLIDER_KEYS}
    vals.update({"seed.value": 0, "preset.value": "ntp", "layers.value": list(p.layers),
                 "large-font.value": [], "eta-input.value": "2.5"})
    body = _payload(dash_app, ["eta-input.value"], vals)
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert resp["state"]["data"].startswith("eta=2.5&")
    assert len(r.data) < MAX_PAYLOAD


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["status"] == "ok"


def test_index_has_no_external_urls(client):
    html = client.get("/").data.decode()
    assert "http://" not in html and "https://" not in html
    assert client.get("/assets/style.css").status_code == 200
