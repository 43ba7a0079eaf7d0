"""Plot events turned into what the core understands: a clicked η.

(Clicks on the plane and zooms are parsed by :mod:`app.core.state`:
``point_from_click``, ``window_from_relayout``.)
"""

from __future__ import annotations

from typing import Any, Mapping

from dash import no_update

from .state import FIELDS, parse_number

__all__ = ["click_to_eta"]


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
