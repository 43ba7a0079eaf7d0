"""The Universality view: Feigenbaum scaling of the period-doubling cascade.

For the current (n_eff, ‖x‖, y), :func:`uvcore.cascade` locates the flip
points c₁ < c₂ < … of the EoS map and of the full 2-D map (whose cascade
lives on the invariant edge).  The panel shows

* δ_k = (c_k − c_{k−1})/(c_{k+1} − c_k) against k for both maps, converging
  to Feigenbaum's δ = 4.6692016… (horizontal line);
* the flip points against level in η (each parameter set on its own scale:
  η_k = c_k · η_c) and in c = η/η_c, where they collapse onto one curve —
  the current parameters are overlaid with two reference sets
  (:data:`REFERENCE_SETS`), each located independently by uvcore;
* a table of the located values.

Clicking a flip point of the current parameters sets η there.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from dash import Input, Output, dcc, html, no_update

import uvcore


from ...core import ids, theme
from . import figures as fb
from ...core.state import ViewParams, from_query, parse_number
from ...core.compute import CascadeResult
from ...core.events import click_to_eta
from ...shell import memo
from ...core.figures import empty_figure
from ...core.registry import View

log = logging.getLogger(__name__)

__all__ = ["LEVELS_RANGE", "DEFAULT_LEVELS", "REFERENCE_SETS", "CascadeResult", "cascade_at",
           "parse_levels", "update_universality", "values_table", "make_layout",
           "register_callbacks"]

#: Cascade levels L (input ``universality-levels``): range and default.
LEVELS_RANGE = (3, 12)
DEFAULT_LEVELS = 8
#: Reference parameter sets (n_eff, ‖x‖, y) overlaid to show the collapse in c.
REFERENCE_SETS = ((1.0, 1.0, 2.0), (100.0, 0.5, -1.0))


@memo.memoize
def cascade_at(map_: str, n_eff: float, x_norm: float, y: float, levels: int) -> CascadeResult:
    """uvcore.cascade for one map and parameter set (or the reason it failed)."""
    try:
        return CascadeResult(uvcore.cascade(map=map_, n_eff=n_eff, x_norm=x_norm, y=y,
                                            levels=int(levels)))
    except (uvcore.UVInputError, RuntimeError) as exc:
        return CascadeResult(None, str(exc))


def parse_levels(raw: Any) -> tuple[int, str | None]:
    """Levels from the input (default with a note when unusable or out of range)."""
    if raw is None:
        return DEFAULT_LEVELS, None
    v, err = parse_number("levels", raw)
    if err:
        return DEFAULT_LEVELS, f"{err}; using {DEFAULT_LEVELS}"
    lo, hi = LEVELS_RANGE
    if not lo <= v <= hi or v != int(v):
        v2 = int(min(max(round(v), lo), hi))
        return v2, f"levels must be an integer in [{lo}, {hi}]; using {v2}"
    return int(v), None


def _label(n_eff: float, x_norm: float, y: float) -> str:
    return f"n_eff = {n_eff:g}, ‖x‖ = {x_norm:g}, y = {y:g}"


def _cell(v, fmt: str = ".10g") -> str:
    return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else \
        format(v, fmt)


def values_table(eos: uvcore.Cascade | None, uv: uvcore.Cascade | None) -> html.Table | str:
    """Table of the located values (flips, δ_k, c∞, crisis, folds)."""
    ref = eos or uv
    if ref is None:
        return ""
    d_eos = {k + 2: v for k, v in enumerate(eos.delta)} if eos else {}
    d_uv = {k + 2: v for k, v in enumerate(uv.delta)} if uv else {}
    head = html.Tr([html.Th(t) for t in ("k", "period", "c_k", "η_k", "δ_k (EoS map)",
                                         "δ_k (2-D map)", "|δ_k − δ| (EoS)")])
    rows = [head]
    for k, (c, e) in enumerate(zip(ref.c_flip, ref.eta_flip), start=1):
        dk = d_eos.get(k)
        rows.append(html.Tr([html.Td(k), html.Td(f"{2 ** (k - 1)} → {2 ** k}"),
                             html.Td(_cell(c, ".13g")), html.Td(_cell(e)),
                             html.Td(_cell(dk)), html.Td(_cell(d_uv.get(k))),
                             html.Td(_cell(None if dk is None else
                                           abs(dk - fb.FEIGENBAUM_DELTA), ".2e"))]))
    extra = [("c∞ (accumulation)", ref.c_inf, ref.eta_inf),
             ("crisis", ref.c_crisis, ref.eta_crisis)]
    extra += [(f"period-{w.period} fold", w.c_fold, w.eta_fold) for w in ref.windows]
    if uv is not None and uv.c_max_start is not None:
        extra.append(("η_max of the default start (2-D map)", uv.c_max_start,
                      uv.eta_max_start))
    for name, c, e in extra:
        rows.append(html.Tr([html.Td(name, colSpan=2), html.Td(_cell(c, ".13g")),
                             html.Td(_cell(e)), html.Td(""), html.Td(""), html.Td("")]))
    return html.Table(className="universality-table", children=rows)


def update_universality(state: Any, levels: Any, tab: Any = None):
    """(figure, table, message) for the state and the number of levels."""
    try:
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
        refs = []
        for ne, xn, yy in REFERENCE_SETS:
            if (ne, xn, yy) == (p.n_eff, p.x_norm, p.y):
                continue
            r = cascade_at("eos", ne, xn, yy, L)
            if r.cascade is not None:
                refs.append((_label(ne, xn, yy) + ", EoS map", r.cascade))
        if eos.cascade is None and uv.cascade is None:
            return empty_figure("Cascade not located", p.large), "", "; ".join(notes)
        fig = fb.universality_figure(eos.cascade, uv.cascade, refs,
                                     params_label=_label(p.n_eff, p.x_norm, p.y),
                                     large=p.large)
        last = (eos.cascade or uv.cascade)
        notes.append(f"δ_{len(last.delta) + 1} = {last.delta[-1]:.10g} (Feigenbaum: "
                     f"{fb.FEIGENBAUM_DELTA:.10g}); c∞ = {last.c_inf:.10g}, η∞ = "
                     f"{last.eta_inf:.6g}")
        return fig, values_table(eos.cascade, uv.cascade), "; ".join(notes)
    except Exception:  # noqa: BLE001
        log.exception("update_universality failed")
        msg = "Internal error while locating the cascade (logged on the server)."
        return empty_figure(msg), "", msg


# -- layout and registration --------------------------------------------------------------

def make_layout() -> html.Div:
    return html.Div(className="universality-view", children=[
        html.Div(className="view-toolbar", children=[
            html.Label("levels L", htmlFor=ids.UNIVERSALITY_LEVELS, className="toolbar-label"),
            dcc.Input(id=ids.UNIVERSALITY_LEVELS, type="number", value=DEFAULT_LEVELS,
                      min=LEVELS_RANGE[0], max=LEVELS_RANGE[1], step=1, debounce=True,
                      className="control-input", style={"width": "5em"}),
            html.Span(className="hint", children=(
                "Flip points located by continuation (uvcore.cascade) for the current n_eff, "
                "‖x‖, y and two reference sets. In η they differ (η_k = c_k·η_c); in "
                "c = η/η_c they coincide. Click a flip point of the current parameters to "
                "set η there.")),
        ]),
        dcc.Graph(id=ids.UNIVERSALITY_GRAPH, className="graph universality-graph",
                  config=theme.graph_config("universality"),
                  figure={"data": [], "layout": {}}, responsive=True),
        html.Div(id=ids.UNIVERSALITY_MESSAGE, className="message", role="status"),
        html.Div(className="universality-table-wrap",
                 children=html.Div(id=ids.UNIVERSALITY_TABLE)),
    ])




def register_callbacks(app) -> None:
    @app.callback(Output(ids.UNIVERSALITY_GRAPH, "figure"),
                  Output(ids.UNIVERSALITY_TABLE, "children"),
                  Output(ids.UNIVERSALITY_MESSAGE, "children"),
                  Input(ids.STATE, "data"), Input(ids.UNIVERSALITY_LEVELS, "value"),
                  Input(ids.VIEW_TABS, "value"))
    def _universality(state, levels, tab):
        return update_universality(state, levels, tab)

    @app.callback(Output(ids.ETA_INPUT, "value", allow_duplicate=True),
                  Output(ids.UNIVERSALITY_MESSAGE, "children", allow_duplicate=True),
                  Input(ids.UNIVERSALITY_GRAPH, "clickData"), prevent_initial_call=True)
    def _click(click):
        return click_to_eta(click, "customdata")


VIEW = View("Universality", ids.UNIVERSALITY_TAB, make_layout, register_callbacks,
            order=11)
