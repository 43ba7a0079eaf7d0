"""Caps on background jobs (diskcache path): a global number running at once,
a bounded queue, a per-page share, and results that expire.

One record in the job store (``diskcache``, shared by every worker of the
machine) lists the admitted jobs in order; every change happens inside a
store transaction, so workers and jobs agree without a lock server.

* **Admission** (:meth:`JobQueue.admit`, in the web worker that received the
  start): refused, with a one-line reason the view shows, when the page has
  ``JOBS_PER_CLIENT`` jobs admitted already, or when ``JOBS_MAX_QUEUED`` jobs
  are waiting besides the ``JOBS_MAX_RUNNING`` that run.  A page is one page load (Dash's signed ``endId``): reloading
  gives another share, which is why the queue bound holds for everyone.
* **Waiting** (:meth:`JobQueue.wait_turn`, in the job's own process, before it
  computes): a job runs when fewer than ``JOBS_MAX_RUNNING`` run and it is the
  oldest waiting one; meanwhile it writes its position into its view, and it
  gives up after :data:`MAX_WAIT_S`.
* **Release**: when the job ends (or is cancelled, or its process is gone:
  entries of dead processes are dropped at every look).
* **Expiry**: a finished job's result, progress and messages expire after
  ``JOB_RESULT_TTL`` seconds, polled or not.

The Celery path uses the same rules over a record in Redis
(:mod:`app.shell.celery_queue`), where a job's liveness is its heartbeat instead of
its PID.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass

import psutil

from .config import env_int

__all__ = ["JobQueue", "Limits", "Refused", "QUEUE_KEY", "MAX_WAIT_S", "queued_text",
           "page_of_request"]

#: The store key of the admitted jobs, oldest first.
QUEUE_KEY = "job-queue"
#: Seconds a job waits for its turn before it gives up with a message.
MAX_WAIT_S = 600.0
#: Seconds between two looks of a waiting job.
WAIT_POLL_S = 0.25
#: Seconds an admitted job may take to have a process before its entry is dropped.
START_GRACE_S = 30.0


class Refused(Exception):
    """A job start that the caps refuse; the message says which cap and why."""


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Limits:
    """The caps, from the environment (see the README's table)."""

    running: int        # JOBS_MAX_RUNNING: jobs computing at once (default: CPUs)
    queued: int         # JOBS_MAX_QUEUED: jobs waiting for a turn (default 8)
    per_client: int     # JOBS_PER_CLIENT: jobs admitted for one page (default 2)
    result_ttl: int     # JOB_RESULT_TTL: seconds a finished result is kept (default 3600)

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(running=env_int("JOBS_MAX_RUNNING", _cpus(), lo=1, hi=1024),
                   queued=env_int("JOBS_MAX_QUEUED", 8, lo=0, hi=10_000),
                   per_client=env_int("JOBS_PER_CLIENT", 2, lo=1, hi=1024),
                   result_ttl=env_int("JOB_RESULT_TTL", 3600, lo=10, hi=30 * 86400))


def page_of_request() -> str:
    """The page (one page load: Dash's ``endId``) of the request being served."""
    import flask  # noqa: PLC0415
    if flask.has_request_context():
        return flask.request.args.get("endId") or "anonymous"
    return "anonymous"


def queued_text(ahead: int, running: int) -> str:
    """What a waiting job's view says."""
    return (f"Queued: {ahead} job(s) ahead, {running} running at most at once; "
            "it starts by itself.")


def _alive(pid, started) -> bool:
    try:
        p = psutil.Process(int(pid))
        return p.status() != psutil.STATUS_ZOMBIE and abs(p.create_time() - started) < 1e-2
    except (psutil.Error, TypeError, ValueError):
        return False


class JobQueue:
    """The admitted jobs of one job store (see the module docstring)."""

    #: A failing store is waited for while a job waits its turn (True: an
    #: outage of a server that comes back), or fails the job (False: a disk).
    rides_out_outages = False

    def __init__(self, store, limits: Limits | None = None):
        self.store = store
        self.limits = limits or Limits.from_env()

    def now(self) -> float:
        """The clock of the entries' times (every process of the store shares it)."""
        return time.time()

    def is_live(self, entry: dict, now: float) -> bool:
        """The entry's job still exists: it has a process of that identity, or
        it was admitted less than :data:`START_GRACE_S` ago."""
        if entry["pid"] is None:
            return now - entry["t"] < START_GRACE_S
        return _alive(entry["pid"], entry["started"])

    def _live(self) -> list:
        """The admitted entries whose job still exists (call inside a transaction)."""
        now = self.now()
        entries = self.store.get(QUEUE_KEY, []) or []
        live = [e for e in entries if self.is_live(e, now)]
        if len(live) != len(entries):
            self.store.set(QUEUE_KEY, live)
        return live

    def admit(self, page: str, **info) -> str:
        """Admit a job of ``page``; its token.  Raises :class:`Refused`.

        ``info`` (JSON values) is kept on the entry, e.g. the job's result key.
        """
        lim = self.limits
        with self.store.transact():
            live = self._live()
            mine = sum(e["page"] == page for e in live)
            if mine >= lim.per_client:
                raise Refused(f"this page has {mine} jobs queued or running already "
                              f"(JOBS_PER_CLIENT = {lim.per_client}); wait for one, or cancel it")
            if len(live) >= lim.running + lim.queued:
                raise Refused(f"{len(live)} jobs are running or waiting already "
                              f"(JOBS_MAX_RUNNING + JOBS_MAX_QUEUED = {lim.running} + "
                              f"{lim.queued}); try again in a minute")
            token = secrets.token_hex(8)
            live.append({**info, "token": token, "page": page, "t": self.now(), "pid": None,
                         "started": None, "running": False, "seen": None})
            self.store.set(QUEUE_KEY, live)
        return token

    def attach(self, token: str, pid: int) -> None:
        """Record the job's process (its PID and start time) on its entry."""
        started = psutil.Process(pid).create_time()
        with self.store.transact():
            live = self._live()
            for e in live:
                if e["token"] == token:
                    e["pid"], e["started"] = pid, started
            self.store.set(QUEUE_KEY, live)

    def status(self) -> dict:
        """{"running": n, "waiting": n} now."""
        with self.store.transact():
            live = self._live()
        running = sum(e["running"] for e in live)
        return {"running": running, "waiting": len(live) - running}

    def _try_start(self, token: str):
        """Start ``token`` if its turn has come: None when started, else its
        position among the waiting jobs (1 = next).  Either way the entry is
        marked seen now."""
        with self.store.transact():
            live = self._live()
            running = sum(e["running"] for e in live)
            waiting = [e for e in live if not e["running"]]
            position = next((i for i, e in enumerate(waiting) if e["token"] == token), None)
            if position is None:
                raise Refused("the job's place in the queue was lost")
            waiting[position]["seen"] = self.now()
            start = position == 0 and running < self.limits.running
            if start:
                waiting[0]["running"] = True
            self.store.set(QUEUE_KEY, live)
            return None if start else position + 1

    def wait_turn(self, token: str, tell) -> None:
        """Block until ``token`` may compute; ``tell(text)`` shows the position.

        A store that fails meanwhile fails the job (a full or read-only disk
        does not heal by itself), unless the queue :attr:`rides_out_outages`
        (Redis restarting): then it is waited for, up to the same deadline."""
        deadline = time.monotonic() + MAX_WAIT_S
        shown = None
        while True:
            try:
                position = self._try_start(token)
            except Refused:
                raise
            except Exception:  # noqa: BLE001  (redis errors; sqlite and OSError re-raised)
                if not self.rides_out_outages:
                    raise
                position = ...
            if position is None:
                return
            if position is not ... and position != shown:
                tell(queued_text(position - 1, self.limits.running))
                shown = position
            if time.monotonic() > deadline:
                raise Refused(f"waited {MAX_WAIT_S:.0f} s for a turn; try again later")
            time.sleep(WAIT_POLL_S)

    def waiting(self, **match):
        """(jobs ahead, entry) of the waiting entry whose fields equal
        ``match``; None when it runs or is not (or no longer) admitted.
        Reads only, outside a transaction: a poll may look as often as it likes."""
        now = self.now()
        waiting = [e for e in self.store.get(QUEUE_KEY, []) or []
                   if not e["running"] and self.is_live(e, now)]
        for ahead, e in enumerate(waiting):
            if all(e.get(k) == v for k, v in match.items()):
                return ahead, e
        return None

    def release(self, **match) -> None:
        """Drop the entries whose fields equal ``match`` (e.g. ``token=…``)."""
        with self.store.transact():
            live = [e for e in self._live()
                    if not all(e.get(k) == v for k, v in match.items())]
            self.store.set(QUEUE_KEY, live)
