"""The fate map's tab: steps, the fine-map job's buttons and bar, the map, CSV."""

from __future__ import annotations

from dash import dcc, html

from ...core import ids, theme
from ...shell import jobs
from ...core.figures import empty_figure
from ...core.layout import help_note
from .compute import DEFAULT_STEPS, FINE_GRID, STEPS_OPTIONS

__all__ = ["make_layout"]


def make_layout() -> html.Div:
    """The components of the "Fate map" tab."""
    return html.Div(className="fate-view", children=[
        html.Div(className="fate-toolbar", children=[
            html.Label("steps per start", htmlFor=ids.FATE_STEPS, className="toolbar-label"),
            dcc.RadioItems(id=ids.FATE_STEPS, value=DEFAULT_STEPS, inline=True,
                           className="toggle",
                           options=[{"label": f"{s:,}".replace(",", " "), "value": s}
                                    for s in STEPS_OPTIONS]),
            html.Button(f"Fine map ({FINE_GRID}×{FINE_GRID})", id=ids.FATE_FINE,
                        n_clicks=0, className="btn",
                        title="compute a finer map in the background"),
            html.Button("Cancel", id=ids.FATE_FINE_CANCEL, n_clicks=0, className="btn",
                        disabled=True),
            jobs.progress_bar(ids.FATE_FINE_PROGRESS),
            html.Button("Download CSV", id=ids.FATE_DOWNLOAD_CSV, n_clicks=0, className="btn",
                        title="the fate map shown: one row per start"),
            help_note(
                "Each cell is a start (Δf₀, λ₀) of the phase plane's current window, run for "
                "the chosen number of steps at the current η: where does training end up? "
                "Click a cell to start a trajectory there; zoom on the phase plane to zoom "
                "here.", align="right"),
        ]),
        dcc.Graph(id=ids.FATE_MAP, className="graph fate-graph",
                  config=theme.graph_config("fate-map"), responsive=True,
                  figure=empty_figure("Computing the fate map…")),
        html.Div(id=ids.FATE_STATUS, className="summary", role="status",
                 **{"aria-live": "polite"}),
        dcc.Store(id=ids.FATE_SHOWN),
        dcc.Download(id=ids.FATE_DOWNLOAD),
    ])
