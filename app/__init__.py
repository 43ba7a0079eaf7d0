"""Sharpness Lab dashboard: the (Δf, λ) phase plane of the UV model.

``create_app(config=None)`` builds the Dash app.  Importing the package does
no work; the module-level instance lives in :mod:`app.wsgi` (WSGI entry
point ``app.wsgi:server``; ``app:server`` still names it, built on first
access).  Everything is
served locally (no CDN, no external URL), so it works in a classroom without
internet.  Debug mode and dev tools are off unless ``DASH_DEBUG=1``.

``config`` (optional dict) may hold:

* ``"cache"`` — a flask-caching config (default: SimpleCache, or RedisCache
  when ``REDIS_URL`` is set; see :mod:`app.compute`);
* ``"warmup"`` — False to skip compiling the kernels at start (tests);
* ``"views"`` — iterable of extra view modules to register (default: every
  module of :mod:`app.views`);
* ``"jobs"`` — a Dash background-callback manager (default:
  :func:`app.shell.jobs.make_manager`: Celery when ``CELERY_BROKER_URL`` is set,
  else diskcache in ``JOBS_DIR``).
"""

from __future__ import annotations

import functools
import logging
import os
import time

import dash
import flask

import uvcore
from uvcore import threading_layer

from .shell import jobs, memo
from .shell import server as hardening
from .core import layout, registry
from .core.layout import make_layout
from .views import load as load_views

__all__ = ["create_app", "app", "server", "ASSETS_FOLDER", "debug_enabled"]

log = logging.getLogger(__name__)

#: The dashboard's CSS and JS, inside the package so that ``pip install .`` ships it.
ASSETS_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets")
APP_TITLE = "Sharpness Lab"
#: Seconds between two runs of /healthz's disk and broker probes (per process).
HEALTH_PROBE_S = 1.0


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
    _guard_callback_requests(app)
    _add_healthz(server, cache_cfg, manager)

    if config.get("warmup", True):
        seconds = uvcore.warmup()
        log.info("uvcore kernels warmed in %.2f s", seconds)
    return app


def _add_healthz(server: flask.Flask, cache_cfg: dict, manager) -> None:
    """``/healthz``: 200 while the app serves; ``status`` is ``"degraded"``, with
    the reasons in ``problems``, when jobs or the memo cache cannot store
    results (full or read-only disk, broker down)."""
    started = time.time()
    probed = {"at": -HEALTH_PROBE_S, "problems": []}

    @server.route("/healthz")
    def healthz():
        # the probes write to disk and ping the broker: at most once a second,
        # however often /healthz is asked
        now = time.monotonic()
        if now - probed["at"] >= HEALTH_PROBE_S:
            probed["problems"] = [p for p in (jobs.problem(manager),
                                              memo.cache_problem(cache_cfg)) if p]
            probed["at"] = now
        problems = probed["problems"]
        return flask.jsonify(status="degraded" if problems else "ok", problems=problems,
                             uptime_s=round(time.time() - started, 1),
                             uvcore_divergence_bound=float(uvcore.DIVERGENCE_BOUND),
                             cache=cache_cfg["CACHE_TYPE"], jobs=jobs.status(manager),
                             threading_layer=threading_layer.active_layer())


def _is_dep(item) -> bool:
    """One input/state/output entry: {"id": str|dict, "property": str, ...}."""
    return (isinstance(item, dict) and isinstance(item.get("id"), (str, dict))
            and isinstance(item.get("property"), str))


def _dep_list(items, expected: int | None) -> bool:
    if not isinstance(items, list) or (expected is not None and len(items) != expected):
        return False
    return all(_is_dep(i) or (isinstance(i, list) and all(_is_dep(j) for j in i))
               for i in items)


def _names(dep: dict, name: str) -> bool:
    """A plain (string-id) output dep names ``id.property`` of the key.  An
    ``@hash`` suffix marks an ``allow_duplicate`` output; Dash compares
    without it on both sides, and so does this."""
    return (isinstance(dep["id"], str)
            and f"{dep['id']}.{dep['property'].partition('@')[0]}" == name.partition("@")[0])


def _outputs_ok(key: str, outputs) -> bool:
    """``outputs`` matches the callback's key: the very output(s) it names
    (Dash raises, answering 500, on any other), or for a pattern-matching id
    a dep or a wildcard's list of deps (Dash checks those itself)."""
    if not key.startswith(".."):
        if key.startswith("{"):                      # pattern-matching id: a list is fine
            return _is_dep(outputs) or _dep_list(outputs, None)
        return _is_dep(outputs) and _names(outputs, key)
    names = key[2:-2].split("...")
    if not _dep_list(outputs, len(names)):
        return False
    return all(name.startswith("{") or (_is_dep(dep) and _names(dep, name))
               for dep, name in zip(outputs, names))


def _guard_callback_requests(dash_app: dash.Dash) -> None:
    """Answer 400 to callback requests whose envelope Dash cannot read.

    Dash itself raises (HTTP 500) on a body that is not an object, an unknown
    ``output``, a clientside callback's ``output``, or inputs that are not a list of {id, property, value}.  The
    *values* inside a well-formed envelope are the callbacks' business: they
    are parsed and validated by :mod:`app.core.state`.
    """
    server = dash_app.server
    route = dash_app.config.routes_pathname_prefix + "_dash-update-component"

    @server.before_request
    def _check_callback_envelope():
        if flask.request.method != "POST" or flask.request.path != route:
            return None
        body = hardening.json_body()
        cb = dash_app.callback_map.get(body.get("output")) \
            if isinstance(body, dict) and isinstance(body.get("output"), str) else None
        ok = (cb is not None
              and cb.get("callback") is not None       # clientside ones run in the browser
              and _dep_list(body.get("inputs"), len(cb.get("inputs", [])))
              and _dep_list(body.get("state", []), len(cb.get("state", [])))
              and isinstance(body.get("changedPropIds", []), list)
              and all(isinstance(p, str) for p in body.get("changedPropIds", []))
              and _outputs_ok(body["output"], body.get("outputs")))
        if not ok:
            return flask.jsonify(error="malformed callback request"), 400
        return None


def __getattr__(name: str):
    """``app.app`` and ``app.server``: the instance of :mod:`app.wsgi`, built
    on first access (``gunicorn app:server``), never by ``import app``."""
    if name in ("app", "server"):
        from . import wsgi  # noqa: PLC0415
        return getattr(wsgi, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
