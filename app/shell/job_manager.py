"""The diskcache job manager of the dashboard: Dash's, made safe to share.

Dash's :class:`~dash.DiskcacheManager` is built for one user. On a lab server
it has three faults, each mended here in one method:

* **Shared result slots** (:meth:`LabDiskcacheManager.build_cache_key`). Dash
  keys a job's result by the callback's arguments, and the first poll that
  reads it deletes it: two people asking the same thing shared one slot, and
  one of them got nothing.  Every job start gets its own key (a random token
  on top of Dash's), so a result reaches the page that started it, and Dash's
  page-load signature makes the handle useless to any other page.
* **PID reuse** (:meth:`terminate_job`, :meth:`job_running`).  A handle holds
  the job's PID; cancelling kills that PID.  Once the job has ended, the PID
  may belong to any process.  The job's start time is recorded with its PID,
  and a PID whose process started at another time is not the job: it is
  neither killed nor reported running.  The record expires with the result
  (:data:`HANDLE_TTL_S`), and an expired handle kills nothing.
* **Silent loss** (:meth:`get_result`).  A job that ended without leaving a
  result (killed, crashed, or its store was full or read-only) used to make
  every later poll answer "nothing yet", forever.  Such a poll now returns
  Dash's ``background_callback_error`` with the reason, which the callback's
  ``on_error`` (:func:`app.shell.jobs.background_kwargs`) shows in its view.
"""

from __future__ import annotations

import secrets

import psutil
from dash import DiskcacheManager

from .config import probe_dir
from .job_queue import JobQueue, Refused, page_of_request

__all__ = ["LabDiskcacheManager", "HANDLE_TTL_S", "LOST_JOB", "REFUSED", "store_problem",
           "register_message_target"]

#: Seconds a job's identity record (and so its handle) lives: after that, the
#: handle can neither cancel nor fetch anything.  Also the results' expiry.
HANDLE_TTL_S = 6 * 3600
#: Start times (psutil ``create_time``, seconds) agree to this within one boot.
START_TIME_TOL_S = 1e-2
#: What a poll reports for a job that ended without a result.
LOST_JOB = "the job stopped without a result"
#: How a refusal by the caps (:mod:`app.shell.job_queue`) starts.
REFUSED = "refused"

#: (component id, property) pairs where jobs write their messages (queue
#: position, failure): one output of each background callback.
_MESSAGE_TARGETS: set = set()


def register_message_target(component_id: str, prop: str) -> None:
    """Let jobs whose callback outputs ``component_id.prop`` write messages there."""
    _MESSAGE_TARGETS.add((component_id, prop))


def message_target(context) -> tuple | None:
    """The registered message output among a job's callback outputs, if any."""
    outs = (context or {}).get("outputs_list") or []
    flat = []
    for o in outs if isinstance(outs, list) else [outs]:
        flat.extend(o if isinstance(o, list) else [o])
    for o in flat:
        if isinstance(o, dict) and isinstance(o.get("id"), str):
            target = (o["id"], str(o.get("property", "")).partition("@")[0])
            if target in _MESSAGE_TARGETS:
                return target
    return None


def _queued(job_fn, queue: JobQueue, token: str, store, target, ttl: float):
    """Dash's job function behind the queue: wait for a turn (telling the
    position), run, release the slot, and let the result expire."""
    def run(result_key, progress_key, user_args, context):
        props_key = f"{result_key}-set_props"

        def tell(text: str) -> None:
            if target is not None:
                store.set(props_key, {target[0]: {target[1]: text}}, expire=ttl)

        try:
            queue.wait_turn(token, tell)
            job_fn(result_key, progress_key, user_args, context)
            store.set(f"done-{result_key}", 1, expire=HANDLE_TTL_S)
        except Refused as err:
            store.set(result_key, _error(f"{REFUSED}: {err}"), expire=ttl)
        finally:
            queue.release(token=token)
            for k in (result_key, progress_key, props_key):
                store.touch(k, expire=ttl)
    return run


def store_problem(manager) -> str | None:
    """Why the job store cannot take results now (None when it can).

    Writes and deletes a small file in its directory (a full or read-only
    disk fails here) and one key through diskcache (a broken database does).
    """
    cache = manager.handle
    problem = probe_dir(cache.directory, "JOBS_DIR")
    if problem:
        return problem
    try:
        cache.set("__healthz__", b"x" * 64, expire=60)
        cache.delete("__healthz__")
    except Exception as err:  # noqa: BLE001  (sqlite3, OSError, diskcache.Timeout)
        return f"JOBS_DIR {cache.directory}: the job store cannot be written ({err})"
    return None


