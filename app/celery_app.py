"""Celery's entry point: ``celery -A app.celery_app worker``.

Builds the Celery app (:func:`app.shell.celery_conf.get_celery`; a
one-line error without ``CELERY_BROKER_URL``) and then the dashboard
(:mod:`app.wsgi`), whose background callbacks register themselves as this
app's tasks, so web servers and workers agree on the task names as long as
they run the same code.  The experiment cells' task
(:func:`uvcore.nets.distributed.register`) is registered on it too, so the
same workers run the cells of the Real networks view's experiments and of
``python -m uvcore network-experiment --celery``.
"""

from uvcore.nets.distributed import register

from .shell.celery_conf import get_celery

celery = get_celery()
register(celery)

from . import wsgi  # noqa: E402, F401  (registers the tasks on ``celery``)
