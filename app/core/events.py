"""Plot events turned into what the core understands: a clicked point of the
plane, a zoom window, a clicked η.  They never raise: an unreadable event
gives a one-line message."""

from __future__ import annotations

from typing import Any, Mapping

from dash import no_update

from .state import FIELDS, parse_coord, parse_number, parse_window

__all__ = ["click_to_eta", "point_from_click", "window_from_relayout"]


def _eta_out(v: float):
    spec = FIELDS["eta"]
    v = min(max(v, spec.lo), spec.hi)
    v = float(f"{v:.6g}")
    return int(v) if v.is_integer() else v


def click_to_eta(click: Any, source: str = "x") -> tuple[Any, str]:
    """(value for ``eta-input``, message) from a Plotly ``clickData``.

    ``source="x"``: the clicked point's x (the bifurcation diagram), or the
    η of a route-to-chaos guide among the clicked points (customdata
    ``["guide", η]``: the guide was within hover reach of the click);
    ``"customdata"``: its customdata when it is a number (the universality
    panel's flip points of the current parameters; other points carry lists).
    Unreadable clicks give (no_update, message).
    """
    try:
        points = click["points"]
        point = points[0]
        raw = point["x"] if source == "x" else point["customdata"]
        if source == "x":           # a guide within reach of the click wins
            for q in points:
                cd = q.get("customdata") if isinstance(q, Mapping) else None
                if isinstance(cd, (list, tuple)) and len(cd) == 2 and cd[0] == "guide":
                    raw = cd[1]
                    break
    except (TypeError, KeyError, IndexError, AttributeError):
        return no_update, "click: could not read the clicked point"
    if source == "customdata" and (isinstance(raw, bool) or not isinstance(raw, (int, float))):
        return no_update, "click a flip point of the current parameters to set η there"
    v, err = parse_number("clicked η", raw)
    if err:
        return no_update, f"click: {err}"
    if v <= 0:
        return no_update, "click: η must be > 0"
    return _eta_out(v), ""


def point_from_click(click: Any) -> tuple[tuple[float, float] | None, str | None]:
    """(Δf, λ) of a Plotly ``clickData``, or (None, message)."""
    try:
        point = click["points"][0]
        x, y = point["x"], point["y"]
    except (TypeError, KeyError, IndexError):
        return None, "click: could not read the clicked point"
    df, e1 = parse_coord("clicked Δf", x)
    lam, e2 = parse_coord("clicked λ", y)
    if e1 or e2:
        return None, e1 or e2
    return (df, lam), None


def window_from_relayout(relayout: Any, current: tuple) -> tuple[str, tuple | None, str | None]:
    """Interpret a Plotly ``relayoutData``.

    Returns (action, window, message) with action ``"none"`` (not a zoom or
    pan: ignore), ``"reset"`` (autorange: back to the default window) or
    ``"set"`` (``window`` is the new validated window).  ``current`` is the
    window shown now, (Δf_lo, Δf_hi, λ_lo, λ_hi); axes the event does not
    mention keep their current range.
    """
    if not isinstance(relayout, Mapping):
        return "none", None, None
    if relayout.get("xaxis.autorange") is True or relayout.get("yaxis.autorange") is True:
        return "reset", None, None
    win = list(current)
    touched = False
    for axis, (i, j) in (("xaxis", (0, 1)), ("yaxis", (2, 3))):
        rng = relayout.get(f"{axis}.range")
        if isinstance(rng, (list, tuple)) and len(rng) == 2:
            win[i], win[j] = rng
            touched = True
        for end, idx in ((0, i), (1, j)):
            key = f"{axis}.range[{end}]"
            if key in relayout:
                win[idx] = relayout[key]
                touched = True
    if not touched:
        return "none", None, None
    window, err = parse_window(win)
    if err:
        return "none", None, err
    return "set", window, None
