"""The shell of the dashboard: what serves it and runs its jobs, apart from any view.

``server`` (hardening, request guards, production mode) · ``config``
(environment settings, directories) · ``cache`` (the memo cache's JSON codec)
· ``jobs`` (the background-callback manager and its helpers), with
``job_manager`` and ``job_queue`` (diskcache path) and ``celery_conf``,
``celery_manager``, ``celery_queue`` (Celery path) · ``front`` (nginx in
front of gunicorn).  Nothing here imports a view.
"""
