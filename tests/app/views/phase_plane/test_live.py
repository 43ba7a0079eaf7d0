"""The live slider path on the server: the gate's messages, what is sent when
the browser already shows a figure, and the Patch of a changed one."""

import copy

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import Patch, no_update

from app.core import ids
from app.core.figures import figure_changes
from app.core.state import ViewParams, from_query, to_query
from app.views.phase_plane import callbacks as cb
from app.views.phase_plane import live

from .test_callbacks import DEFAULT, HOSTILE, call

LIVE = f"{ids.SLIDER_LIVE}.data"


def shown(query: str) -> str:
    return live.shown_key(from_query(query).params, None)


def apply_patch(fig: dict, patch: Patch) -> dict:
    """A second implementation of Dash's Patch ``Assign`` on plain dicts."""
    out = copy.deepcopy(fig)
    for op in patch._operations:                 # noqa: SLF001 (the patch's own record)
        assert op["operation"] == "Assign"
        *path, last = op["location"]
        node = out
        for k in path:
            node = node[k]
        node[last] = op["params"]["value"]
    return out


def test_a_live_value_moves_the_plane_but_not_the_url_or_the_time_series():
    out = call([LIVE], live={"key": "eta", "value": 2.2, "n": 7})
    p = from_query(out["state"]).params
    assert p.eta == 2.2 and out["inputs"]["eta"] == 2.2
    assert out["search"] is no_update and out["ts_state"] is no_update
    assert out["done"]["n"] == 7
    go.Figure(out["figure"])


def test_the_final_message_writes_the_url_and_the_time_series_once():
    after_drag = call([LIVE], live={"key": "eta", "value": 2.2, "n": 7})["state"]
    # the typed inputs hold the last live value; the URL is still the old one
    out = call([LIVE], after_drag, live={"n": 8, "final": True}, search="?" + DEFAULT,
               shown=shown(after_drag))
    assert out["search"] == "?" + after_drag and out["ts_state"] == after_drag
    assert out["figure"] is no_update            # the browser already shows it
    assert out["done"]["n"] == 8
    # the final message may carry the last value again (its own request may
    # have been cancelled by a later one): the same answer
    with_value = call([LIVE], after_drag, live={"key": "eta", "value": 2.2, "n": 8,
                                                "final": True},
                      search="?" + DEFAULT, shown=shown(after_drag))
    assert with_value["search"] == "?" + after_drag and with_value["figure"] is no_update
    # nothing to write when the URL already holds the state
    again = call([LIVE], after_drag, live={"n": 9, "final": True}, search="?" + after_drag,
                 shown=shown(after_drag))
    assert again["search"] is no_update


@pytest.mark.parametrize("bad", HOSTILE + [{"key": "nope", "value": 1},
                                           {"key": "eta", "value": "2"},
                                           {"key": "eta", "value": True},
                                           {"key": "eta", "value": float("nan")}])
def test_hostile_live_messages_are_refused_with_a_message_and_free_the_gate(bad):
    out = call([LIVE], live=bad)
    assert out["figure"] is no_update and out["state"] is no_update
    assert out["message"].startswith("⚠ slider") and "done" in out
    assert out["done"] is not no_update


def test_an_out_of_range_live_value_is_clamped_like_a_typed_one():
    out = call([LIVE], live={"key": "eta", "value": 1e9, "n": 1})
    assert from_query(out["state"]).params.eta == 1e4 and "clamped" in out["message"]


def test_the_figure_shown_is_not_sent_again():
    out = call(["eta-input.value"], inputs={"eta": 1.5}, shown=shown(DEFAULT))
    assert out["figure"] is no_update and out["shown"] is no_update


def test_a_new_eta_is_a_patch_that_leaves_the_forbidden_region_alone():
    """The forbidden edge λ = 2‖x‖|Δf + y|/√n_eff does not depend on η (spec
    §2.2): its trace is not sent for a new η; applying the patch to the old
    figure gives the new figure."""
    old = cb.plane_figure(from_query(DEFAULT).params)[0]
    # 1.5 → 1.8: both below η_c = 2, so the same traces (line I keeps a stable part)
    out = call(["eta-input.value"], inputs={"eta": 1.8}, shown=shown(DEFAULT))
    patch = out["figure"]
    assert isinstance(patch, Patch)
    new = cb.plane_figure(from_query(out["state"]).params)[0]
    changed = {tuple(op["location"][:2]) for op in patch._operations}
    names = [t["name"] for t in old["data"]]
    forbidden = next(i for i, n in enumerate(names) if n.startswith("forbidden"))
    assert ("data", forbidden) not in changed
    assert ("data", names.index("ηλ = 2 (λ = 2/η)")) in changed
    patched = apply_patch(old, patch)
    assert figure_changes(patched, new) == ({}, {})


def test_a_changed_trace_count_sends_the_whole_figure():
    out = call(["phase-plane.clickData"], click={"points": [{"x": -1.0, "y": 2.0}]},
               shown=shown(DEFAULT))
    assert isinstance(out["figure"], dict) and "data" in out["figure"]


def test_figure_changes_finds_exactly_the_differing_parts():
    a = {"data": [{"x": np.array([1.0, np.nan]), "y": [1, 2]}, {"x": [3]}],
         "layout": {"title": {"text": "a"}, "xaxis": {"range": [0, 1]}}}
    b = copy.deepcopy(a)
    assert figure_changes(a, b) == ({}, {})
    b["data"][1]["x"] = [4]
    b["layout"]["title"]["text"] = "b"
    data, layout = figure_changes(a, b)
    assert list(data) == [1] and list(layout) == ["title"]
    assert figure_changes(a, {"data": a["data"][:1], "layout": a["layout"]}) is None
    assert figure_changes(a, {"data": a["data"], "layout": {"title": {}}}) is None


def test_a_different_imported_trace_changes_the_key():
    p = ViewParams()
    assert live.shown_key(p, None) != live.shown_key(p, {"name": "a"})
    assert live.shown_key(p, {"name": "a"}) != live.shown_key(p, {"name": "b"})
    assert live.shown_key(p, None).startswith(to_query(p) + "|")
