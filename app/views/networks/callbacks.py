"""Callbacks of the Real networks view and the plain functions they call.

* :func:`plan` — the line under the controls: what a run would do (the work
  estimate, a cache hit, the same runs from the command line) or why not;
* :func:`run_job` — the background job (:mod:`app.shell.jobs`: the request
  returns at once, a bar shows progress, Cancel stops it): parse, refuse too
  much work, answer from the store of finished runs or run the experiment
  (:func:`app.views.networks.compute.run_experiment`) and store it, draw;
* :func:`app.views.networks.export.download` — the export button.

Each parses, calls the engine or the store, and calls the figures; none
raises, whatever the browser sends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from dash import Input, Output, State

from uvcore import UVInputError

from ...core import ids
from ...core.figures import empty_figure
from ...core.guard import guarded
from ...shell import jobs
from . import figures
from .caps import CONTROLS, EXPERIMENT_LABELS, EXPERIMENTS, NetParams, cli_command, parse_params
from .compute import experiment_time_limit, run_experiment
from .estimate import MAX_WORK, WORK_RATE, charged_work, check_work, estimate_work
from .export import download, export_options
from .store import cache_get, cache_key, cache_put
from .summary import summary

__all__ = ["PROGRESS_EVERY_S", "INTERNAL_ERROR", "plan", "run_job", "register_callbacks"]

#: Seconds between progress reports of a job (each is a write to the job store).
PROGRESS_EVERY_S = 0.25
#: What the user reads when a job fails in a way nobody foresaw (the log has the rest).
INTERNAL_ERROR = "internal error while running the networks (logged on the server)"


def _raw(values) -> dict:
    return {name: v for (name, _), v in zip(CONTROLS, values)}


def _refused(message: str, large: bool) -> tuple:
    return (empty_figure(f"⚠ {message}", large), f"⚠ {message}", "message error",
            None, [], None)


def _reporter(set_progress: Callable | None) -> Callable[[float], None]:
    """A progress callback writing per mille to the bar (and the percentage to its
    label), at most every PROGRESS_EVERY_S (each report is a write to the job
    store) and always at the end."""
    last = [0.0]
    report = jobs.progress_reporter(set_progress, "training the networks")

    def progress(fraction: float) -> None:
        now = time.monotonic()
        if set_progress is not None and (now - last[0] >= PROGRESS_EVERY_S or fraction >= 1.0):
            last[0] = now
            report(round(1000 * min(max(fraction, 0.0), 1.0)), 1000)
    return progress


def _answer(payload: dict, cached: bool, notes: list[str], key: str, large: bool) -> tuple:
    fig = figures.result_figure(payload, large)
    prefix = "Cached result (same parameters): " if cached else "Done: "
    status = prefix + summary(payload) + "".join(f" ({n})" for n in notes)
    options = export_options(payload)
    store = {"key": key, "experiment": payload.get("experiment"),
             "runs": [o["label"] for o in options]}
    return fig, status, "message note", store, options, (0 if options else None)


@guarded(INTERNAL_ERROR, "networks job")
def _job(set_progress, values, large: bool, compute_fn: Callable) -> tuple | str:
    """The job's answer, or the one-line reason it has none."""
    p, notes, err = parse_params(_raw(values))
    err = err or check_work(p)
    if err:
        return err
    key = cache_key(p)
    payload = cache_get(key)
    cached = payload is not None
    if not cached:
        try:
            payload = compute_fn(p, _reporter(set_progress))
        except UVInputError as exc:
            return str(exc)
        except MemoryError:
            return "out of memory: lower the size"
        cache_put(key, payload)
    return _answer(payload, cached, notes, key, large)


def run_job(set_progress: Callable | None, n_clicks: Any, *values: Any,
            large: bool = False, compute_fn: Callable[..., dict] | None = None) -> tuple:
    """The background job: (figure, status, status class, result store, export
    options, export value).

    Parameters
    ----------
    set_progress : Dash's progress setter (None: no bar).
    n_clicks : the Run button's clicks (the job runs on every click).
    values : the controls in :data:`app.views.networks.caps.CONTROLS` order.
    large : large fonts.
    compute_fn : ``compute_fn(params, progress) -> payload``, by default
        :func:`app.views.networks.compute.run_experiment`.

    Never raises; unusable input computes nothing.
    """
    out = _job(set_progress, values, large, compute_fn or run_experiment)
    return _refused(out, large) if isinstance(out, str) else out


