"""Background jobs: the Dash ``background_callback_manager`` of the dashboard.

Long computations run as Dash *background callbacks*: the request that
starts one returns at once, the browser polls for progress and the result,
and a cancel button can stop it.  Which manager runs them:

* **Celery + Redis** when ``CELERY_BROKER_URL`` is set (result backend
  ``CELERY_RESULT_BACKEND``, default: the broker).  Jobs run on Celery
  workers, on this machine or others: ``celery -A app.celery_app worker``.
* **diskcache** otherwise: each job runs in a subprocess of the web worker
  that received it, and its progress and result go to a diskcache in
  ``JOBS_DIR`` (default ``$XDG_CACHE_HOME/sharpness-lab/jobs``, mode 0700).
  Every gunicorn worker on the machine uses the same directory, so the poll
  that fetches the result may reach any worker.

Writing a background callback (in a view's ``register_callbacks(app)``)::

    from dash import Input, Output, State
    from app.shell import jobs

    @app.callback(Output("my-result", "children"),
                  Input("my-start", "n_clicks"), State(ids.STATE, "data"),
                  prevent_initial_call=True,
                  **jobs.background_kwargs(
                      progress=[Output("my-progress", "value"),
                                Output("my-progress", "max")],
                      cancel=[Input("my-cancel", "n_clicks")],
                      running=[(Output("my-start", "disabled"), True, False),
                               (Output("my-cancel", "disabled"), False, True)]))
    def _job(set_progress, n_clicks, state):
        ...                       # set_progress((done, total)) now and then
        return result             # JSON-serializable (Celery stores JSON)

Rules: the function's arguments and return value must be JSON-serializable
(Celery's result backend stores JSON); it must catch its own errors and
return a message (a raised exception would reach the browser as a failed
request); it runs in another process, so it may not rely on state set in the
web worker after start-up (the memo cache in :mod:`app.compute` is fine:
it is shared through its backend).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from dash import Input, Output, html, set_props

from .config import ConfigError, cache_root, env_int, env_str, private_dir, redact_url

__all__ = ["make_manager", "jobs_dir", "background_kwargs", "job_controls", "time_limit",
           "failure_reporter",
           "problem", "progress_bar", "progress_label_id", "progress_text", "progress_reporter",
           "uses_celery", "JOB_POLL_MS", "JOBS_SIZE_LIMIT"]

log = logging.getLogger(__name__)

#: Milliseconds between the browser's polls of a running job.
JOB_POLL_MS = 500
#: Largest size (bytes) of the diskcache job store; old entries are evicted.
JOBS_SIZE_LIMIT = 256 * 2**20

_lock = threading.Lock()
_disk_managers: dict[str, object] = {}


def uses_celery() -> bool:
    """True when background jobs go to Celery (``CELERY_BROKER_URL`` is set)."""
    return env_str("CELERY_BROKER_URL") is not None


def jobs_dir() -> Path:
    """The diskcache job directory (``JOBS_DIR``), created with mode 0700."""
    return private_dir(env_str("JOBS_DIR") or cache_root() / "jobs", "JOBS_DIR")


def make_manager():
    """The background-callback manager for this process (see the module docstring).

    One diskcache manager per directory and process, so repeated
    ``create_app()`` calls share it.
    """
    if uses_celery():
        from .celery_conf import get_celery  # noqa: PLC0415
        from .celery_manager import LabCeleryManager  # noqa: PLC0415
        log.info("background jobs: Celery (broker %s)", redact_url(env_str("CELERY_BROKER_URL")))
        return LabCeleryManager(get_celery())

    import diskcache  # noqa: PLC0415

    from .job_manager import LabDiskcacheManager  # noqa: PLC0415

    directory = str(jobs_dir())
    with _lock:
        manager = _disk_managers.get(directory)
        if manager is None:
            size = env_int("JOBS_SIZE_LIMIT", JOBS_SIZE_LIMIT, lo=2**20)
            try:
                store = diskcache.Cache(directory, size_limit=size)
            except Exception as err:  # noqa: BLE001  (sqlite3.OperationalError, OSError)
                raise ConfigError(f"JOBS_DIR {directory}: cannot open the job store: {err}") \
                    from None
            manager = LabDiskcacheManager(store)
            _disk_managers[directory] = manager
            log.info("background jobs: diskcache in %s", directory)
    return manager


def background_kwargs(*, progress=None, progress_default=None, cancel=None, running=None,
                      failure=None, interval: int = JOB_POLL_MS) -> dict:
    """Keyword arguments that make ``@app.callback(...)`` a background job.

    ``progress``: Outputs set by the job's first argument ``set_progress``;
    ``cancel``: Inputs whose change stops the job; ``running``: (Output,
    value while running, value after) triples; ``failure``: the (id,
    property) where a failed or lost job says why (its ``on_error``; see
    :mod:`app.shell.job_manager`).  The manager is the app's.
    """
    kwargs: dict = {"background": True, "interval": int(interval)}
    if progress is not None:
        kwargs["progress"] = progress
    if progress_default is not None:
        kwargs["progress_default"] = progress_default
    if cancel is not None:
        kwargs["cancel"] = cancel
    if running is not None:
        kwargs["running"] = running
    if failure is not None:
        from .job_manager import register_message_target  # noqa: PLC0415
        register_message_target(*failure)
        kwargs["on_error"] = failure_reporter(*failure)
    return kwargs


def progress_label_id(progress: str) -> str:
    """Id of the label beside the progress bar ``progress`` (:func:`progress_bar`)."""
    return f"{progress}-label"


def progress_bar(progress: str, max_value: str = "1", class_name: str = "job-progress"):
    """A job's progress bar (id ``progress``) and its label, which says what the
    job does and how far it got (``what: 40 %``; :func:`progress_reporter`)."""
    return html.Span(className="job-progress-wrap", children=[
        html.Progress(id=progress, value="0", max=max_value, className=class_name),
        html.Span(id=progress_label_id(progress), className="job-progress-label",
                  role="status", **{"aria-live": "polite"}),
    ])


def progress_text(what: str, done: float, total: float) -> str:
    """``what: 40 %`` — whole percent, rounded down, so 100 % means finished."""
    frac = done / total if total > 0 else 0.0
    frac = min(max(frac, 0.0), 1.0) if frac == frac else 0.0
    return f"{what}: {int(100 * frac + 1e-9)} %"


def progress_reporter(set_progress, what: str):
    """``report(done, total)`` for a :func:`job_controls` job: the bar's value and
    max and the label's text through Dash's ``set_progress`` (None: no bar)."""
    def report(done: float, total: float) -> None:
        if set_progress is not None:
            set_progress((str(done), str(total), progress_text(what, done, total)))
    return report


def job_controls(*, start: str, cancel: str, progress: str, failure: tuple) -> dict:
    """:func:`background_kwargs` of a job with the usual controls: the button
    ``start`` runs it and is disabled meanwhile, ``cancel`` stops it and is
    enabled meanwhile, the progress bar ``progress`` and its label
    (:func:`progress_bar`) get (value, max, text) from ``set_progress``
    (:func:`progress_reporter`), and ``failure`` (id, property) says why it failed."""
    return background_kwargs(
        progress=[Output(progress, "value"), Output(progress, "max"),
                  Output(progress_label_id(progress), "children")],
        cancel=[Input(cancel, "n_clicks")],
        running=[(Output(start, "disabled"), True, False),
                 (Output(cancel, "disabled"), False, True)],
        failure=failure)


def time_limit(seconds: float | None):
    """Decorator, placed under ``@app.callback(...)``: this background job's hard
    limit on a Celery worker is ``seconds`` instead of ``JOB_TIME_LIMIT`` (None:
    unchanged), e.g. for a job that only waits for tasks of its own, each of
    which has ``JOB_TIME_LIMIT``.  No effect on the diskcache path."""
    def mark(fn):
        fn.job_time_limit = seconds
        return fn
    return mark


def failure_reporter(component_id: str, prop: str = "children"):
    """An ``on_error`` handler that writes the job's failure into one component."""
    def _report(exc: Exception):
        message = str(exc).split("\n", 1)[0]
        message = message.removeprefix("An error occurred inside a background callback: ")
        log.warning("background job failed: %s", message)
        refused = message.startswith("refused: ")
        text = f"Job refused: {message[9:]}" if refused else f"Job failed: {message}"
        set_props(component_id, {prop: text})
        return None                           # the other outputs keep their values
    return _report


def status(manager) -> dict | None:
    """Jobs running and waiting now, and the caps, for ``/healthz`` (None when
    no cap applies or the count cannot be read)."""
    queue = getattr(manager, "queue", None)
    if queue is None:
        return None
    try:
        now = queue.status()
    except Exception:  # noqa: BLE001  (a failing store is reported by problem())
        return None
    lim = queue.limits
    return {**now, "max_running": lim.running, "max_queued": lim.queued,
            "per_client": lim.per_client, "result_ttl_s": lim.result_ttl}


def problem(manager) -> str | None:
    """Why background jobs cannot run now (None: they can), for ``/healthz``."""
    from .job_manager import LabDiskcacheManager, store_problem  # noqa: PLC0415
    if isinstance(manager, LabDiskcacheManager):
        return store_problem(manager)
    if uses_celery():
        from .celery_conf import broker_problem  # noqa: PLC0415
        return broker_problem(getattr(manager, "handle", None))
    return None
