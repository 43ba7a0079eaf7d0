"""The presets' callback, called directly and through Dash's HTTP endpoint:
each button sends the phase plane the intent "load this state", which the
plane applies like an opened link; hostile inputs get answers, not failures."""

import json

import pytest
from dash import no_update

from app.core import ids, layout
from app.core.state import ViewParams, from_query, to_query
from app.views.presets import callbacks as pv
from app.views.presets import teaching

from ...conftest import plane_applies, request_body

DEFAULT = to_query(ViewParams())
HOSTILE = [None, "", "abc", [], {}, [1, 2], {"a": [1]}, True, False, 1e308, -1e308,
           float("nan"), float("inf"), "1e999", 10**400, -1, 0, "0x1f", "5; DROP", " ", "∞"]
NOTHING = {"intent": no_update, "tab": no_update, "status": no_update, "lesson": no_update}


def test_every_preset_button_sends_its_state_and_shows_the_plane():
    assert set(pv.BUTTONS) == {ids.teaching_button(p.key) for p in teaching.PRESETS}
    base = to_query(ViewParams(layers=("regions", "fixed"), large=True))
    for button, preset in pv.BUTTONS.items():
        out = pv.apply_preset(button, base)
        assert out["tab"] == layout.PHASE_PLANE_TAB
        assert out["intent"]["kind"] == "load-state"
        p = from_query(out["intent"]["query"]).params
        # the preset's own numbers, and the current layers and font kept
        assert p.eta == preset.eta and p.starts == (preset.start,) and p.steps == preset.steps
        assert p.width == p.n_eff == preset.width and p.preset == "ntp"
        assert p.layers == ("regions", "fixed") and p.large
        assert out["status"] == f"Applied “{preset.title}” (η = {preset.eta:g})."


def test_a_preset_drives_the_phase_plane_like_a_link():
    """The plane applies the intent: inputs, store, a history entry, the figure."""
    intent = pv.apply_preset(ids.teaching_button("eos-period-4"), DEFAULT)["intent"]
    out = plane_applies(intent, DEFAULT)
    # the width input holds 16 already: not written
    assert out["inputs"]["eta"] == 2.535 and out["inputs"]["width"] is no_update
    assert from_query(out["state"]).params.starts == ((-2.0, 0.5),)
    assert out["search"] == "?" + out["state"]                 # a history entry
    names = [t["name"] for t in out["figure"]["data"]]
    assert "trajectory 1 (selected): periodic 4" in names


@pytest.mark.parametrize("value", HOSTILE + ["teaching-nope"])
def test_a_hostile_button_id_changes_nothing(value):
    assert pv.apply_preset(value, DEFAULT) == NOTHING


@pytest.mark.parametrize("value", HOSTILE + ["eta=abc", "x" * 10_000])
def test_a_hostile_store_falls_back_to_the_default_state(value):
    out = pv.apply_preset(ids.teaching_button("chaos"), value)
    p = from_query(out["intent"]["query"]).params
    assert p.eta == 2.84 and p.layers == ViewParams().layers and not p.large
    assert out["tab"] == layout.PHASE_PLANE_TAB


def test_an_unforeseen_error_is_a_message(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(teaching, "apply", broken)
    out = pv.apply_preset(ids.teaching_button("chaos"), DEFAULT)
    assert out == {**NOTHING, "status": "Internal error while applying the preset (logged "
                                        "on the server)."}


def preset_key(dash_app) -> str:
    return next(k for k in dash_app.callback_map if "teaching-status" in k)


def test_http_a_click_sends_the_intent_and_the_tab(dash_app, client):
    button = ids.teaching_button("chaos")
    body = request_body(dash_app, preset_key(dash_app),
                        {f"{button}.n_clicks": 1, "state.data": DEFAULT},
                        [f"{button}.n_clicks"])
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert from_query(resp["plane-intent"]["data"]["query"]).params.eta == 2.84
    assert resp["view-tabs"]["value"] == layout.PHASE_PLANE_TAB
    assert resp["teaching-status"]["children"].startswith("Applied “Chaos")
    # the lesson card beside the plane gets the preset's title and explanation
    lesson = resp[ids.LESSON]["data"]
    assert lesson["title"] == teaching.BY_KEY["chaos"].title
    assert lesson["text"] == teaching.text_of(teaching.BY_KEY["chaos"])
    assert lesson["equation"] == teaching.BY_KEY["chaos"].equation


@pytest.mark.parametrize("value", HOSTILE)
def test_http_hostile_values_never_500(dash_app, client, value):
    button = ids.teaching_button("chaos")
    for prop in (f"{button}.n_clicks", "state.data"):
        body = request_body(dash_app, preset_key(dash_app), {prop: value}, [prop])
        r = client.post("/_dash-update-component", data=json.dumps(body, allow_nan=True),
                        content_type="application/json")
        assert r.status_code in (200, 204), (prop, value, r.status_code)
        if prop.endswith("n_clicks") and r.status_code == 200:
            # only a real click count applies the preset
            clicked = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            assert ("plane-intent" in r.get_json()["response"]) == clicked
