"""The trajectory player: play / pause / step / reset through the selected
trajectory on the phase plane, with a fading tail, a speed control and the
time series' cursor following along.

Only the states travel: :func:`player_data` sends the selected trajectory's
(Δf, λ) once per state change (the time series' state
:data:`ids.TIMESERIES_STATE`: not while a slider is being dragged) to the
store :data:`ids.PLAYER_DATA`; from then
on ``app/assets/player.js`` (namespace ``player``) animates in the browser with
``requestAnimationFrame``, moving a few SVG elements of an overlay laid over
each graph's plot area and placed with the graph's own axes — no request, no
Plotly call and no re-render per frame:

* ``circle.player-marker`` — the current state on the plane;
* ``circle.player-tail`` / ``line.player-tail`` — the :data:`TAIL` states
  before it, fading out (opacity falls linearly with age);
* ``line.player-cursor`` — a vertical line at the current step across both
  panels of the time series.

Each carries ``data-step`` (the marker and tail also ``data-df``,
``data-lam``).  (Not ``Plotly.relayout`` of layout shapes: dcc.Graph
writes relayouted shapes back into its figure, and that re-renders the whole
plane, 150–270 ms a frame.)  The overlay is placed again after every redraw of
a graph (zoom, pan, resize, a new figure).  A new selected trajectory (another
start, η, steps …) stops the player and hides it; the same trajectory (a
zoom, a layer toggled) keeps the step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from dash import ClientsideFunction, Input, Output, dcc, html

from ...core import ids, theme
from ...core.figures import sig_round
from ...core.guard import guarded
from ...core.state import from_query
from . import compute

__all__ = ["TAIL", "SPEEDS", "DEFAULT_SPEED", "DIGITS", "controls", "player_data",
           "register_callbacks"]

#: States of the fading tail drawn behind the current one.
TAIL = 15
#: Speeds offered (states per second) and the default.  Up to 60 states/s every
#: state is drawn (a browser that cannot keep up plays slower: a skipped state
#: could hide a period-2 orbit); faster, the player keeps time by skipping.
SPEEDS = (1, 2, 5, 10, 25, 50, 100, 250)
DEFAULT_SPEED = 10
#: Significant digits of the states sent to the browser (the plane draws 6).
DIGITS = 8


def _button(label: str, component_id: str, title: str) -> html.Button:
    return html.Button(label, id=component_id, n_clicks=0, title=title,
                       className="btn player-btn", **{"aria-label": title})


def controls() -> html.Div:
    """The player's row: four buttons, the speed and the step read-out."""
    return html.Div(id=ids.PLAYER_CONTROLS, className="player-row", role="group",
                    **{"aria-label": "trajectory player"}, children=[
        _button("▶", ids.PLAYER_PLAY, "play the selected trajectory (space on the plane)"),
        _button("❚❚", ids.PLAYER_PAUSE, "pause"),
        _button("+1", ids.PLAYER_STEP, "one step further"),
        _button("⟲", ids.PLAYER_RESET, "back to the start"),
        dcc.Dropdown(id=ids.PLAYER_SPEED, value=DEFAULT_SPEED, clearable=False,
                     searchable=False, className="player-speed",
                     options=[{"label": f"{s}/s", "value": s} for s in SPEEDS]),
        html.Span(id=ids.PLAYER_READOUT, className="player-readout", title="player step",
                  **{"aria-live": "off"}),
        dcc.Store(id=ids.PLAYER_DATA),
    ])


@guarded(None, "player_data")
def player_data(state: Any) -> dict | None:
    """The store's value for a state: the selected trajectory's states.

    Returns None when the state has no computed trajectory.  ``key`` names
    the trajectory (map parameters, start, steps), so the browser can tell a
    new trajectory from a redraw of the same one.  Never raises.
    """
    p = from_query(state).params
    res = compute.selected_trajectory(p)
    if res is None or res.traj is None:
        return None
    df = np.asarray(res.traj.df, dtype=float)
    lam = np.asarray(res.traj.lam, dtype=float)
    ok = np.isfinite(df) & np.isfinite(lam)
    n = int(np.argmin(ok)) if not ok.all() else df.size   # up to the last finite state
    if n == 0:
        return None
    index = len(compute.resolved_starts(p)) - 1
    key = "|".join(f"{v:.10g}" for v in (*p.map_key, *res.start, p.steps))
    return {"key": key, "df": sig_round(df[:n], DIGITS).tolist(),
            "lam": sig_round(lam[:n], DIGITS).tolist(),
            "color": theme.TRAJECTORY_COLORS[index % len(theme.TRAJECTORY_COLORS)],
            "label": f"trajectory {index + 1}", "tail": TAIL}


def register_callbacks(app) -> None:
    """The store's server callback and the clientside player."""

    # the time series' state: written except while a slider is dragged, so the
    # player follows the trajectory the time series shows and never delays
    # the plane's live repaints
    @app.callback(Output(ids.PLAYER_DATA, "data"), Input(ids.TIMESERIES_STATE, "data"))
    def _player_data(state):
        return player_data(state)

    app.clientside_callback(
        ClientsideFunction("player", "control"),
        Output(ids.PLAYER_READOUT, "className"),
        Input(ids.PLAYER_PLAY, "n_clicks"), Input(ids.PLAYER_PAUSE, "n_clicks"),
        Input(ids.PLAYER_STEP, "n_clicks"), Input(ids.PLAYER_RESET, "n_clicks"),
        Input(ids.PLAYER_SPEED, "value"), Input(ids.PLAYER_DATA, "data"),
        prevent_initial_call=True)
    # a new figure replaces a graph's layout (and the player's shapes in it)
    app.clientside_callback(
        ClientsideFunction("player", "redraw"),
        Output(ids.PLAYER_CONTROLS, "className"),
        Input(ids.PHASE_PLANE, "figure"), Input(ids.TIMESERIES, "figure"),
        prevent_initial_call=True)
