"""The phase plane's tab: the plane and the selected trajectory's time series."""

from __future__ import annotations

from dash import dcc, html

from ...core import ids, theme
from ...core.layout import help_note
from . import lesson, player

__all__ = ["phase_plane_tab"]


def phase_plane_tab() -> html.Div:
    """The main view: the phase plane and the selected trajectory's time series."""
    return html.Div(className="plane-view", children=[
        dcc.Graph(id=ids.PHASE_PLANE, className="graph plane-graph",
                  config=theme.graph_config("phase-plane"), figure={"data": [], "layout": {}},
                  responsive=True),
        html.Div(className="side", children=[
            html.Div(className="traj-picker", children=[
                html.Label("trajectory", htmlFor=ids.TRAJ_SELECT, className="control-label"),
                dcc.Dropdown(id=ids.TRAJ_SELECT, options=[], value=None, clearable=False,
                             searchable=False, className="traj-select",
                             placeholder="no trajectory"),
                html.Button("Delete", id=ids.TRAJ_DELETE, n_clicks=0, className="btn",
                            title="delete the selected trajectory"),
            ]),
            player.controls(),
            lesson.lesson_card(),
            dcc.Graph(id=ids.TIMESERIES, className="graph ts-graph",
                      config=theme.graph_config("timeseries"),
                      figure={"data": [], "layout": {}}, responsive=True),
            html.Div(className="side-foot", children=[
                html.Div(className="summary", children=[
                    html.Span(id=ids.SUMMARY), " ",
                    html.Span(id=ids.SERIES_RANGE, className="series-range")]),
                help_note("Click the plane to start a trajectory there (at most 8; choose one "
                          "above to select it for the time series, or delete it); drag to "
                          "zoom (the regions and arrows are recomputed for the new window), "
                          "double-click to reset. Tick “Legend” (Layers) for the plane's "
                          "key. The address bar holds the whole state: copy it to share "
                          "this view.", align="right up"),
            ]),
        ]),
    ])
