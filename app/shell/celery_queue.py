"""The job caps on the Celery path: :class:`app.shell.job_queue.JobQueue`'s rules
over one record in Redis.

The web servers and the workers share the result backend's Redis, so the
record of admitted jobs lives there (:class:`RedisLedger`: a JSON value
changed only under a Redis lock, timed by the Redis server's clock so that
machines with different clocks agree).

* **Admission** in the web server (:meth:`LabCeleryManager.call_job_fn
  <app.shell.celery_manager.LabCeleryManager.call_job_fn>`), with the same
  ``JOBS_PER_CLIENT`` and ``JOBS_MAX_RUNNING`` + ``JOBS_MAX_QUEUED`` bounds
  and the same one-line refusals as the diskcache path.
* **Waiting**: a job waits in the broker until a worker takes it, then in its
  task (:func:`app.shell.celery_manager.job_task`) until fewer than ``JOBS_MAX_RUNNING`` jobs run,
  across all workers.  Its position is told by the page's polls
  (:meth:`JobQueue.position <app.shell.job_queue.JobQueue.position>`), wherever it
  waits.
* **Liveness** is a heartbeat instead of a PID (the job may run on another
  machine): a waiting job beats at every look, a running one with its alive
  marks (:data:`app.shell.celery_manager.ALIVE_EVERY_S`); an entry without a beat for
  :data:`BEAT_TTL_S` seconds is dropped (its worker died), as is one that no
  worker took within :data:`app.shell.job_queue.MAX_WAIT_S` seconds.
* **Release** when the task ends, and at once when the job is cancelled.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json

from .job_queue import MAX_WAIT_S, QUEUE_KEY, JobQueue, Limits, Refused

__all__ = ["RedisLedger", "HeartbeatQueue", "queue_for", "token_of", "TOKEN_FIELD",
           "BEAT_TTL_S", "LEDGER_PREFIX", "REFUSED_KEY"]

#: Seconds an entry may go without a beat once a worker has taken its job.
BEAT_TTL_S = 20
#: Seconds the ledger's lock is held at most (a holder that died frees it then).
LOCK_S = 5
#: Seconds the ledger's value lives after its last change.
LEDGER_TTL_S = 86400
#: Prefix of the ledger's Redis keys.
LEDGER_PREFIX = "lab-jobs-"
#: Result-backend key of the reason a job start was refused.
REFUSED_KEY = "lab-job-refused-{}"
#: Field of Dash's job context that carries the job's queue token, and the
#: web server's running cap, to its task: ``{"token": str, "running": int}``.
TOKEN_FIELD = "lab_job_token"


class RedisLedger:
    """``get``/``set``/``transact`` over one redis-py client: the store that
    :class:`~app.shell.job_queue.JobQueue` needs."""

    def __init__(self, client):
        self.client = client

    def get(self, key: str, default=None):
        raw = self.client.get(LEDGER_PREFIX + key)
        return default if raw is None else json.loads(raw)

    def set(self, key: str, value) -> None:
        self.client.set(LEDGER_PREFIX + key, json.dumps(value), ex=LEDGER_TTL_S)

    @contextlib.contextmanager
    def transact(self):
        lock = self.client.lock(LEDGER_PREFIX + "lock", timeout=LOCK_S,
                                blocking_timeout=LOCK_S)
        if not lock.acquire():
            raise Refused(f"the job queue stayed locked for {LOCK_S} s; try again")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):   # it expired: nothing to free
                lock.release()

    def now(self) -> float:
        """The Redis server's clock, in seconds."""
        seconds, micros = self.client.time()
        return seconds + micros * 1e-6


class HeartbeatQueue(JobQueue):
    """:class:`~app.shell.job_queue.JobQueue` whose entries live by their beats."""

    def now(self) -> float:
        return self.store.now()

    def is_live(self, entry: dict, now: float) -> bool:
        if entry.get("seen") is None:            # still in the broker
            return now - entry["t"] < MAX_WAIT_S
        return now - entry["seen"] < BEAT_TTL_S

    def beat(self, token: str) -> None:
        """Mark ``token``'s entry seen now."""
        with self.store.transact():
            live = self._live()
            for e in live:
                if e["token"] == token:
                    e["seen"] = self.now()
            self.store.set(QUEUE_KEY, live)


def _redis(backend):
    """The redis-py client of a Redis result backend (None for other backends)."""
    from celery.backends.redis import RedisBackend  # noqa: PLC0415
    return backend.client if isinstance(backend, RedisBackend) else None


def queue_for(backend, limits: Limits | None = None) -> HeartbeatQueue | None:
    """The job queue kept in ``backend``'s Redis; None when the result backend
    is not Redis (then no cap applies: see the README)."""
    client = _redis(backend)
    return None if client is None else HeartbeatQueue(RedisLedger(client), limits)


def token_of(context) -> tuple[str, Limits] | None:
    """The queue token that Dash's job ``context`` carries, and the caps its
    web server admitted it under (None when it was started without one)."""
    try:
        field = (context or {}).get(TOKEN_FIELD)
        token, running = field["token"], int(field["running"])
    except (AttributeError, TypeError, KeyError, ValueError):
        return None
    return token, dataclasses.replace(Limits.from_env(), running=running)
