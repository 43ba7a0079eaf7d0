"""The η window and value ranges of the Bifurcation view
(app.views.bifurcation.window): the default window c ∈ [0.6, 2.1] × η_c with
η_c = √n_eff/(‖x‖|y|) written out here, rescaling when η_c changes, zoom
events, and anything else a client sends ignored, never raised."""

import math

import pytest

from app.core.state import ViewParams
from app.views.bifurcation import window as w

HOSTILE = [None, "", "abc", [], {}, [1, 2], {"a": [1]}, True, 1e308, float("nan"),
           float("inf"), "1e999", 10**400, -1, 0, {"eta": "x"}, {"eta": [1]},
           {"eta": [1, "a"]}, {"eta": [3, 2], "eta_c": 2}, {"eta": [2, 3], "eta_c": -1},
           {"eta": [2, 3], "eta_c": "x"}, {"eta": [1e-9, 1e-8], "eta_c": 2}]


def eta_c(n_eff, x_norm, y):
    return math.sqrt(n_eff) / (x_norm * abs(y))


def test_default_window_is_a_c_window():
    p = ViewParams(width=64, n_eff=64, x_norm=0.5, y=-2.0)
    lo, hi = w.default_window(p, 0.5)
    assert math.isclose(lo, 0.6 * eta_c(64, 0.5, -2.0)) and math.isclose(hi, 2.1 * 8)
    # y = 0: η_c infinite, the window is in units of 2/λ₀
    assert w.default_window(ViewParams(y=0.0), 0.5) == (0.6 * 4, 2.1 * 4)


def test_stored_window_follows_eta_c():
    store = {"eta": [2.5, 2.65], "eta_c": 2.0}
    assert w.stored_window(store, ViewParams()) == (2.5, 2.65)
    p = ViewParams(width=64, n_eff=64)                           # η_c 2 → 4
    lo, hi = w.stored_window(store, p)
    assert math.isclose(lo, 2.5 * 4 / 2) and math.isclose(hi, 2.65 * 4 / 2)
    assert w.stored_window(store, ViewParams(y=0.0)) is None     # a c window, no η_c
    assert w.stored_window({"eta": [2.5, 2.65], "eta_c": None}, ViewParams(y=0.0)) == \
        (2.5, 2.65)


@pytest.mark.parametrize("store", HOSTILE)
def test_hostile_stores_mean_the_default(store):
    assert w.stored_window(store, ViewParams()) is None
    assert w.stored_y_ranges(store, "k") == {}


def test_zoom_events():
    cur = (1.2, 4.2)
    assert w.window_from_relayout({"xaxis.autorange": True}, cur) == ("reset", None, None)
    assert w.window_from_relayout({"xaxis.range": [3.0, 2.8]}, cur) == ("set", (2.8, 3.0), None)
    # one end moved (a pan of one axis end) keeps the other
    assert w.window_from_relayout({"xaxis.range[1]": 3.0}, cur) == ("set", (1.2, 3.0), None)
    assert w.window_from_relayout({"yaxis.range": [0, 1]}, cur) == ("none", None, None)
    # clamped to the dashboard's η range, refused when empty after clamping
    assert w.window_from_relayout({"xaxis.range": [-5, 2]}, cur)[1] == (w.ETA_RANGE[0], 2)
    action, win, err = w.window_from_relayout({"xaxis.range": [2, 2]}, cur)
    assert action == "none" and win is None and "too narrow" in err
    action, _, err = w.window_from_relayout({"xaxis.range[0]": "a"}, cur)
    assert action == "none" and err


def test_value_ranges_round_trip_through_the_store():
    ys = w.y_ranges_from_relayout({"yaxis2.range[0]": 1.5, "yaxis2.range[1]": 0.5}, {})
    assert ys == {"y2": (0.5, 1.5)}
    ys = w.y_ranges_from_relayout({"yaxis.range": [0.1, 0.2]}, ys)
    assert ys == {"y": (0.1, 0.2), "y2": (0.5, 1.5)}
    store = w.store_data(None, ViewParams(), ys, "key")
    assert store["eta"] is None and store["eta_c"] == 2.0
    assert w.stored_y_ranges(store, "key") == ys
    assert w.stored_y_ranges(store, "other key") == {}          # made for other parameters
    assert w.y_ranges_from_relayout({"yaxis.autorange": True}, ys) == {"y2": (0.5, 1.5)}
    assert w.store_data(None, ViewParams()) is None             # all defaults: nothing kept
