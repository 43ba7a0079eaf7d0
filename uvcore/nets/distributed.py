"""Experiment cells (:mod:`uvcore.nets.experiments.cells`) as Celery tasks.

Celery is imported only when used.  Pieces:

* :func:`register` puts the cell task (:data:`TASK_NAME`) on a Celery app:
  the dashboard's workers (``celery -A app.celery_app worker``) have it, and
  ``celery -A uvcore.nets.distributed worker`` starts a worker of this
  module's own app (:func:`make_celery`, from ``CELERY_BROKER_URL`` /
  ``CELERY_RESULT_BACKEND``) for command-line runs without the dashboard.
  The task is acknowledged after it ran (``acks_late``) and rejected back to
  the queue when its worker process dies (``reject_on_worker_lost``), JSON
  only, one task reserved per worker process at a time.
* :class:`RedisCellCache`: every finished cell is written by the worker that
  ran it to the result backend's Redis under ``uvcore-cell-<key>``
  (:func:`~uvcore.nets.experiments.cells.cell_key`), JSON, for
  :data:`CELL_TTL_S`.  Redis rather than a directory because it is the one
  store every worker and every coordinator already shares, on any machine;
  a diskcache directory spans one machine only.  A finished cell therefore
  survives its worker, the coordinator and a restart: a rerun finds it.
* :class:`CeleryRunner`, the coordinator: sends each missing cell as its own
  task with the per-cell hard time limit (``time_limit``: the dashboard passes
  ``JOB_TIME_LIMIT``), then gathers the cells as they finish (one MGET per
  look).  A running cell keeps an alive mark (:data:`ALIVE_TTL_S`, refreshed
  every :data:`ALIVE_EVERY_S` s); a cell that started, has no result and no
  alive mark was lost with its worker and is sent again, up to
  :data:`CELL_RETRIES` times.  (Celery would also redeliver the unacknowledged
  message, but only after the broker's visibility timeout, an hour by
  default; a redelivered copy finds the result cached and returns at once.)
  A cell that fails (bad input, the time limit) fails the experiment with
  its reason; a cancel revokes the cells still pending.
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
import time

from ..params import UVInputError
from .experiments.cells import run_cell
from .train import Cancelled, check_progress

__all__ = ["TASK_NAME", "CELL_TTL_S", "CELL_RETRIES", "ALIVE_TTL_S", "ALIVE_EVERY_S",
           "RESULT_KEY", "START_KEY", "ALIVE_KEY", "RUNS_KEY", "ERROR_KEY", "make_celery",
           "register", "redis_of", "RedisCellCache", "CeleryRunner", "celery_runner"]

#: Name of the cell task on every Celery app that runs cells.
TASK_NAME = "uvcore.nets.cell"
#: Seconds a finished cell stays cached in Redis.
CELL_TTL_S = 7 * 24 * 3600
#: Times a lost cell (its worker died) is sent again before the experiment fails.
CELL_RETRIES = 3
#: Seconds one alive mark of a running cell lasts, and between two of them.
ALIVE_TTL_S = 15
ALIVE_EVERY_S = 5
#: Redis keys of a cell (by its key): result, start record, alive mark, runs, failure.
RESULT_KEY = "uvcore-cell-{}"
START_KEY = "uvcore-cell-start-{}"
ALIVE_KEY = "uvcore-cell-alive-{}"
RUNS_KEY = "uvcore-cell-runs-{}"
ERROR_KEY = "uvcore-cell-error-{}"
#: Seconds the coordinator waits between two looks at its pending cells, and
#: between two looks at their Celery task states.
POLL_S = 0.25
FAIL_CHECK_S = 2.0


def make_celery(broker: str | None = None, backend: str | None = None):
    """A Celery app for cells: ``broker`` (default ``$CELERY_BROKER_URL``) and
    ``backend`` (default ``$CELERY_RESULT_BACKEND``, else the broker), JSON
    only, late acknowledgement, the cell task registered."""
    from celery import Celery

    broker = broker or os.environ.get("CELERY_BROKER_URL", "").strip()
    if not broker:
        raise UVInputError("no Celery broker: give --celery redis://HOST:6379/0 or set "
                           "CELERY_BROKER_URL")
    backend = backend or os.environ.get("CELERY_RESULT_BACKEND", "").strip() or broker
    app = Celery("uvcore_cells", broker=broker, backend=backend)
    app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                    result_accept_content=["json"], task_acks_late=True,
                    task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
                    broker_connection_retry_on_startup=True,
                    broker_transport_options={"socket_timeout": 10,
                                              "socket_connect_timeout": 5})
    register(app)
    return app


def redis_of(app):
    """The redis-py client of ``app``'s result backend (UVInputError if it is not Redis)."""
    from celery.backends.redis import RedisBackend

    backend = app.backend
    if not isinstance(backend, RedisBackend):
        raise UVInputError("cells on Celery need a Redis result backend (they are cached "
                           "there): set CELERY_RESULT_BACKEND=redis://…")
    return backend.client


