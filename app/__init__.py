"""Sharpness Lab dashboard: the (Δf, λ) phase plane of the UV model.

``create_app(config=None)`` builds the Dash app.  Importing the package does
no work; the module-level instance lives in :mod:`app.wsgi` (WSGI entry
point ``app.wsgi:server``; ``app:server`` still names it, built on first
access).  Everything is
served locally (no CDN, no external URL), so it works in a classroom without
internet.  Debug mode and dev tools are off unless ``DASH_DEBUG=1``.

``config`` (optional dict) may hold:

* ``"cache"`` — a flask-caching config (default: SimpleCache, or RedisCache
  when ``REDIS_URL`` is set; see :mod:`app.shell.memo`);
* ``"warmup"`` — False to skip compiling the kernels at start (tests);
* ``"views"`` — the views (:class:`app.core.registry.View`) to show
  (default: :func:`app.views.load`, every package of :mod:`app.views`);
* ``"jobs"`` — a Dash background-callback manager (default:
  :func:`app.shell.jobs.make_manager`: Celery when ``CELERY_BROKER_URL`` is set,
  else diskcache in ``JOBS_DIR``).
"""

from __future__ import annotations

import functools
import logging
import os

import dash
import flask

import uvcore
from uvcore import threading_layer

from .shell import envelope, health, jobs, memo
from .shell import server as hardening
from .core import layout, registry
from .core.layout import make_layout
from .views import load as load_views

__all__ = ["create_app", "app", "server", "ASSETS_FOLDER", "debug_enabled"]

log = logging.getLogger(__name__)

#: The dashboard's CSS and JS, inside the package so that ``pip install .`` ships it.
ASSETS_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets")
APP_TITLE = "Sharpness Lab"


def debug_enabled() -> bool:
    """``DASH_DEBUG=1``, and never in production (gunicorn / the Docker image)."""
    if os.environ.get("DASH_DEBUG", "") != "1":
        return False
    if hardening.production():
        log.warning("DASH_DEBUG=1 ignored: debug mode is off in production")
        return False
    return True


def create_app(config: dict | None = None) -> dash.Dash:
    """Build the dashboard (kernels warmed, cache attached, callbacks registered)."""
    config = dict(config or {})
    # Background jobs fork this process after the parallel kernels ran: TBB,
    # loadable from a venv's lib/ too (see uvcore.threading_layer).
    threading_layer.configure()
    debug = debug_enabled()
    server = flask.Flask(__name__)
    views = registry.ordered(config["views"] if "views" in config else load_views())
    manager = config["jobs"] if "jobs" in config else jobs.make_manager()
    app = dash.Dash(
        __name__,
        server=server,
        title=APP_TITLE,
        update_title=None,
        assets_folder=ASSETS_FOLDER,
        serve_locally=True,
        compress=True,
        external_scripts=[],
        external_stylesheets=[],
        suppress_callback_exceptions=True,
        background_callback_manager=manager,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.config.suppress_callback_exceptions = True
    app.enable_dev_tools(debug=debug, dev_tools_ui=debug, dev_tools_props_check=debug,
                         dev_tools_serve_dev_bundles=debug, dev_tools_hot_reload=False,
                         dev_tools_silence_routes_logging=not debug)
    cache_cfg = memo.init_cache(server, config.get("cache"))
    app.layout = functools.partial(make_layout, views)
    layout.register_callbacks(app, views)
    for view in views:
        if view.register is not None:
            view.register(app)

    hardening.harden(app, debug=debug)           # first: its before_request hooks run first
    envelope.guard_callback_requests(app)
    health.add_healthz(server, cache_cfg, manager)

    if config.get("warmup", True):
        seconds = uvcore.warmup()
        log.info("uvcore kernels warmed in %.2f s", seconds)
    return app


def __getattr__(name: str):
    """``app.app`` and ``app.server``: the instance of :mod:`app.wsgi`, built
    on first access (``gunicorn app:server``), never by ``import app``."""
    if name in ("app", "server"):
        from . import wsgi  # noqa: PLC0415
        return getattr(wsgi, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
