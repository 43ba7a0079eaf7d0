"""Components of the Bifurcation view: the toolbar (quantity, EoS start,
guides, fine diagram, CSV), the orbit diagram beside the cobweb, the message
line and the view's stores."""

from __future__ import annotations

from dash import dcc, html

from ...core import ids, theme
from ...shell import jobs
from ...core.layout import help_note
from .compute import FINE_NUM, FINE_TRANSIENT, NUM

__all__ = ["HINT", "make_layout"]

HINT = ("Click a point, a cell of the outcome strip or a guide to set η there. Drag to zoom in "
        f"η: the diagram is recomputed with {NUM} η values in the new window; double-click to "
        "reset. Shaded: diverged. Guides (from uvcore.cascade, in c = η/η_c, rescaled): flip "
        "points c₁ … c₈, their accumulation c∞, the crisis, the period-3 folds.")


def _toolbar() -> html.Div:
    return html.Div(className="view-toolbar", children=[
        html.Span("show", className="toolbar-label show-label"),
        dcc.RadioItems(id=ids.BIFURCATION_QUANTITY, value="lam", inline=True,
                       className="toggle",
                       options=[{"label": "λ", "value": "lam"},
                                {"label": "ηλ", "value": "eta-lam"}]),
        html.Span("EoS from", className="toolbar-label", title="the EoS map's start"),
        dcc.RadioItems(id=ids.BIFURCATION_EOS_START, value="half-c", inline=True,
                       className="toggle",
                       options=[{"label": "z₀ = c/2", "value": "half-c"},
                                {"label": "z₀ = ηλ₀/2", "value": "start",
                                 "title": "the selected start's edge projection"}]),
        dcc.Checklist(id=ids.BIFURCATION_GUIDES, value=["guides"], className="toggle",
                      options=[{"label": "guides", "value": "guides",
                                "title": "route-to-chaos guides"}]),
        html.Button("Fine diagram", id=ids.BIFURCATION_FINE, n_clicks=0, className="btn",
                    title=f"{FINE_NUM} η values, transient {FINE_TRANSIENT} steps, in "
                          "the background"),
        html.Button("Cancel", id=ids.BIFURCATION_FINE_CANCEL, n_clicks=0, className="btn",
                    disabled=True),
        jobs.progress_bar(ids.BIFURCATION_FINE_PROGRESS),
        html.Button("Download CSV", id=ids.BIFURCATION_DOWNLOAD_CSV, n_clicks=0,
                    className="btn", title="η, c, period, exponent and the λ values of "
                                           "both maps in the current window"),
        dcc.Download(id=ids.BIFURCATION_DOWNLOAD),
        help_note(HINT, align="right"),
    ])


def make_layout() -> html.Div:
    """The view's components (ids from :mod:`app.core.ids`)."""
    return html.Div(className="bifurcation-view", children=[
        _toolbar(),
        html.Div(className="bifurcation-graphs", children=[
            dcc.Graph(id=ids.BIFURCATION_GRAPH, className="graph bifurcation-graph",
                      config=theme.graph_config("bifurcation"),
                      figure={"data": [], "layout": {}}, responsive=True),
            dcc.Graph(id=ids.BIFURCATION_COBWEB, className="graph cobweb-graph",
                      config=theme.graph_config("cobweb"),
                      figure={"data": [], "layout": {}}, responsive=True),
        ]),
        html.Div(id=ids.BIFURCATION_MESSAGE, className="message", role="status"),
        dcc.Store(id=ids.BIFURCATION_WINDOW),
        dcc.Store(id=ids.BIFURCATION_ZOOM),
        dcc.Store(id=ids.BIFURCATION_CLICK),
    ])
