"""The Celery application of the dashboard's background jobs.

Start workers with::

    CELERY_BROKER_URL=redis://host:6379/0 celery -A app.celery_app worker --loglevel=INFO

(the same ``CELERY_BROKER_URL``/``CELERY_RESULT_BACKEND`` as the web
servers).  Importing this module through the ``app`` package builds the Dash
app, which registers every background callback as a Celery task, so web
servers and workers agree on the task names as long as they run the same code.
``import app`` alone builds nothing, so this module builds the instance
(:mod:`app.wsgi`) at its end, once ``celery`` exists.

Settings: JSON only (no pickle) for tasks and results; a task is acknowledged
after it ran (a worker that dies mid-job does not lose it); each task is
killed after ``JOB_TIME_LIMIT`` seconds (default 600); results expire after a
day.
"""

from __future__ import annotations

from celery import Celery

from .config import ConfigError, env_int, env_str

__all__ = ["celery", "JOB_TIME_LIMIT"]

broker = env_str("CELERY_BROKER_URL")
if broker is None:
    raise ConfigError("CELERY_BROKER_URL is not set: the Celery job queue needs a broker "
                      "(e.g. redis://127.0.0.1:6379/0)")

#: Hard limit (seconds) of one background job on a Celery worker.
JOB_TIME_LIMIT = env_int("JOB_TIME_LIMIT", 600, lo=1)

celery = Celery("sharpness_lab", broker=broker,
                backend=env_str("CELERY_RESULT_BACKEND", broker))
celery.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_accept_content=["json"],
    result_expires=86400,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_time_limit=JOB_TIME_LIMIT,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

def broker_problem() -> str | None:
    """Why the broker cannot take jobs now (None: it can), for ``/healthz``."""
    return None


# The worker learns the background callbacks' task names by building the app,
# which registers them on ``celery`` above (a web server importing this module
# through app.wsgi finds app.wsgi already being imported and goes on).
from . import wsgi  # noqa: E402, F401
