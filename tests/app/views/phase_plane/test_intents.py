"""The phase plane applies the intents other views send (app.core.intents)."""

import math

import pytest
from dash import no_update

from app.core import intents
from app.core.state import ViewParams, from_query, to_query

from ...core.test_intents import HOSTILE, INTENT
from .test_callbacks import call, params_of


def forbidden_edge(p: ViewParams, df: float) -> float:
    """The spec's forbidden edge λ = 2‖x‖|Δf + y|/√n_eff, written out here."""
    return 2.0 * p.x_norm * abs(df + p.y) / math.sqrt(p.n_eff)


def test_set_eta_changes_eta_as_the_typed_input_would():
    by_intent = call([INTENT], intent=intents.set_eta(2.25))
    by_input = call(["eta-input.value"], inputs={"eta": 2.25})
    assert params_of(by_intent).eta == 2.25
    assert by_intent["state"] == by_input["state"]
    assert by_intent["inputs"]["eta"] == 2.25               # the control shows it
    assert by_intent["search"] == "?" + by_intent["state"]  # a history entry


def test_add_start_adds_the_start_a_plane_click_would():
    p = ViewParams()
    df = -0.5
    lam = 2.0 * forbidden_edge(p, df)                       # above the V
    by_intent = call([INTENT], intent=intents.add_start(df, lam))
    by_click = call(["phase-plane.clickData"], click={"points": [{"x": df, "y": lam}]})
    assert by_intent["state"] == by_click["state"]
    starts = params_of(by_intent).starts
    assert starts[-1] == (df, lam) and len(starts) == 2     # the default start, then it


def test_a_start_in_the_forbidden_region_is_refused_and_nothing_changes():
    out = call([INTENT], intent=intents.add_start(0.0, 0.5 * forbidden_edge(ViewParams(), 0.0)))
    assert "forbidden region" in out["message"] and out["message_class"].endswith("error")
    assert out["state"] is no_update and out["figure"] is no_update


def test_load_state_replaces_the_state_with_a_history_entry():
    target = ViewParams(eta=0.7, y=-1.5, steps=200)
    out = call([INTENT], intent=intents.load_state("?" + to_query(target)))
    assert params_of(out) == from_query(to_query(target)).params
    assert out["search"] == "?" + to_query(target)


@pytest.mark.parametrize("data", HOSTILE[:6])
def test_a_hostile_intent_store_gives_a_message_not_a_failure(data):
    out = call([INTENT], intent=data)
    assert out["message_class"].endswith("error") and out["message"]
