"""Celery's entry point: ``celery -A app.celery_app worker``.

Builds the Celery app (:func:`app.shell.celery_conf.get_celery`; a
one-line error without ``CELERY_BROKER_URL``) and then the dashboard
(:mod:`app.wsgi`), whose background callbacks register themselves as this
app's tasks, so web servers and workers agree on the task names as long as
they run the same code.
"""

from .shell.celery_conf import get_celery

celery = get_celery()

from . import wsgi  # noqa: E402, F401  (registers the tasks on ``celery``)