def _mark_alive(client, key: str, stop: threading.Event) -> None:
    while not stop.wait(ALIVE_EVERY_S):
        try:
            client.set(ALIVE_KEY.format(key), 1, ex=ALIVE_TTL_S)
        except Exception:  # noqa: BLE001  (Redis away: the mark lapses, the cell runs on)
            pass


def _cell_task(task, cell: dict, key: str) -> dict:
    """The task body: a cached result, or run the cell (marked alive), cache it."""
    client = redis_of(task.app)
    host = getattr(task.request, "hostname", None) or socket.gethostname()
    if client.exists(RESULT_KEY.format(key)):
        return {"key": key, "host": host, "cached": True}
    client.set(ALIVE_KEY.format(key), 1, ex=ALIVE_TTL_S)
    client.incr(RUNS_KEY.format(key))
    client.expire(RUNS_KEY.format(key), CELL_TTL_S)
    t0 = time.monotonic()
    client.set(START_KEY.format(key), json.dumps({"host": host, "pid": os.getpid(),
                                                  "t": time.time()}), ex=CELL_TTL_S)
    stop = threading.Event()
    beat = threading.Thread(target=_mark_alive, args=(client, key, stop), daemon=True)
    beat.start()
    try:
        try:
            result = run_cell(cell)
        except Exception as err:  # noqa: BLE001  (told to the coordinator, then raised)
            text = str(err).strip().split("\n", 1)[0]
            client.set(ERROR_KEY.format(key), text if isinstance(err, UVInputError)
                       else f"{type(err).__name__}: {text}", ex=3600)
            raise
        meta = {"host": host, "pid": os.getpid(), "seconds": time.monotonic() - t0}
        client.set(RESULT_KEY.format(key),
                   json.dumps({"result": result, "meta": meta}, allow_nan=False),
                   ex=CELL_TTL_S)
    finally:
        stop.set()
        client.delete(ALIVE_KEY.format(key))
    return {"key": key, **meta, "cached": False}


def register(app):
    """Register the cell task (:data:`TASK_NAME`) on the Celery app ``app``; returns it."""
    if TASK_NAME in app.tasks:
        return app.tasks[TASK_NAME]
    return app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True,
                    serializer="json")(_cell_task)


class RedisCellCache:
    """Cell results in a Redis (``get``/``put`` of :mod:`~uvcore.nets.experiments.cells`)."""

    def __init__(self, client):
        self.client = client

    def get(self, key: str) -> dict | None:
        raw = self.client.get(RESULT_KEY.format(key))
        return None if raw is None else json.loads(raw)["result"]

    def put(self, key: str, value: dict) -> None:
        if not self.client.exists(RESULT_KEY.format(key)):     # the worker wrote it already
            self.client.set(RESULT_KEY.format(key), json.dumps(
                {"result": value, "meta": {}}, allow_nan=False), ex=CELL_TTL_S)


