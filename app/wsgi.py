"""The module-level dashboard instance: WSGI entry point ``app.wsgi:server``.

Importing this module builds the app (callbacks registered, kernels warmed),
which is why it is its own module: ``import app`` alone does no work.
``app:server`` keeps working (the package forwards the two names here on
first access), so ``gunicorn app:server`` and ``gunicorn app.wsgi:server``
serve the same thing.
"""

import sys

from . import create_app
from .shell.config import ConfigError

__all__ = ["app", "server"]

try:
    app = create_app()
except ConfigError as err:
    # one line naming the setting, then gunicorn's "worker failed to boot" code
    # (3), on which its master stops instead of restarting workers in a loop
    sys.stderr.write(f"sharpness-lab: {err}\n")
    sys.stderr.flush()
    raise SystemExit(3) from None
server = app.server
