"""The Celery application of the dashboard's background jobs.

Start workers with::

    CELERY_BROKER_URL=redis://host:6379/0 celery -A app.celery_app worker --loglevel=INFO

(the same ``CELERY_BROKER_URL``/``CELERY_RESULT_BACKEND`` as the web
servers).  :mod:`app.celery_app` is that entry point; this module only
defines the app (:func:`make_celery`, made once per process by
:func:`get_celery`), and importing it does nothing.

Settings: JSON only (no pickle) for tasks and results; a task is acknowledged
after it ran (a worker that dies mid-job does not lose it); each task is
killed after ``JOB_TIME_LIMIT`` seconds (default 600); results expire after
``JOB_RESULT_TTL`` seconds (default 3600).

A Redis outage: the worker keeps the jobs it runs (their writes wait up to
:data:`app.shell.celery_manager.OUTAGE_S` for Redis) and reconnects by itself, for
ever (``broker_connection_max_retries=None``; attempts 2, 4, … 30 s apart);
every Redis socket has a timeout, so a silent network drop is an error within
:data:`SOCKET_TIMEOUT_S` rather than a hang.  With a ``redis://`` broker the
transport is :class:`LabRedisTransport`: kombu's, mended so that the worker
survives losing its connection in the middle of a job (see there).
:func:`broker_problem` is the ``/healthz`` probe.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from celery import Celery
from kombu.transport import redis as kombu_redis

from .config import ConfigError, env_int, env_str, redact_url
from .job_queue import Limits

__all__ = ["make_celery", "get_celery", "job_time_limit", "urls", "LabRedisTransport",
           "broker_problem",
           "PROBE_TIMEOUT_S", "SOCKET_TIMEOUT_S", "CONNECT_TIMEOUT_S", "PUBLISH_CONNECT_S"]

#: Seconds a command may wait on a silent Redis connection (broker and result
#: backend) before it fails; below gunicorn's TIMEOUT, so a poll never hangs.
SOCKET_TIMEOUT_S = 10
#: Seconds to open a Redis connection.
CONNECT_TIMEOUT_S = 5
#: Seconds the /healthz and job-start probe waits for each Redis PING.
PROBE_TIMEOUT_S = 0.5
#: Seconds a web server's publish (a job start, a cancel) tries to connect.
PUBLISH_CONNECT_S = 2


class _LabRedisChannel(kombu_redis.Channel):
    """kombu's Redis channel that still reaches Redis after its connection closed.

    The crash it mends (kombu 5.7, ``task_acks_late=True``, a job running,
    ``--concurrency`` > 1 so the consumer is waiting in BRPOP for the next
    task): when Redis goes away, Celery's consumer
    (``on_connection_error_after_connected``) first calls the connection's
    ``collect()``, where closing the channel stops at the failed BRPOP read
    (a ConnectionError, swallowed) and the transport is detached
    (``transport.client = None``); then ``close()``, which closes the
    half-closed channel again.  That second close drops the channel's Redis
    pool and, to put the running job's unacknowledged message back
    (``restore_unacked``), builds a new one from ``self.connection.client``,
    now None: ``AttributeError: 'NoneType' object has no attribute
    'hostname'``.  That is not a connection error, so it escapes Celery's
    reconnect logic and the worker exits ("Unrecoverable error").  The late
    acknowledgement of the job, when it finishes, takes the same path.

    Here the channel keeps the connection parameters it was opened with and
    uses them once its transport is detached: the restore then fails with a
    ConnectionError (Redis is down; ignored, the consumer reconnects), and the
    late acknowledgement reaches Redis once it is back.
    """

    _lab_params: dict | None = None

    def _connparams(self, asynchronous=False):
        transport = self.connection
        if transport is None or transport.client is None:
            saved = (self._lab_params or {}).get(bool(asynchronous))
            if saved is None:
                raise kombu_redis.redis.exceptions.ConnectionError(
                    "the broker connection of this channel is closed")
            return dict(saved)
        params = super()._connparams(asynchronous=asynchronous)
        self._lab_params = {**(self._lab_params or {}), bool(asynchronous): dict(params)}
        return params


class LabRedisTransport(kombu_redis.Transport):
    """kombu's Redis transport with :class:`_LabRedisChannel`."""

    Channel = _LabRedisChannel


#: The Celery app of this process, once :func:`get_celery` made it.
_celery: Celery | None = None
_celery_lock = threading.Lock()


