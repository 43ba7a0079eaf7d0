"""The Celery job manager of the dashboard: Dash's, made to ride out a Redis outage.

Dash's :class:`~dash.CeleryManager` talks to the broker (to send a job) and
to the result backend (progress, result, task state) inside the requests
that start and poll a job.  When Redis was down those calls raised, and the
request failed (or, for a job start, answered 204 and the view said nothing).
Here no broker or backend failure leaves a manager method:

* **Job start** (:meth:`LabCeleryManager.call_job_fn`).  The broker and the
  result backend are probed first (:func:`app.shell.celery_conf.broker_problem`,
  one PING each with a short timeout), so a start during an outage answers at
  once instead of waiting on Celery's publish and subscribe retries.  A job
  that could not be sent gets a handle of its own (:data:`UNSENT_PREFIX`), and
  the first poll reports it through the callback's ``on_error``: "Job failed:
  the job was not started: Celery broker … is unreachable …".
* **Polls during an outage** (:meth:`get_result`, :meth:`job_running`, …).
  A poll that cannot reach the backend answers "nothing yet" and the page
  keeps polling: the job runs on (its worker does not cancel it) and its own
  writes wait for Redis for up to :data:`OUTAGE_S` seconds, so it may still
  deliver its result when Redis is back.  Once this server process has found
  the backend unreachable for longer than :data:`OUTAGE_S`, a poll reports
  the job lost instead ("the job is lost: the result backend has been
  unreachable for 131 s (longer than 120 s): …").  A cancel during an outage
  is dropped at once (it could not reach the worker).
* **Known losses** (:meth:`get_result`), reported in the view instead of
  polled forever: a job whose task Celery reports failed without a result
  (e.g. its result could not be stored), and a job Redis no longer knows
  (it came back without its data: the queue, the task states and the job's
  start record :data:`SENT_KEY` are gone) while no worker marks it alive
  (:data:`ALIVE_KEY`, refreshed every :data:`ALIVE_EVERY_S` s by the running
  job) for :data:`VANISHED_S` seconds.
* **Own result slots** (:meth:`build_cache_key`): as in
  :mod:`app.shell.job_manager`, every job start gets its own result key (Dash keys
  results by the callback's arguments, and the first poll that reads a result
  deletes it).
* **Caps** (:mod:`app.shell.celery_queue`): a start is admitted, or refused with
  the reason (its first poll shows it), by the same rules as on the diskcache
  path; a waiting job's polls show its position; a cancel frees its place.

The job's side: :meth:`make_job_fn` registers Dash's task with a backend
whose writes (progress, side updates, the result) retry for up to
:data:`OUTAGE_S` seconds (:data:`JOB_WRITE_RETRY`), where Celery's default
gives up after about 20 s, and wraps the task (:func:`job_task`) so that it
leaves its alive marks and waits for its turn.  The web server's own reads keep Celery's short defaults, so no
request waits on an outage.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import secrets
import threading
import time
import uuid

from dash import CeleryManager
from dash.background_callback.managers.celery_manager import _make_job_fn

from .celery_queue import REFUSED_KEY, TOKEN_FIELD, _redis, queue_for, token_of
from .job_manager import LOST_JOB, REFUSED, message_target
from .job_queue import Limits, Refused, page_of_request, queued_text

__all__ = ["LabCeleryManager", "OUTAGE_S", "JOB_WRITE_RETRY", "NOT_STARTED", "OUTAGE_LOST",
           "UNSENT_PREFIX", "ALIVE_EVERY_S", "ALIVE_TTL_S", "VANISHED_S", "SENT_KEY",
           "ALIVE_KEY"]

log = logging.getLogger(__name__)

#: Seconds a broker/backend outage may last with jobs still expected to finish:
#: a running job's writes retry that long, and polls answer "nothing yet" that
#: long (counted from the first failure this server process saw) before the
#: job is reported lost.
OUTAGE_S = 120
#: Celery retry policy of a job's writes to the result backend (kombu
#: ``retry_over_time``: attempts after 0, 1, 2, 2, … s, for OUTAGE_S seconds).
JOB_WRITE_RETRY = {"max_retries": None, "timeout": OUTAGE_S,
                   "interval_start": 0, "interval_step": 1, "interval_max": 2}
#: What a poll reports for a job start that could not reach the broker.
NOT_STARTED = "the job was not started"
#: What a poll reports once an outage has outlasted OUTAGE_S.
OUTAGE_LOST = "the job is lost"
#: Prefix of the handle of a job that was never sent (never a Celery task id,
#: which is a UUID).
UNSENT_PREFIX = "unsent-"
#: Follows UNSENT_PREFIX in the handle of a job start the caps refused.
REFUSED_PREFIX = "refused-"
#: Seconds between two "alive" marks a running job leaves in the result backend.
ALIVE_EVERY_S = 5
#: Seconds one "alive" mark lasts.
ALIVE_TTL_S = 15
#: Seconds a job may have neither its start record nor an alive mark (Redis
#: came back without its data and no worker runs the job) before a poll
#: reports it lost.
VANISHED_S = 30
#: Result-backend keys of a job's start record and of its alive mark.
SENT_KEY = "lab-job-sent-{}"
ALIVE_KEY = "lab-job-alive-{}"
#: Jobs whose records a server process remembers missing, at most.
_MISSING_MAX = 1000


def _unsent(job) -> bool:
    return isinstance(job, str) and job.startswith(UNSENT_PREFIX)


def _one_line(err) -> str:
    """``Type: first line`` of an exception, for logs and views."""
    text = str(err).strip().split("\n", 1)[0]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _error(message: str) -> dict:
    """Dash's form of a failed background job: its callback's ``on_error`` shows it."""
    return {"background_callback_error": {"msg": message, "tb": ""}}


def _marks(app, task_id, queue, token) -> threading.Event:
    """Leave an alive mark (:data:`ALIVE_KEY`, :data:`ALIVE_TTL_S`), and a beat
    on the job's queue entry, every :data:`ALIVE_EVERY_S` seconds until the
    returned event is set (best effort: a mark that cannot be written is
    skipped)."""
    done = threading.Event()
    client = _redis(app.backend) if task_id else None
    if client is None:
        return done
    name = ALIVE_KEY.format(task_id)

    def mark():
        while True:
            try:
                client.set(name, 1, ex=ALIVE_TTL_S)
                if queue is not None:
                    queue.beat(token)
            except Exception:  # noqa: BLE001  (an outage: the next mark may pass)
                pass
            if done.wait(ALIVE_EVERY_S):
                return

    threading.Thread(target=mark, name="job-alive", daemon=True).start()
    return done


def job_task(job_fn, app):
    """Dash's Celery task body ``job_fn(result_key, progress_key, args,
    context)`` as the lab runs it: with alive marks, only once its queue
    entry's turn has come (:mod:`app.shell.celery_queue`; the token is in
    ``context``), and releasing the entry once the result is written."""
    @functools.wraps(job_fn)
    def task(result_key, progress_key, user_args, context=None):
        from celery import current_task  # noqa: PLC0415
        task_id = getattr(getattr(current_task, "request", None), "id", None)
        found = token_of(context)
        queue = queue_for(app.backend, found[1]) if found else None
        token = found[0] if found else None
        done = _marks(app, task_id, queue, token)
        try:
            if queue is not None:
                try:
                    queue.wait_turn(token, lambda text: None)   # the polls tell the position
                except Refused as err:
                    _PatientBackend(app.backend).set(
                        result_key, json.dumps(_error(f"{REFUSED}: {err}")))
                    return None
            return job_fn(result_key, progress_key, user_args, context)
        finally:
            done.set()
            if queue is not None:
                with contextlib.suppress(Exception):      # Redis down: the entry times out
                    queue.release(token=token)

    return task


class _PatientBackend:
    """The result backend as a job's writes see it: ``set`` rides out an outage
    of up to :data:`OUTAGE_S` seconds (Redis backend); everything else is the
    backend's own."""

    def __init__(self, backend):
        self._backend = backend

    def set(self, key, value):
        from celery.backends.redis import RedisBackend  # noqa: PLC0415
        if isinstance(self._backend, RedisBackend):
            return self._backend.set(key, value, **JOB_WRITE_RETRY)
        return self._backend.set(key, value)

    def __getattr__(self, name):
        return getattr(self._backend, name)


