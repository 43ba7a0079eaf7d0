"""The module-level dashboard instance: WSGI entry point ``app.wsgi:server``.

Importing this module builds the app (callbacks registered, kernels warmed),
which is why it is its own module: ``import app`` alone does no work.
``app:server`` keeps working (the package forwards the two names here on
first access), so ``gunicorn app:server`` and ``gunicorn app.wsgi:server``
serve the same thing.
"""

from . import create_app

__all__ = ["app", "server"]

app = create_app()
server = app.server