def _error(message: str) -> dict:
    """Dash's form of a failed background job: its callback's ``on_error`` shows it."""
    return {"background_callback_error": {"msg": message, "tb": ""}}


class LabDiskcacheManager(DiskcacheManager):
    """:class:`dash.DiskcacheManager` with own result slots, checked PIDs and
    reported losses (see the module docstring).  A store that fails (full or
    read-only disk) never makes a request fail: the job is reported lost."""

    def __init__(self, cache, expire: float = HANDLE_TTL_S, queue: JobQueue | None = None):
        super().__init__(cache, expire=expire)
        self.queue = queue or JobQueue(cache)

    # -- one slot per job start ---------------------------------------------------
    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        base = super().build_cache_key(fn, args, cache_args_to_ignore, triggered)
        return f"{base}-{secrets.token_hex(16)}"

    # -- the job's identity -------------------------------------------------------
    @staticmethod
    def _identity_key(job) -> str:
        return f"job-identity-{int(job)}"

    def _ended_key(self, job) -> str:
        """Keyed by PID *and* start time: a later job with a reused PID is another job."""
        try:
            started = self.handle.get(self._identity_key(job))
        except Exception:  # noqa: BLE001
            started = None
        return f"job-ended-{int(job)}-{started}"

    def _note(self, key: str, value) -> bool:
        """Store a small record; False when the store cannot take it."""
        try:
            self.handle.set(key, value, expire=self.expire)
            return True
        except Exception:  # noqa: BLE001  (sqlite3, OSError, diskcache.Timeout)
            return False

    def call_job_fn(self, key, job_fn, args, context):
        try:
            token = self.queue.admit(page_of_request())
        except Refused as err:
            self._note(f"refused-{key}", f"{REFUSED}: {err}")
            return 0                    # no process: the first poll tells why
        except Exception:  # noqa: BLE001  (the store failed: the first poll says so)
            return 0
        ttl = self.queue.limits.result_ttl
        run = _queued(job_fn, self.queue, token, self.handle, message_target(context), ttl)
        pid = super().call_job_fn(key, run, args, context)
        try:
            process = psutil.Process(pid)
            self.queue.attach(token, pid)
            if not self._note(self._identity_key(pid), process.create_time()):
                process.kill()          # untracked, it could not store its result anyway
        except psutil.Error:
            pass                        # already gone: its first poll says so
        except Exception:  # noqa: BLE001  (the store failed)
            process.kill()
        return pid

    def owns(self, job) -> bool:
        """The process with PID ``job`` is the job this manager started."""
        try:
            started = self.handle.get(self._identity_key(job))
            if started is None:
                return False
            return abs(psutil.Process(int(job)).create_time() - started) < START_TIME_TOL_S
        except Exception:  # noqa: BLE001  (psutil.Error, bad PID, unreadable store)
            return False

    def job_running(self, job):
        return job is not None and self.owns(job) and super().job_running(job)

    def terminate_job(self, job):
        if job is None or not self.owns(job):
            return                      # not ours (ended, PID reused, handle expired)
        self._note(self._ended_key(job), 1)
        super().terminate_job(job)

    # -- reads that must not fail a poll -----------------------------------------
    def get_progress(self, key):
        try:
            return super().get_progress(key)
        except Exception:  # noqa: BLE001
            return None

    def get_updated_props(self, key):
        try:
            return super().get_updated_props(key)
        except Exception:  # noqa: BLE001
            return {}

    # -- losses are reported ------------------------------------------------------
    def get_result(self, key, job):
        try:
            refused = self.handle.get(f"refused-{key}")
        except Exception:  # noqa: BLE001
            refused = None
        if refused:
            return _error(refused)
        try:
            result = super().get_result(key, job)
        except Exception:  # noqa: BLE001  (the result cannot be read or removed)
            return _error(f"{LOST_JOB}: {store_problem(self) or 'the job store failed'}")
        if result is not self.UNDEFINED:
            if job is not None:
                self._note(self._ended_key(job), 1)     # a repeated poll is not a loss
            return result
        if job is None or self.job_running(job):
            return result
        try:
            if self.handle.get(key, self.UNDEFINED) is not self.UNDEFINED:
                return self.get_result(key, job)       # it finished between the two looks
            if self.handle.get(self._ended_key(job)):
                return result                           # cancelled or already fetched
            if self.handle.get(f"done-{key}"):
                return _error(f"the result expired before it was fetched (JOB_RESULT_TTL = "
                              f"{self.queue.limits.result_ttl} s); run the job again")
        except Exception:  # noqa: BLE001
            pass
        reason = store_problem(self) or "it was killed or crashed; see the server log"
        return _error(f"{LOST_JOB}: {reason}")