class CeleryRunner:
    """Runs cells as Celery tasks of ``app`` (see the module docstring).

    Parameters
    ----------
    app : a Celery app whose workers have the cell task (:func:`register`).
    time_limit : hard limit in seconds of each cell (None: the workers' own).
    retries : times a lost cell is sent again.
    """

    def __init__(self, app, time_limit: float | None = None, retries: int = CELL_RETRIES):
        self.app, self.time_limit, self.retries = app, time_limit, int(retries)
        self.client = redis_of(app)
        self.cache = RedisCellCache(self.client)

    def _send(self, cell: dict, key: str):
        self.client.delete(START_KEY.format(key), ERROR_KEY.format(key))
        opts = {} if self.time_limit is None else {"time_limit": float(self.time_limit)}
        return self.app.send_task(TASK_NAME, args=[cell, key], **opts)

    def __call__(self, todo, done, progress=None, cancel=None) -> None:
        from .experiments.cells import cell_key

        pending = {}
        for i, cell in todo:
            key = cell_key(cell)
            pending[key] = {"i": i, "cell": cell, "task": self._send(cell, key), "sent": 1}
        total, finished = max(len(todo), 1), 0
        checked = time.monotonic()
        try:
            while pending:
                check_progress(progress, cancel, finished / total)
                if time.monotonic() - checked > FAIL_CHECK_S:
                    checked = time.monotonic()
                    self._check_failed(pending)
                for key, value, state in self._look(pending):
                    p = pending[key]
                    if value is not None:
                        del pending[key]
                        finished += 1
                        done(p["i"], value["result"], {**value.get("meta", {}),
                                                       "sent": p["sent"]})
                    elif state is not None:
                        self._lost_or_failed(key, p, state)
                if pending:
                    time.sleep(POLL_S)
        except BaseException:
            self._revoke(pending)
            raise

    def _look(self, pending: dict):
        """(key, result or None, None | "error: …" | "lost") of each pending cell,
        from one consistent MGET of their results, failures, start records and
        alive marks."""
        keys = list(pending)
        names = [f.format(k) for f in (RESULT_KEY, ERROR_KEY, START_KEY, ALIVE_KEY) for k in keys]
        raw = self.client.mget(names)
        n = len(keys)
        for j, key in enumerate(keys):
            res, err, start, alive = raw[j], raw[n + j], raw[2 * n + j], raw[3 * n + j]
            if res is not None:
                yield key, json.loads(res), None
            elif err is not None:
                yield key, None, "error: " + (err.decode() if isinstance(err, bytes) else err)
            elif start is not None and alive is None:
                yield key, None, "lost"

    def _check_failed(self, pending: dict) -> None:
        """Fail on a task Celery marks failed before its cell could say why (e.g. a
        worker whose result backend is not Redis), instead of waiting for ever."""
        for key, p in pending.items():
            why = _failure(p["task"])
            if why is not None and not self.client.exists(RESULT_KEY.format(key)):
                raise UVInputError(f"cell {p['i']} ({p['cell']['kind']}) failed on its worker: "
                                   f"{why}")

    def _lost_or_failed(self, key: str, p: dict, state: str) -> None:
        """Fail the experiment with a cell's reason, or send a lost cell again."""
        cell = p["cell"]
        what = f"cell {p['i']} ({cell['kind']}, c = {cell.get('c', math.nan):g})"
        if state.startswith("error: "):
            raise UVInputError(f"{what}: {state[7:]}")
        why = _failure(p["task"])
        if why is not None:
            raise UVInputError(f"{what} failed on its worker: {why}")
        if p["sent"] > self.retries:
            raise UVInputError(f"{what} was lost with its worker {p['sent']} times; "
                               "see the workers' logs")
        p["task"] = self._send(cell, key)
        p["sent"] += 1

    def _revoke(self, pending: dict) -> None:
        ids = [p["task"].id for p in pending.values()]
        if ids:
            try:
                self.app.control.revoke(ids, terminate=True)
            except Exception:  # noqa: BLE001  (broker away: the cells run out, cached)
                pass


def _failure(task) -> str | None:
    """Why a task failed (None: it did not, or its state cannot be read)."""
    try:
        if task.state != "FAILURE":
            return None
        exc = task.result
    except Exception:  # noqa: BLE001
        return None
    name = type(exc).__name__
    if name == "WorkerLostError":
        return None                             # lost, not failed: sent again
    if name == "TimeLimitExceeded":
        return f"exceeded its time limit ({exc})"
    return f"{name}: {str(exc).splitlines()[0] if str(exc) else ''}"


def celery_runner(broker: str | None = None, backend: str | None = None,
                  time_limit: float | None = None) -> CeleryRunner:
    """A :class:`CeleryRunner` on :func:`make_celery`'s app; its Redis answers a PING first."""
    app = make_celery(broker, backend)
    runner = CeleryRunner(app, time_limit)
    try:
        runner.client.ping()
    except Exception as err:  # noqa: BLE001  (redis ConnectionError, TimeoutError, auth)
        raise UVInputError(f"the Celery result backend is unreachable: "
                           f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") \
            from None
    return runner


def __getattr__(name):
    """``celery -A uvcore.nets.distributed worker`` finds the app as ``celery``,
    made on first use (nothing happens at import)."""
    if name == "celery":
        app = globals().get("_app")
        if app is None:
            app = globals()["_app"] = make_celery()
        return app
    raise AttributeError(name)

