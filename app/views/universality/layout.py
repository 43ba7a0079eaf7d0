"""Components of the Universality view: the levels input, the panel, the
message line and the table of located values (:func:`values_table`)."""

from __future__ import annotations

import math

from dash import dcc, html

import uvcore
from uvcore.continuation import FEIGENBAUM_DELTA

from ...core import ids, theme
from ...core.layout import help_note

__all__ = ["LEVELS_RANGE", "DEFAULT_LEVELS", "values_table", "make_layout"]

#: Cascade levels L (input ``universality-levels``): range and default.
LEVELS_RANGE = (3, 12)
DEFAULT_LEVELS = 8


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
                                           abs(dk - FEIGENBAUM_DELTA), ".2e"))]))
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


def make_layout() -> html.Div:
    """The view's components (ids from :mod:`app.core.ids`)."""
    return html.Div(className="universality-view", children=[
        html.Div(className="view-toolbar", children=[
            html.Label("levels L", htmlFor=ids.UNIVERSALITY_LEVELS, className="toolbar-label"),
            # no min/max/step: the browser would send an out-of-range or fractional
            # value as empty; the server says what is wrong instead
            dcc.Input(id=ids.UNIVERSALITY_LEVELS, type="number", value=DEFAULT_LEVELS,
                      debounce=True, className="control-input", style={"width": "5em"},
                      placeholder=f"{LEVELS_RANGE[0]}–{LEVELS_RANGE[1]}"),
            # the table of located values folds away: opened, it floats over the panel
            html.Details(className="help help-right table-note", children=[
                html.Summary("table of values"),
                html.Div(className="help-text scroll-region",
                         children=html.Div(id=ids.UNIVERSALITY_TABLE))]),
            help_note(
                "Flip points located by continuation (uvcore.cascade) for the current n_eff, "
                "‖x‖, y and two reference sets. In η they differ (η_k = c_k·η_c); in "
                "c = η/η_c they coincide. Click a flip point of the current parameters to "
                "set η there.", align="right"),
        ]),
        dcc.Graph(id=ids.UNIVERSALITY_GRAPH, className="graph universality-graph",
                  config=theme.graph_config("universality"),
                  figure={"data": [], "layout": {}}, responsive=True),
        html.Div(id=ids.UNIVERSALITY_MESSAGE, className="message", role="status"),
    ])
