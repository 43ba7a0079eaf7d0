"""Callbacks of the Universality view (app.views.universality.callbacks),
called directly and through Dash's HTTP endpoint: δ_k, the collapse of the
flip points in c (η_c = √n_eff/(‖x‖|y|) written out here), hostile input a
message, and a click on a current flip point the intent "set η"."""

import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import no_update

from app.core import ids, intents
from app.core.state import ViewParams, to_query
from app.views.universality import callbacks as un
from app.views.universality import layout

from ...conftest import request_body

#: The prop of the view's copy of the dashboard's state (its callbacks' input).
STATE = f"{ids.state_for(ids.UNIVERSALITY_TAB)}.data"
DEFAULT = to_query(ViewParams())                 # η = 1.5, n_eff = 16, ‖x‖ = 1, y = 2: η_c = 2
HOSTILE = [None, "", "abc", [], {}, [1, 2], {"a": [1]}, True, False, 1e308, -1e308,
           float("nan"), float("inf"), "1e999", 10**400, -1, 0, "0x1f", "5; DROP", " ", "∞"]


def state(**kw) -> str:
    return to_query(ViewParams(**kw))


def test_universality_panel():
    fig, table, msg = un.update_universality(DEFAULT, 8, ids.UNIVERSALITY_TAB)
    go.Figure(fig)
    deltas = [t for t in fig["data"] if (t.get("meta") or {}).get("panel") == "delta"
              and "map" in t["meta"]]
    assert sorted(t["meta"]["map"] for t in deltas) == ["eos", "uv"]
    assert all(len(t["y"]) == 6 for t in deltas)
    assert "δ_7 = 4.66914" in msg
    assert table != ""
    fig5, _, _ = un.update_universality(DEFAULT, 5, None)
    assert all(len(t["y"]) == 3 for t in fig5["data"]
               if (t.get("meta") or {}).get("panel") == "delta" and "map" in t["meta"])
    assert un.update_universality(DEFAULT, 8, "phase-plane-tab") == (no_update,) * 3


def test_universality_flip_points_collapse_in_c():
    fig, _, _ = un.update_universality(state(width=64, n_eff=64, x_norm=0.3, y=-4.0), 6, None)
    in_c = [t for t in fig["data"] if (t.get("meta") or {}).get("panel") == "c"
            and "current" in t["meta"]]
    assert len(in_c) == 4                       # current EoS, current 2-D, two references
    for t in in_c[1:]:
        assert np.allclose(t["y"], in_c[0]["y"], rtol=1e-9)
    eta_c = math.sqrt(64) / (0.3 * 4.0)
    cur = next(t for t in fig["data"] if (t.get("meta") or {}).get("panel") == "eta"
               and t["meta"].get("current") and t["meta"]["map"] == "eos")
    assert np.allclose(cur["y"], np.array(in_c[0]["y"]) * eta_c, rtol=1e-9)


@pytest.mark.parametrize("raw, shown, note", [
    (2, 3, "levels L = 2 is out of range: enter an integer from 3 to 12 (showing L = 3)"),
    (100, 12, "levels L = 100 is out of range: enter an integer from 3 to 12 (showing L = 12)"),
    (None, 8, "levels L is empty: enter an integer from 3 to 12 (showing L = 8)"),
    ("", 8, "levels L is empty: enter an integer from 3 to 12 (showing L = 8)"),
    (6.5, 6, "levels L = 6.5 is not a whole number: enter an integer from 3 to 12 "
              "(showing L = 6)"),
    (5, 5, None), ("12", 12, None)])
def test_bad_levels_say_what_is_wrong_what_is_allowed_and_what_is_shown(raw, shown, note):
    assert un.parse_levels(raw) == (shown, note)
    if note:
        assert un.update_universality(DEFAULT, raw, None)[2].startswith(note)


@pytest.mark.parametrize("levels", HOSTILE + [2, 13, 7.5, "9"])
def test_universality_hostile_levels(levels):
    fig, _, msg = un.update_universality(DEFAULT, levels, None)
    go.Figure(fig)
    n, note = un.parse_levels(levels)
    assert layout.LEVELS_RANGE[0] <= n <= layout.LEVELS_RANGE[1]


def test_universality_y_zero_and_hostile_state():
    fig, table, msg = un.update_universality(state(y=0.0), 8, None)
    go.Figure(fig)
    assert "y = 0" in msg and table == ""
    for value in HOSTILE:
        out = un.update_universality(value, value, None)
        go.Figure(out[0])


# -- clicks ---------------------------------------------------------------------------------------

def test_click_on_a_current_flip_point_sends_set_eta():
    intent, message = un.click_intent({"points": [{"x": 3, "customdata": 2.4721359}]})
    parsed, err = intents.parse(intent)
    assert err is None and parsed.kind == "set-eta" and parsed.eta == 2.47214
    assert message == ""


def test_other_points_are_not_click_targets():
    for cd in (["ref", 2.5], ["delta", 0.01], None, True):
        intent, message = un.click_intent({"points": [{"x": 3, "customdata": cd}]})
        assert intent is no_update and "flip point" in message


@pytest.mark.parametrize("click", HOSTILE + [{"points": []}, {"points": [{}]},
                                             {"points": [{"customdata": float("nan")}]},
                                             {"points": [{"customdata": -2}]}])
def test_hostile_clicks(click):
    intent, message = un.click_intent(click)
    if intent is no_update:
        assert message
    else:
        parsed, err = intents.parse(intent)
        assert err is None and 1e-3 <= parsed.eta <= 1e4


# -- through Dash's HTTP endpoint ------------------------------------------------------------------

def click_body(dash_app, click):
    from tests.deploy.dashclient import callback_body
    key = next(k for k in dash_app.callback_map if f"{ids.INTENT}.data@" in k
               and ids.UNIVERSALITY_MESSAGE in k)
    return callback_body(dash_app.callback_map, key, {f"{ids.UNIVERSALITY_GRAPH}.clickData": click})


@pytest.mark.parametrize("value", HOSTILE)
def test_http_hostile_values_never_500(dash_app, client, value):
    body = request_body(dash_app, "universality-graph.figure",
                        {f"{ids.VIEW_TABS}.value": ids.UNIVERSALITY_TAB, STATE: value},
                        [STATE])
    for b in (body, click_body(dash_app, value)):
        r = client.post("/_dash-update-component", data=json.dumps(b, allow_nan=True),
                        content_type="application/json")
        assert r.status_code in (200, 204), (value, r.status_code, r.data[:200])


def test_http_click_answers_with_the_intent(dash_app, client):
    r = client.post("/_dash-update-component",
                    json=click_body(dash_app, {"points": [{"x": 1, "customdata": 2.0}]}))
    assert r.status_code == 200
    intent, err = intents.parse(r.get_json()["response"][ids.INTENT]["data"])
    assert err is None and intent.eta == 2.0
