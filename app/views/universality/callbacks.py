"""Callbacks of the Universality view and the plain functions they call.

:func:`update_universality` parses the state and the number of levels,
locates the cascades (:mod:`.compute`) and draws the panel; a click on a
flip point of the current parameters sends the phase plane the intent
"set η" (:mod:`app.core.intents`).  Nothing here raises.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, no_update

from ...core import guard, ids, intents
from ...core.events import click_to_eta
from ...core.figures import empty_figure
from ...core.state import ViewParams, from_query, parse_in_range
from . import figures as fb
from .compute import cascade_at
from .layout import DEFAULT_LEVELS, LEVELS_RANGE, values_table

__all__ = ["REFERENCE_SETS", "parse_levels", "update_universality", "click_intent",
           "register_callbacks"]

#: Reference parameter sets (n_eff, ‖x‖, y) overlaid to show the collapse in c.
REFERENCE_SETS = ((1.0, 1.0, 2.0), (100.0, 0.5, -1.0))


def parse_levels(raw: Any) -> tuple[int, str | None]:
    """Levels from the input, and what was wrong with it (None: nothing).

    Unusable (empty, not a number): the default; a number out of range or not
    whole: the nearest allowed level.  The note says which L is shown.
    """
    lo, hi = LEVELS_RANGE
    v, err = parse_in_range("levels L", raw, lo, hi, integer=True)
    if err is None:
        return int(v), None
    shown = DEFAULT_LEVELS if v is None else int(min(max(round(v), lo), hi))
    return shown, f"{err} (showing L = {shown})"


def _label(n_eff: float, x_norm: float, y: float) -> str:
    return f"n_eff = {n_eff:g}, ‖x‖ = {x_norm:g}, y = {y:g}"


def _references(p: ViewParams, levels: int) -> list:
    """(label, cascade) of the reference sets other than the current one."""
    refs = []
    for ne, xn, yy in REFERENCE_SETS:
        if (ne, xn, yy) == (p.n_eff, p.x_norm, p.y):
            continue
        r = cascade_at("eos", ne, xn, yy, levels)
        if r.cascade is not None:
            refs.append((_label(ne, xn, yy) + ", EoS map", r.cascade))
    return refs


def _internal_error(exc: Exception):
    msg = "Internal error while locating the cascade (logged on the server)."
    return empty_figure(msg), "", msg


@guard.guarded(_internal_error, "update_universality")
def update_universality(state: Any, levels: Any, tab: Any = None):
    """(figure, table, message) for the state and the number of levels."""
    if isinstance(tab, str) and tab != ids.UNIVERSALITY_TAB:
        return no_update, no_update, no_update
    p: ViewParams = from_query(state).params
    L, note = parse_levels(levels)
    notes = [note] if note else []
    if p.y == 0:
        msg = ("y = 0: c = η‖x‖|y|/√n_eff is 0 for every η (η_c infinite), so there is no "
               "period-doubling cascade on the EoS edge; set y ≠ 0")
        return empty_figure(msg, p.large), "", "; ".join(notes + [msg])
    eos = cascade_at("eos", p.n_eff, p.x_norm, p.y, L)
    uv = cascade_at("uv", p.n_eff, p.x_norm, p.y, L)
    for name, res in (("EoS map", eos), ("2-D map", uv)):
        if res.error:
            notes.append(f"{name}: cascade not located: {res.error}")
    refs = _references(p, L)
    if eos.cascade is None and uv.cascade is None:
        return empty_figure("Cascade not located", p.large), "", "; ".join(notes)
    fig = fb.universality_figure(eos.cascade, uv.cascade, refs,
                                 params_label=_label(p.n_eff, p.x_norm, p.y), large=p.large)
    last = (eos.cascade or uv.cascade)
    notes.append(f"δ_{len(last.delta) + 1} = {last.delta[-1]:.10g} (Feigenbaum: "
                 f"{fb.FEIGENBAUM_DELTA:.10g}); c∞ = {last.c_inf:.10g}, η∞ = "
                 f"{last.eta_inf:.6g}")
    return fig, values_table(eos.cascade, uv.cascade), "; ".join(notes)


def click_intent(click: Any) -> tuple[Any, str]:
    """(intent "set η" for the phase plane, message) of a ``clickData`` on the panel.

    Only the flip points of the current parameters carry their η as a
    number in customdata (:func:`app.core.events.click_to_eta`); any other
    click gives (no_update, why).
    """
    value, message = click_to_eta(click, "customdata")
    if value is no_update:
        return no_update, message
    return intents.set_eta(value), message


def register_callbacks(app) -> None:
    """Attach the view's callbacks to a Dash app."""
    @app.callback(Output(ids.UNIVERSALITY_GRAPH, "figure"),
                  Output(ids.UNIVERSALITY_TABLE, "children"),
                  Output(ids.UNIVERSALITY_MESSAGE, "children"),
                  Input(ids.state_for(ids.UNIVERSALITY_TAB), "data"),
                  Input(ids.UNIVERSALITY_LEVELS, "value"),
                  Input(ids.VIEW_TABS, "value"))
    def _universality(state, levels, tab):
        return update_universality(state, levels, tab)

    @app.callback(Output(*intents.TARGET, allow_duplicate=True),
                  Output(ids.UNIVERSALITY_MESSAGE, "children", allow_duplicate=True),
                  Input(ids.UNIVERSALITY_GRAPH, "clickData"), prevent_initial_call=True)
    def _click(click):
        return click_intent(click)