def job_time_limit() -> int:
    """Hard limit (seconds) of one background job on a Celery worker: ``JOB_TIME_LIMIT``."""
    return env_int("JOB_TIME_LIMIT", 600, lo=1)


def urls() -> tuple[str, str]:
    """(broker, result backend) from ``CELERY_BROKER_URL`` and
    ``CELERY_RESULT_BACKEND`` (default: the broker); ConfigError without a broker."""
    broker = env_str("CELERY_BROKER_URL")
    if broker is None:
        raise ConfigError("CELERY_BROKER_URL is not set: the Celery job queue needs a broker "
                          "(e.g. redis://127.0.0.1:6379/0)")
    return broker, env_str("CELERY_RESULT_BACKEND", broker)


def make_celery() -> Celery:
    """A Celery app configured from the environment (see the module docstring)."""
    broker, backend = urls()
    celery = Celery("sharpness_lab", broker=broker, backend=backend)
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        # results (and task states) expire as on the diskcache path, polled or not
        result_expires=Limits.from_env().result_ttl,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_time_limit=job_time_limit(),
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        # a broker outage: reconnect, at start and later, without a retry limit
        broker_connection_retry_on_startup=True,
        broker_connection_retry=True,
        broker_connection_max_retries=None,
        broker_connection_timeout=CONNECT_TIMEOUT_S,
        broker_transport_options={"socket_timeout": SOCKET_TIMEOUT_S,
                                  "socket_connect_timeout": CONNECT_TIMEOUT_S,
                                  "socket_keepalive": True,
                                  # a publish (job start, cancel) gives up connecting after this
                                  "connect_retries_timeout": PUBLISH_CONNECT_S},
        # a running job keeps running through an outage (its writes wait for Redis,
        # see app.shell.celery_manager) instead of being cancelled and redelivered
        worker_cancel_long_running_tasks_on_connection_loss=False,
        # result backend: no wait longer than SOCKET_TIMEOUT_S in a request
        redis_socket_timeout=SOCKET_TIMEOUT_S,
        redis_socket_connect_timeout=CONNECT_TIMEOUT_S,
        redis_socket_keepalive=True,
    )
    if urlsplit(broker).scheme == "redis":
        celery.conf.broker_transport = f"{__name__}:LabRedisTransport"
    return celery


def get_celery() -> Celery:
    """The Celery app of this process (made on first use)."""
    global _celery
    with _celery_lock:
        if _celery is None:
            _celery = make_celery()
        return _celery


_probe_lock = threading.Lock()
_probes: dict[str, object] = {}


def _probe_client(url: str):
    import redis  # noqa: PLC0415
    from redis.backoff import NoBackoff  # noqa: PLC0415
    from redis.retry import Retry  # noqa: PLC0415
    with _probe_lock:
        client = _probes.get(url)
        if client is None:
            client = redis.Redis.from_url(url, socket_timeout=PROBE_TIMEOUT_S,
                                          socket_connect_timeout=PROBE_TIMEOUT_S,
                                          retry=Retry(NoBackoff(), 0))
            _probes[url] = client
    return client


def broker_problem(celery: Celery | None = None) -> str | None:
    """Why ``celery`` (default: this process's app) cannot take or report jobs
    now (None: it can), in one line.

    One PING (:data:`PROBE_TIMEOUT_S`) to the broker and, when it is another
    Redis, one to the result backend; passwords redacted.  Used by
    ``/healthz`` and before each job start.  URLs that are not Redis are not
    probed.
    """
    roles: dict[str, list[str]] = {}
    try:
        celery = celery or get_celery()
    except ConfigError as err:
        return str(err)
    broker, backend = celery.conf.broker_url, celery.conf.result_backend
    for role, url in (("broker", broker), ("result backend", backend)):
        if url and urlsplit(url).scheme in ("redis", "rediss", "unix"):
            roles.setdefault(url, []).append(role)
    problems = []
    for url, names in roles.items():
        try:
            _probe_client(url).ping()
        except Exception as err:  # noqa: BLE001  (redis ConnectionError, TimeoutError, auth, …)
            detail = str(err).strip().split("\n", 1)[0] or type(err).__name__
            verb = "are" if len(names) > 1 else "is"
            problems.append(f"Celery {' and '.join(names)} {redact_url(url)} {verb} unreachable: "
                            f"{detail}")
    return "; ".join(problems) or None
