"""app.core.events: plot clicks and zooms read back, never raising."""

from hypothesis import given

from app.core import events

from .test_state import jsonish


@given(jsonish)
def test_point_from_click_never_raises(click):
    point, err = events.point_from_click(click)
    assert (point is None) != (err is None)


def test_point_from_click_reads_plotly_click():
    assert events.point_from_click({"points": [{"x": -1.5, "y": "2", "curveNumber": 0}]}) == \
        ((-1.5, 2.0), None)


@given(jsonish)
def test_window_from_relayout_never_raises(relayout):
    action, window, err = events.window_from_relayout(relayout, (-4, 3, 0, 3))
    assert action in ("none", "reset", "set")
    assert (window is not None) == (action == "set")


def test_window_from_relayout_cases():
    cur = (-4.0, 3.0, 0.0, 3.0)
    assert events.window_from_relayout({"autosize": True}, cur)[0] == "none"
    assert events.window_from_relayout({"xaxis.autorange": True}, cur)[0] == "reset"
    action, win, _ = events.window_from_relayout(
        {"xaxis.range[0]": -1.0, "xaxis.range[1]": 1.0000001234}, cur)
    assert action == "set" and win == (-1.0, 1.0, 0.0, 3.0)
    action, win, _ = events.window_from_relayout({"yaxis.range": [0.5, 2]}, cur)
    assert win == (-4.0, 3.0, 0.5, 2.0)
    action, win, err = events.window_from_relayout({"xaxis.range[0]": 5}, cur)
    assert action == "none" and err