class _JobApp:
    """What Dash's task factory needs of the Celery app: ``task`` and ``backend``
    (the patient one)."""

    def __init__(self, app, time_limit: float | None = None):
        self._app, self._time_limit = app, time_limit

    @property
    def backend(self):
        return _PatientBackend(self._app.backend)

    def task(self, *args, **kwargs):
        if self._time_limit is not None:
            kwargs.setdefault("time_limit", self._time_limit)
        register = self._app.task(*args, **kwargs)
        return lambda job_fn: register(job_task(job_fn, self._app))


class LabCeleryManager(CeleryManager):
    """:class:`dash.CeleryManager` that never raises on a broker or backend
    failure, with own result slots and reported losses (see the module
    docstring)."""

    def __init__(self, celery_app, cache_by=None, expire=None, limits: Limits | None = None):
        super().__init__(celery_app, cache_by=cache_by, expire=expire)
        #: The job caps (None when the result backend is not Redis).
        self.queue = queue_for(celery_app.backend, limits)
        self._lock = threading.Lock()
        self._down_since: float | None = None     # monotonic time of the first failure
        self._missing: dict[str, float] = {}      # job → when its records were found gone

    # -- the backend's state, as this process sees it -----------------------------
    def _ok(self) -> None:
        """A broker/backend call succeeded: any outage is over."""
        if self._down_since is not None:
            with self._lock:
                if self._down_since is not None:
                    log.warning("background jobs: Redis answers again after %.1f s",
                                time.monotonic() - self._down_since)
                    self._down_since = None

    def _failed(self, what: str, detail: str) -> float:
        """Note a failed broker/backend call; seconds since this outage began."""
        now = time.monotonic()
        with self._lock:
            if self._down_since is None:
                self._down_since = now
                log.warning("background jobs: %s failed (%s); polls answer \"nothing yet\" "
                            "for up to %d s", what, detail, OUTAGE_S)
            return now - self._down_since

    def _problem(self, fallback: str) -> str:
        """:func:`app.shell.celery_conf.broker_problem`, or ``fallback`` when all is well."""
        try:
            from .celery_conf import broker_problem  # noqa: PLC0415
            return broker_problem(self.handle) or fallback
        except Exception:  # noqa: BLE001  (a probe must not fail a request)
            return fallback

    # -- one slot per job start ---------------------------------------------------
    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        base = super().build_cache_key(fn, args, cache_args_to_ignore, triggered)
        return f"{base}-{secrets.token_hex(16)}"

    # -- the job's writes ---------------------------------------------------------
    def make_job_fn(self, fn, progress, key=None):
        # a job marked by app.shell.jobs.time_limit gets its own hard limit
        return _make_job_fn(fn, _JobApp(self.handle, getattr(fn, "job_time_limit", None)),
                            progress, key)

    # -- job start ------------------------------------------------------------------
    def call_job_fn(self, key, job_fn, args, context):
        problem = self._problem("")
        if not problem:
            job = str(uuid.uuid4())
            try:
                context = self._admit(job, key, context)
            except Refused as err:
                return self._refuse(str(err))
            except Exception as err:  # noqa: BLE001  (redis: the ledger cannot be read)
                problem = _one_line(err)
        if not problem:
            try:
                client = _redis(self.handle.backend)
                if client is not None:           # the start record, before the job exists
                    client.set(SENT_KEY.format(job), 1,
                               ex=int(self.handle.backend.expires or 86400))
                job_fn.apply_async(args=(key, self._make_progress_key(key), args, context),
                                   task_id=job)
            except Exception as err:  # noqa: BLE001  (kombu OperationalError, redis, RuntimeError)
                problem = _one_line(err)
                self._release(job)
            else:
                self._ok()
                return job
        self._failed("starting a job", problem)
        log.warning("background job not started: %s", problem)
        return f"{UNSENT_PREFIX}{secrets.token_hex(16)}"

    def _admit(self, job: str, key: str, context: dict) -> dict:
        """The job's place in the queue (raises Refused); the context its task gets."""
        if self.queue is None:
            return context
        target = message_target(context)
        token = self.queue.admit(page_of_request(), job=job, key=key,
                                 target=list(target) if target else None)
        return {**(context or {}),
                TOKEN_FIELD: {"token": token, "running": self.queue.limits.running}}

    def _release(self, job: str) -> None:
        if self.queue is not None:
            try:
                self.queue.release(job=job)
            except Exception as err:  # noqa: BLE001  (the entry times out by itself)
                self._failed("releasing a job's place", _one_line(err))

    def _refuse(self, reason: str) -> str:
        """A handle whose first poll shows the refusal ``reason``."""
        handle = f"{UNSENT_PREFIX}{REFUSED_PREFIX}{secrets.token_hex(16)}"
        try:
            _redis(self.handle.backend).set(REFUSED_KEY.format(handle), reason,
                                            ex=self.queue.limits.result_ttl)
        except Exception as err:  # noqa: BLE001
            self._failed("recording a refusal", _one_line(err))
        log.info("background job refused: %s", reason)
        return handle

    # -- polls ----------------------------------------------------------------------
    def job_running(self, job):
        if job is None or _unsent(job):
            return False
        try:
            running = bool(super().job_running(job))
        except Exception as err:  # noqa: BLE001
            # unknown: the page keeps polling while the outage is short
            return self._failed("reading a job's state", _one_line(err)) < OUTAGE_S
        self._ok()
        return running

    def _read(self, what: str, read, default):
        """``read()``, or ``default`` when the backend fails (the outage is noted)."""
        try:
            value = read()
        except Exception as err:  # noqa: BLE001
            self._failed(what, _one_line(err))
            return default
        self._ok()
        return value

    def get_progress(self, key):
        return self._read("reading a job's progress", lambda: super(
            LabCeleryManager, self).get_progress(key), None)

    def get_updated_props(self, key):
        props = self._read("reading a job's side updates", lambda: super(
            LabCeleryManager, self).get_updated_props(key), {})
        if props or self.queue is None:
            return props
        return self._read("reading the job queue", lambda: self._queued_props(key), {})

    def _queued_props(self, key) -> dict:
        """The job's position, written into its message output, while it waits."""
        found = self.queue.waiting(key=key)
        if found is None or not found[1].get("target"):
            return {}
        ahead, entry = found
        component, prop = entry["target"]
        return {component: {prop: queued_text(ahead, self.queue.limits.running)}}

    def result_ready(self, key):
        return self._read("reading a job's result", lambda: super(
            LabCeleryManager, self).result_ready(key), False)

    def get_result(self, key, job):
        if _unsent(job) and job.startswith(UNSENT_PREFIX + REFUSED_PREFIX):
            reason = self._read("reading a refusal", lambda: _redis(
                self.handle.backend).get(REFUSED_KEY.format(job)), None)
            reason = reason.decode() if isinstance(reason, bytes) else "the job queue is full"
            return _error(f"{REFUSED}: {reason}")
        if _unsent(job):
            return _error(f"{NOT_STARTED}: "
                          f"{self._problem('its job queue failed; see the server log')}")
        try:
            result = super().get_result(key, job)
        except Exception as err:  # noqa: BLE001  (the result cannot be read or removed)
            down_s = self._failed("reading a job's result", _one_line(err))
            if down_s < OUTAGE_S:
                return self.UNDEFINED             # nothing yet: the job may still deliver
            return _error(f"{OUTAGE_LOST}: the result backend has been unreachable for "
                          f"{down_s:.0f} s (longer than {OUTAGE_S} s): "
                          f"{self._problem(_one_line(err))}")
        self._ok()
        if result is not self.UNDEFINED or job is None:
            return result
        task = self.get_task(job)
        try:
            state = task.state
            failed = state == "FAILURE"
        except Exception as err:  # noqa: BLE001
            self._failed("reading a job's state", _one_line(err))
            return result                         # unknown: nothing yet
        if not failed:
            if state == "PENDING" and self._vanished(job):
                return _error(f"{LOST_JOB}: Redis no longer knows it (restarted without its "
                              f"data?) and no worker has run it for {VANISHED_S} s")
            return result                         # queued, running, cancelled
        if self.result_ready(key):                # it finished between the two looks
            return self.get_result(key, job)
        try:
            exc = task.result
        except Exception:  # noqa: BLE001
            exc = None
        why = f" ({_one_line(exc)})" if exc is not None else ""
        return _error(f"{LOST_JOB}: its Celery task failed{why}; see the worker's log")

    def _vanished(self, job) -> bool:
        """Neither the job's start record nor an alive mark has been in the
        result backend for :data:`VANISHED_S` seconds (as this process saw)."""
        client = _redis(self.handle.backend)
        if client is None:
            return False
        try:
            present = client.exists(SENT_KEY.format(job), ALIVE_KEY.format(job))
        except Exception as err:  # noqa: BLE001
            self._failed("reading a job's records", _one_line(err))
            return False
        now = time.monotonic()
        with self._lock:
            if present:
                self._missing.pop(job, None)
                return False
            first = self._missing.setdefault(job, now)
            if len(self._missing) > _MISSING_MAX:    # forget the oldest
                for old in sorted(self._missing, key=self._missing.get)[:_MISSING_MAX // 2]:
                    del self._missing[old]
        return now - first >= VANISHED_S

    # -- cancels --------------------------------------------------------------------
    def terminate_job(self, job):
        if job is None or _unsent(job):
            return
        self._release(job)                       # a job still in the broker never runs
        problem = self._problem("")
        if problem:                              # it could not reach the worker anyway
            self._failed("cancelling a job", problem)
            return
        try:
            super().terminate_job(job)
        except Exception as err:  # noqa: BLE001  (a cancel during an outage is lost, not fatal)
            self._failed("cancelling a job", _one_line(err))

    def terminate_unhealthy_job(self, job):
        if job is None or _unsent(job):
            return False
        try:
            return super().terminate_unhealthy_job(job)
        except Exception as err:  # noqa: BLE001
            self._failed("checking a job", _one_line(err))
            return False
