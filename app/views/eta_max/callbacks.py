"""The η_max map's job: parse the grid, run :func:`.compute.eta_max_map` with
the job's progress, and build the figure and summary.  Never raises."""

from __future__ import annotations

from typing import Any, Callable

from dash import Input, Output, State

import uvcore

from ...core import guard, ids
from ...core.figures import empty_figure
from ...core.state import from_query, parse_number
from ...shell import jobs
from . import compute, figures

__all__ = ["parse_grid", "run_job", "register_callbacks"]

_INTERNAL = "Internal error while computing the η_max map (logged on the server)."


def parse_grid(raw: Any) -> tuple[int | None, str | None]:
    """(grid side, None) for a number in :data:`.compute.GRID_RANGE`, else (None, why)."""
    v, err = parse_number("grid", raw)
    if err:
        return None, err
    lo, hi = compute.GRID_RANGE
    if not lo <= v <= hi:
        return None, f"grid must be between {lo} and {hi}"
    return int(round(v)), None


@guard.guarded((empty_figure(_INTERNAL), _INTERNAL), "eta_max job")
def run_job(set_progress: Callable | None, n_clicks: Any, state: Any,
            grid_raw: Any) -> tuple[dict, str]:
    """The background job: (figure, summary).  Never raises."""
    p = from_query(state).params
    grid, err = parse_grid(grid_raw)
    if err:
        return empty_figure(f"⚠ {err}", p.large), f"⚠ {err}"

    def progress(done: int, total: int) -> None:
        if set_progress is not None:
            set_progress((str(done), str(total)))

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
