"""The fate map's callbacks and the plain functions they call.

:func:`fate_view` draws the interactive map, :func:`fate_click` asks the
phase plane to start a trajectory at the clicked cell (an intent: the plane
refuses forbidden starts and says why), :func:`fate_download` sends the CSV
of the map shown and :func:`run_fine_job` is the body of the fine-map job.
Each parses, calls :mod:`.compute` and :mod:`.figures`, and never raises.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from dash import Input, Output, State, no_update
from plotly.io.json import to_json_plotly

import uvcore

from ...core import compute as shared
from ...core import guard, ids, intents
from ...core.figures import empty_figure
from ...core.events import point_from_click
from ...core.state import ViewParams, from_query, parse_number, to_query
from ...shell import jobs
from . import compute, figures

__all__ = ["parse_steps", "fate_view", "fate_click", "fate_download", "run_fine_job",
           "register_callbacks"]

_NOTHING = {"figure": no_update, "status": no_update, "shown": no_update}


def parse_steps(raw: Any) -> tuple[int | None, str | None]:
    """(steps, None) for one of :data:`compute.STEPS_OPTIONS`, else (None, message)."""
    v, err = parse_number("fate-map steps", raw)
    if err:
        return None, err
    if int(v) != v or int(v) not in compute.STEPS_OPTIONS:
        return None, ("fate-map steps must be one of "
                      f"{', '.join(map(str, compute.STEPS_OPTIONS))}")
    return int(v), None


def _trajectories(p: ViewParams) -> list:
    return [(t.start, t.traj) for t in
            (shared.trajectory(*p.map_key, d0, l0, p.steps) for d0, l0 in
             shared.resolved_starts(p))]


def _figure(fm: uvcore.FateMap, p: ViewParams, steps: int) -> tuple[dict, str]:
    fig = figures.fate_figure(fm, compute.window(p), steps=steps, chaos_tol=uvcore.CHAOS_TOL,
                              trajectories=_trajectories(p), large=p.large)
    cat = figures.fate_categories(fm.period, fm.lyapunov, uvcore.CHAOS_TOL)
    return fig, figures.fate_summary(cat, fm.df.size, steps)


@guard.guarded(
    {**_NOTHING, "status": "Internal error while computing the fate map (logged on the "
                           "server)."}, "fate map")
def fate_view(state: Any, steps_raw: Any, tab: Any = ids.FATE_TAB, shown: Any = None) -> dict:
    """The interactive map: outputs ``figure``, ``status``, ``shown``.  Never raises.

    Nothing is computed (or sent) while another tab is open, nor when a map
    of the same state and steps is already shown (e.g. the fine map, or on
    coming back to the tab).
    """
    if tab != ids.FATE_TAB:
        return _NOTHING
    p = from_query(state).params
    steps, err = parse_steps(steps_raw)
    if err:
        return {**_NOTHING, "status": "⚠ " + err}
    query = to_query(p)
    if shown in ({"state": query, "grid": g, "steps": steps}
                 for g in (compute.GRID, compute.FINE_GRID)):
        return _NOTHING
    try:
        fm = compute.fate_grid(*p.map_key, compute.window(p), compute.GRID, steps)
        fig, text = _figure(fm, p, steps)
    except uvcore.UVInputError as exc:
        return {**_NOTHING, "status": f"⚠ {exc}"}
    return {"figure": fig, "status": text,
            "shown": {"state": query, "grid": compute.GRID, "steps": steps}}


@guard.guarded({"intent": no_update, "status": "Internal error (logged on the server)."},
               "fate click")
def fate_click(click: Any) -> dict:
    """A click on the map: outputs ``intent`` and ``status``.  Never raises.

    A readable click becomes the intent "start a trajectory here"
    (:func:`app.core.intents.add_start`); the phase plane applies it like a
    click of its own, so a start in the forbidden region is refused there,
    with its message.  The status line is left alone: the map is redrawn
    with the new trajectory once the plane has added it.
    """
    point, err = point_from_click(click)
    if err:
        return {"intent": no_update, "status": "⚠ " + err}
    return {"intent": intents.add_start(*point), "status": no_update}


def _shown_map(shown: Any) -> tuple[uvcore.FateMap, int] | None:
    """The map a ``fate-shown`` store describes (recomputed, memoized), or None."""
    if not isinstance(shown, dict) or shown.get("grid") not in (compute.GRID,
                                                                compute.FINE_GRID):
        return None
    steps, err = parse_steps(shown.get("steps"))
    if err:
        return None
    p = from_query(shown.get("state")).params
    return compute.fate_grid(*p.map_key, compute.window(p), int(shown["grid"]), steps), steps


@guard.guarded(no_update, "fate-map CSV")
def fate_download(n_clicks: Any, shown: Any):
    """dcc.Download data: the CSV of the map shown (no_update if there is none)."""
    if not guard.clicked(n_clicks):
        return no_update
    got = _shown_map(shown)
    if got is None:
        return no_update
    fm, steps = got
    return {"content": figures.fate_csv(fm, steps=steps, chaos_tol=uvcore.CHAOS_TOL),
            "filename": "fate-map.csv", "type": "text/csv", "base64": False}


def _failed(message: str) -> tuple:
    return empty_figure(message), message, None


@guard.guarded(_failed("Internal error while computing the fine fate map (logged on the "
                       "server)."), "fine fate map")
def run_fine_job(set_progress: Callable | None, n_clicks: Any, state: Any,
                 steps_raw: Any) -> tuple:
    """The background job: (figure, status, shown), all JSON.  Never raises.

    On a problem the map is replaced by the message (a job's answer is stored
    as JSON by Celery, so no ``no_update``) and ``shown`` by None.
    """
    p = from_query(state).params
    steps, err = parse_steps(steps_raw)
    if err:
        return _failed("⚠ " + err)

    progress = jobs.progress_reporter(
        set_progress, f"fine map, {compute.FINE_GRID}×{compute.FINE_GRID} starts")
    try:
        fm = compute.fine_map(p, steps, progress)
        fig, text = _figure(fm, p, steps)
    except uvcore.UVInputError as exc:
        return _failed(f"⚠ {exc}")
    return (json.loads(to_json_plotly(fig)), text,
            {"state": to_query(p), "grid": compute.FINE_GRID, "steps": steps})


def register_callbacks(app) -> None:
    """Attach the fate map's callbacks to ``app``."""
    @app.callback(
        output={"figure": Output(ids.FATE_MAP, "figure"),
                "status": Output(ids.FATE_STATUS, "children"),
                "shown": Output(ids.FATE_SHOWN, "data")},
        inputs={"state": Input(ids.state_for(ids.FATE_TAB), "data"),
                "steps": Input(ids.FATE_STEPS, "value"),
                "tab": Input(ids.VIEW_TABS, "value"), "shown": State(ids.FATE_SHOWN, "data")})
    def _fate(state, steps, tab, shown):
        return fate_view(state, steps, tab, shown)

    @app.callback(
        output={"intent": Output(*intents.TARGET, allow_duplicate=True),
                "status": Output(ids.FATE_STATUS, "children", allow_duplicate=True)},
        inputs={"click": Input(ids.FATE_MAP, "clickData")},
        prevent_initial_call=True)
    def _click(click):
        return fate_click(click)

    @app.callback(Output(ids.FATE_DOWNLOAD, "data"), Input(ids.FATE_DOWNLOAD_CSV, "n_clicks"),
                  State(ids.FATE_SHOWN, "data"), prevent_initial_call=True)
    def _download(n_clicks, shown):
        return fate_download(n_clicks, shown)

    @app.callback(
        Output(ids.FATE_MAP, "figure", allow_duplicate=True),
        Output(ids.FATE_STATUS, "children", allow_duplicate=True),
        Output(ids.FATE_SHOWN, "data", allow_duplicate=True),
        Input(ids.FATE_FINE, "n_clicks"),
        State(ids.STATE, "data"), State(ids.FATE_STEPS, "value"),
        prevent_initial_call=True,
        **jobs.job_controls(start=ids.FATE_FINE, cancel=ids.FATE_FINE_CANCEL,
                            progress=ids.FATE_FINE_PROGRESS,
                            failure=(ids.FATE_STATUS, "children")),
    )
    def _fine(set_progress, n_clicks, state, steps):
        return run_fine_job(set_progress, n_clicks, state, steps)
