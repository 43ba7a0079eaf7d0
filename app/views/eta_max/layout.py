"""The η_max map's tab: grid, Compute / Cancel, the job's bar, the map."""

from __future__ import annotations

from dash import dcc, html

from ...core import ids, theme
from ...shell import jobs
from ...core.figures import empty_figure
from ...core.layout import help_note
from .compute import DEFAULT_GRID, GRID_RANGE

__all__ = ["make_layout"]


def make_layout() -> html.Div:
    """The components of the "η_max map" tab."""
    return html.Div(className="eta-max-view", children=[
        # one toolbar line: a narrow grid input, the job's buttons and its bar
        html.Div(className="view-toolbar", children=[
            html.Label("grid", htmlFor=ids.ETA_MAX_GRID, className="toolbar-label"),
            # no min/max/step: the browser would send an out-of-range or fractional
            # value as empty; the server says what is wrong instead
            dcc.Input(id=ids.ETA_MAX_GRID, type="number", value=DEFAULT_GRID, debounce=True,
                      className="control-input toolbar-number",
                      placeholder=f"{GRID_RANGE[0]}–{GRID_RANGE[1]}"),
            html.Button("Compute η_max map", id=ids.ETA_MAX_RUN, n_clicks=0, className="btn"),
            html.Button("Cancel", id=ids.ETA_MAX_CANCEL, n_clicks=0, className="btn",
                        disabled=True),
            jobs.progress_bar(ids.ETA_MAX_PROGRESS),
            help_note(
                "η_max is the largest learning rate whose orbit from a start (Δf₀, λ₀) "
                "survives the chosen number of steps. The edge of stability needs "
                "η_max > η_c (dashed contour). The map covers the phase plane's current "
                "window; it runs in the background and can be cancelled.", align="right"),
        ]),
        dcc.Graph(id=ids.ETA_MAX_GRAPH, className="graph eta-max-graph",
                  config=theme.graph_config("eta-max-map"), responsive=True,
                  figure=empty_figure("Press “Compute η_max map”.")),
        html.Div(id=ids.ETA_MAX_SUMMARY, className="summary", role="status"),
    ])
