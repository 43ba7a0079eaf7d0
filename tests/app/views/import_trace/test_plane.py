"""What the Import view asks of the phase plane (app/views/import_trace/plane.py
and its callbacks): the off-screen note, the fitted window applied by the
plane as a set-window intent, and the matched UV model loaded as a state."""

import math

import numpy as np
import pytest
from dash import no_update

from app.core import intents, layout, traces
from app.core.state import default_window, from_query
from app.views.import_trace import callbacks as iv
from app.views.import_trace import plane

from ...conftest import plane_applies

STATE = "eta=1.5&width=16&n-eff=16&x-norm=1&y=2&preset=ntp&sigma=1&steps=1000&seed=0"


def stored(df, lam):
    n = len(df)
    t = traces.ImportedTrace("net.csv", np.arange(n, dtype=float), np.asarray(df, float),
                             np.asarray(lam, float))
    return traces.to_store(t)


#: A re-imported network trace as in the issue: λ ≈ 70–83, far above the window.
NETWORK = stored(-np.sqrt(2 * np.linspace(0.9, 0.01, 50)), np.linspace(70, 83, 50))


def test_the_default_window_and_the_network_trace():
    """The situation of the issue, from the spec's default window."""
    (a, b), (c, d) = default_window(1.5, 16, 1, 2)
    lam_min = 2 * 1 * 2 / math.sqrt(16)                  # 2‖x‖|y|/√n_eff = 1
    assert (a, b) == (-4.0, 3.0) and c == 0.0 and d == max(3 * lam_min, 3 / 1.5) == 3.0
    note = plane.window_note(STATE, NETWORK)
    assert note.startswith("⚠ The imported trace lies outside the window (all 50 points are "
                           "off-screen)")
    assert "λ ∈ [70, 83]" in note and "Fit window to trace" in note
    partly = stored([-1, -2, -3], [1, 1.5, 5])
    assert "partly outside the window (1 of 3 points are off-screen)" in \
        plane.window_note(STATE, partly)
    assert plane.window_note(STATE, stored([-1, -2], [1, 1.5])) == ""
    assert plane.window_note(STATE, None) == "" and plane.window_note(STATE, {"x": 1}) == ""


def test_fit_window_holds_every_point_and_the_plane_applies_it():
    df = -np.sqrt(2 * np.linspace(0.9, 0.01, 50))
    lam = np.linspace(70, 83, 50)
    out = iv.fit(1, NETWORK)
    intent, err = intents.parse(out["intent"])
    assert err is None and intent.kind == "set-window" and out["tab"] == layout.PHASE_PLANE_TAB
    a, b, c, d = intent.window
    assert a < df.min() and b > df.max() and c < lam.min() and d > lam.max()
    # with a margin, but not so much that the trace is a speck
    assert (d - c) < 1.5 * (lam.max() - lam.min()) and (b - a) < 1.5 * (df.max() - df.min())
    res = plane_applies(out["intent"], STATE)
    p = from_query(res["state"]).params
    assert p.window == intent.window and p.eta == 1.5 and p.starts is None
    assert res["figure"]["layout"]["xaxis"]["range"] == [a, b]
    assert res["figure"]["layout"]["yaxis"]["range"] == [c, d]
    assert plane.window_note(res["state"], NETWORK) == ""


def test_fit_window_edge_cases():
    w, _ = plane.fit_window([-1.0], [0.5])            # one point: a window around it
    assert w[0] < -1 < w[1] and w[2] < 0.5 < w[3]
    w, _ = plane.fit_window([-1.0, -0.5], [0.0, 1.0])  # λ ≥ 0 stays ≥ 0
    assert w[2] == 0.0
    w, note = plane.fit_window([-3e6, 0.0], [0.0, 1.0])
    assert w[0] == -1e6 and "capped at ±1000000" in note
    assert plane.fit_window([], [])[0] is None
    out = iv.fit(1, None)
    assert out["intent"] is no_update and "no imported trace" in out["status"]
    assert iv.fit(0, NETWORK)["intent"] is no_update


UV = {"eta": 0.05, "n_eff": 37.5, "x_norm": 1.2, "y": 2.5, "df0": -2.5, "lam0": 31.0,
      "method": "calibrated"}


def test_the_matched_uv_model_becomes_the_state_with_its_start():
    trace = stored([-2.5, -2.0, -1.0], [31.0, 33.0, 36.0])
    out = iv.show_uv(1, {"name": "net.csv", "uv": UV}, STATE + "&traj=-2:0.5", trace)
    intent, err = intents.parse(out["intent"])
    assert err is None and intent.kind == "load-state"
    res = plane_applies(out["intent"], STATE)
    p = from_query(res["state"]).params
    assert (p.eta, p.n_eff, p.x_norm, p.y, p.preset) == (0.05, 37.5, 1.2, 2.5, "custom")
    assert p.starts == ((-2.0, 0.5), (-2.5, 31.0))          # the user's start kept, UV's added
    # the default window of these parameters reaches λ = 3/η = 60: the trace is in it
    assert p.window is None and plane.window_note(res["state"], trace) == ""
    start = [t for t in res["figure"]["data"] if t.get("name") == "trajectory 2 (selected) start"]
    assert start and start[0]["x"] == [-2.5] and start[0]["y"] == [31.0]
    assert "matched UV model (calibrated): η = 0.05, n_eff = 37.5" in out["status"]


def test_the_matched_uv_model_fits_the_window_when_needed_and_refuses_bad_models():
    trace = stored([-2.5, -2.0], [300.0, 320.0])
    q, msg = plane.uv_state(STATE, {"uv": {**UV, "lam0": 300.0}}, trace)
    p = from_query(q).params
    assert p.window is not None and p.window[3] > 320 and "window fitted" in msg
    for header in (None, {}, {"uv": None}, {"uv": {"eta": 1}}, {"uv": "x"}):
        out = iv.show_uv(1, header, STATE, trace)
        assert out["intent"] is no_update and out["status"].startswith("⚠"), header
    # below the V, λ < 2‖x‖|Δf + y|/√n_eff = 2·1.2·2.5/√37.5 ≈ 0.98: no weights give it
    forbidden = {**UV, "df0": 0.0, "lam0": 0.1}
    q, msg = plane.uv_state(STATE, {"uv": forbidden}, trace)
    assert q is None and "forbidden region" in msg


@pytest.mark.parametrize("header", [None, {}, {"uv": UV}])
def test_the_buttons_follow_the_trace_and_its_header(header):
    note, cls, fit_off, uv_off = iv.window_note(STATE, NETWORK, header)
    assert note and cls == "message error" and fit_off is False
    assert uv_off is (header is None or "uv" not in header)
    assert iv.window_note(STATE, None, header)[2:] == (True, True)