def _plan_text(p: NetParams, notes: list[str]) -> str:
    w = estimate_work(p)
    seconds = w / WORK_RATE
    eta = f"≈ {seconds:.0f} s" if seconds >= 1 else "< 1 s"
    head = "" if p.experiment == "single" else EXPERIMENT_LABELS[p.experiment] + " at "
    charged, what = charged_work(p)
    text = (f"{head}{p.describe()}; UV matching: {p.resolved_matching}; estimated {eta} "
            f"({100 * charged / MAX_WORK:.2g} % of this server's limit per {what}).")
    if cache_get(cache_key(p)) is not None:
        text += " Already computed: a run returns the cached result at once."
    text += f" The same runs from the command line: {cli_command(p)}"
    return text + "".join(f" ({n})" for n in notes)


@guarded(("⚠ could not read the parameters", "message error"), "networks plan")
def plan(*values: Any) -> tuple[str, str]:
    """(text, class) of the line under the controls: what a run would do, or why not."""
    p, notes, err = parse_params(_raw(values))
    if err:
        return f"⚠ {err} — nothing will run.", "message error"
    err = check_work(p)
    if err:
        return f"⚠ {err}.", "message error"
    return _plan_text(p, notes), "message note"


def _large(value: Any) -> bool:
    return isinstance(value, list) and "large" in value


def register_callbacks(app) -> None:
    """Attach the view's callbacks (the plan line, the job, the export) to ``app``."""
    control_states = [State(cid, "value") for _, cid in CONTROLS]

    @app.callback(
        Output(ids.NETWORKS_SINGLE_CONTROLS, "style"),
        Output(ids.NETWORKS_EXPERIMENT_CONTROLS, "style"),
        Output(ids.NETWORKS_PLAN, "children"), Output(ids.NETWORKS_PLAN, "className"),
        [Input(cid, "value") for _, cid in CONTROLS])
    def _plan(*values):
        single = values[0] == "single" or values[0] not in EXPERIMENTS
        text, cls = plan(*values)
        return ({} if single else {"display": "none"},
                {"display": "none"} if single else {}, text, cls)

    @app.callback(
        Output(ids.NETWORKS_GRAPH, "figure"), Output(ids.NETWORKS_STATUS, "children"),
        Output(ids.NETWORKS_STATUS, "className"), Output(ids.NETWORKS_RESULT, "data"),
        Output(ids.NETWORKS_EXPORT_RUN, "options"), Output(ids.NETWORKS_EXPORT_RUN, "value"),
        Input(ids.NETWORKS_RUN, "n_clicks"), *control_states, State(ids.LARGE_FONT, "value"),
        prevent_initial_call=True,
        **jobs.job_controls(start=ids.NETWORKS_RUN, cancel=ids.NETWORKS_CANCEL,
                            progress=ids.NETWORKS_PROGRESS,
                            failure=(ids.NETWORKS_STATUS, "children")),
    )
    @jobs.time_limit(experiment_time_limit())    # on Celery its cells have JOB_TIME_LIMIT each
    def _networks_job(set_progress, n_clicks, *values):
        *controls, large = values
        return run_job(set_progress, n_clicks, *controls, large=_large(large))

    @app.callback(
        Output(ids.NETWORKS_DOWNLOAD, "data"), Output(ids.NETWORKS_EXPORT_STATUS, "children"),
        Output(ids.NETWORKS_EXPORT_STATUS, "className"),
        Input(ids.NETWORKS_DOWNLOAD_CSV, "n_clicks"),
        State(ids.NETWORKS_RESULT, "data"), State(ids.NETWORKS_EXPORT_RUN, "value"),
        prevent_initial_call=True)
    def _export(n_clicks, store, which):
        return download(store, which)
