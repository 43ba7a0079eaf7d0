"""The η_max map's job: parse the grid, run :func:`.compute.eta_max_map` with
the job's progress, and build the figure and summary.  Never raises."""

from __future__ import annotations

from typing import Any, Callable

from dash import Input, Output, State, no_update

import uvcore

from ...core import guard, ids
from ...core.figures import empty_figure
from ...core.state import from_query, parse_in_range
from ...shell import jobs
from . import compute, figures

__all__ = ["parse_grid", "check_grid", "run_job", "register_callbacks"]

_INTERNAL = "Internal error while computing the η_max map (logged on the server)."


def parse_grid(raw: Any) -> tuple[int | None, str | None]:
    """(grid side, None) for an integer in :data:`.compute.GRID_RANGE`, else
    (None, what is wrong and what is allowed)."""
    v, err = parse_in_range("grid", raw, *compute.GRID_RANGE, integer=True)
    if err:
        return None, err
    return int(v), None


@guard.guarded(no_update, "eta_max grid check")
def check_grid(raw: Any, summary: Any) -> Any:
    """The summary line while the grid is being typed: what is wrong with it at
    once; a fixed grid clears only such a message (never a job's summary)."""
    _, err = parse_grid(raw)
    if err:
        return f"⚠ {err}"
    if isinstance(summary, str) and summary.startswith("⚠ grid"):
        return ""
    return no_update


@guard.guarded((empty_figure(_INTERNAL), _INTERNAL), "eta_max job")
def run_job(set_progress: Callable | None, n_clicks: Any, state: Any,
            grid_raw: Any) -> tuple[dict, str]:
    """The background job: (figure, summary).  Never raises."""
    p = from_query(state).params
    grid, err = parse_grid(grid_raw)
    if err:
        return empty_figure(f"⚠ {err}", p.large), f"⚠ {err}"

    progress = jobs.progress_reporter(set_progress, f"η_max of {grid}×{grid} starts")
    try:
        m = compute.eta_max_map(p, grid, progress)
    except uvcore.UVInputError as exc:
        return empty_figure(f"⚠ {exc}"), f"⚠ {exc}"
    return figures.map_figure(m, p), figures.summary(m, p)


def register_callbacks(app) -> None:
    """Attach the η_max job to ``app``."""
    @app.callback(
        Output(ids.ETA_MAX_GRAPH, "figure"), Output(ids.ETA_MAX_SUMMARY, "children"),
        Input(ids.ETA_MAX_RUN, "n_clicks"),
        State(ids.STATE, "data"), State(ids.ETA_MAX_GRID, "value"),
        prevent_initial_call=True,
        **jobs.job_controls(start=ids.ETA_MAX_RUN, cancel=ids.ETA_MAX_CANCEL,
                            progress=ids.ETA_MAX_PROGRESS,
                            failure=(ids.ETA_MAX_SUMMARY, "children")),
    )
    def _eta_max_job(set_progress, n_clicks, state, grid_raw):
        return run_job(set_progress, n_clicks, state, grid_raw)

    @app.callback(Output(ids.ETA_MAX_SUMMARY, "children", allow_duplicate=True),
                  Input(ids.ETA_MAX_GRID, "value"), State(ids.ETA_MAX_SUMMARY, "children"),
                  prevent_initial_call=True)
    def _check_grid(grid_raw, summary):
        return check_grid(grid_raw, summary)
