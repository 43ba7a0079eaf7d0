"""Production settings of the Flask server under the dashboard.

:func:`harden` (called by ``create_app``) adds:

* ``SECRET_KEY`` from the environment (shared by every worker and machine:
  it signs the handles of background jobs).  Unset: a random key, for one
  development process only, and a warning; in production
  (``SHARPNESS_LAB_PRODUCTION=1``, set by ``app/gunicorn_conf.py`` and the
  Docker image) start-up fails instead.
* ``MAX_CONTENT_LENGTH`` (bytes, default 1 MB): larger request bodies get 413.
* outside debug: no Python/Dash/Plotly versions in the page's config, and
  404 for ``/_reload-hash`` and source maps (``*.map``);
* Security headers on every answer: a Content-Security-Policy that allows
  only this origin (plus the hashes of Dash's inline scripts, inline styles
  for Plotly, and ``FRAME_ANCESTORS`` for embedding), ``nosniff``, a
  Referrer-Policy.
* Errors as short JSON (``{"error": ...}``) with the status code and never a
  traceback; the exception is logged on the server.
* One JSON line per request on the ``app.access`` logger: time, method,
  path, status, duration, size, worker pid (and, for
  ``/_dash-update-component``, the callback's output and, on a background
  job's polls, the first characters of its key).

Compression (gzip/brotli via flask-compress) is Dash's ``compress=True``, at
brotli quality :data:`BROTLI_QUALITY`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import sys
import time

import dash
import flask
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .config import ConfigError, env_int, env_str

__all__ = ["harden", "json_body", "production", "secret_key", "max_content_length",
           "frame_ancestors", "content_security_policy", "DEFAULT_MAX_CONTENT_LENGTH",
           "BROTLI_QUALITY",
           "configure_logging", "VERSION_CONFIG_KEYS"]

log = logging.getLogger(__name__)
access_log = logging.getLogger("app.access")

#: Default largest request body (bytes).  Dash's biggest legitimate request
#: (the phase-plane callback with 8 trajectories and a zoom) is a few kB.
DEFAULT_MAX_CONTENT_LENGTH = 1 * 2**20

#: Brotli quality of compressed answers.  flask-compress's default (4) took
#: 2.2 ms for a 212 kB phase-plane answer (18 kB out) and 165 ms for Plotly's
#: 4.8 MB bundle on a page's first load; quality 1 takes 0.5 ms (24 kB) and
#: 49 ms (1.7 MB): every answer of a slider or a typed value pays it.
BROTLI_QUALITY = 1

#: A CSP source expression allowed in FRAME_ANCESTORS: a keyword, a scheme,
#: or a host source (scheme://host[:port][/path], wildcards in the host).
_SOURCE = re.compile(r"^('self'|'none'|https?:|(https?://)?(\*\.)?[A-Za-z0-9.-]+(:(\d+|\*))?"
                     r"(/[A-Za-z0-9._~/-]*)?)$")


def production() -> bool:
    """True under gunicorn / the Docker image (``SHARPNESS_LAB_PRODUCTION=1``)."""
    return env_str("SHARPNESS_LAB_PRODUCTION") == "1"


def secret_key() -> str:
    """``SECRET_KEY``; a random one only outside production (and a warning)."""
    key = env_str("SECRET_KEY")
    if key is not None:
        if len(key) < 16:
            raise ConfigError("SECRET_KEY is too short: use at least 16 random characters "
                              "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')")
        return key
    if production():
        raise ConfigError("SECRET_KEY is not set: every worker and machine must share one "
                          "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')")
    log.warning("SECRET_KEY is not set: using a random key, valid for this single "
                "development process only")
    return secrets.token_hex(32)


def max_content_length() -> int:
    return env_int("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH, lo=1024)


def frame_ancestors() -> str:
    """``FRAME_ANCESTORS`` (space-separated CSP sources; default ``'self'``)."""
    raw = env_str("FRAME_ANCESTORS", "'self'")
    tokens = raw.split()
    bad = [t for t in tokens if not _SOURCE.match(t)]
    if bad or not tokens:
        raise ConfigError(f"FRAME_ANCESTORS: not a CSP source list: {raw!r} "
                          "(e.g. \"'self' https://course.example.edu\")")
    return " ".join(tokens)


def content_security_policy(dash_app: dash.Dash, ancestors: str) -> str:
    """The CSP of every answer.

    Scripts: this origin and the hashes of Dash's inline scripts (the
    renderer's start-up and the clientside callbacks), nothing else.
    Styles: 'unsafe-inline' (Plotly and Dash components set style
    attributes).  Images: data:/blob: for Plotly's PNG/SVG export.
    """
    script = " ".join(["'self'", *dash_app.csp_hashes()])       # hashes come quoted
    directives = {
        "default-src": "'self'",
        "script-src": script,
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": ancestors,
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def configure_logging() -> None:
    """One JSON line per request on stderr (unless the host configured logging)."""
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=env_str("LOG_LEVEL", "INFO").upper(), stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def json_body():
    """The request's JSON body, parsed once per request; None when there is
    none or it cannot be read (not JSON, or nested deeper than Python's
    recursion limit: ``json`` raises RecursionError past about 1000 levels)."""
    if "json_body" not in flask.g:
        try:
            body = flask.request.get_json(silent=True, cache=True) \
                if flask.request.is_json else None
        except RecursionError:
            body = None
        flask.g.json_body = body
    return flask.g.json_body


def _error(status: int, message: str):
    return flask.jsonify(error=message, status=status), status


#: Keys of the page's ``_dash-config`` that only Dash's debug UI reads
#: (``dash_renderer.dev.js``); outside debug they only tell who asks which
#: Python, Dash and Plotly builds run here.
VERSION_CONFIG_KEYS = ("python_version", "dash_version", "dash_version_url", "plotly_version",
                       "ddk_version")


def _without_versions(dash_app: dash.Dash) -> None:
    """Drop :data:`VERSION_CONFIG_KEYS` from the config every page load carries."""
    full_config = dash_app._config  # noqa: SLF001  (the one place Dash builds it)

    def _config():
        cfg = full_config()
        for key in VERSION_CONFIG_KEYS:
            cfg.pop(key, None)
        return cfg

    dash_app._config = _config  # noqa: SLF001


def harden(dash_app: dash.Dash, debug: bool = False) -> None:
    """Apply the production settings above to ``dash_app.server``.

    Outside ``debug`` also: no versions in the page's config, and 404 for
    what only development uses (``_reload-hash``, the renderer's source maps).
    """
    server = dash_app.server
    if not debug:
        _without_versions(dash_app)
    configure_logging()
    server.secret_key = secret_key()
    server.config["MAX_CONTENT_LENGTH"] = max_content_length()
    server.config["PROPAGATE_EXCEPTIONS"] = False
    server.config["TRAP_HTTP_EXCEPTIONS"] = False
    server.config["COMPRESS_BR_LEVEL"] = BROTLI_QUALITY
    _check_requests(dash_app, debug)
    _headers_and_log(dash_app)
    _error_pages(server)


def _check_requests(dash_app: dash.Dash, debug: bool) -> None:
    """Before a request: refuse development-only paths in production and
    bodies over ``MAX_CONTENT_LENGTH`` (also chunked ones), and start the clock."""
    server = dash_app.server
    dev_only_path = dash_app.config.routes_pathname_prefix + "_reload-hash"

    @server.before_request
    def _start_clock():
        flask.g.t0 = time.perf_counter()
        if not debug and (flask.request.path == dev_only_path
                          or flask.request.path.endswith(".map")):
            flask.abort(404)
        limit = server.config["MAX_CONTENT_LENGTH"]
        length = flask.request.content_length
        if length is not None and length > limit:
            flask.abort(413)
        if length is None and "chunked" in flask.request.headers.get("Transfer-Encoding", ""):
            # werkzeug cuts a streamed body at the limit without a word (the cut
            # JSON would then be "malformed", 400): read it here, and anything
            # left on the server's input past the limit makes it 413
            if len(flask.request.get_data(cache=True)) >= limit \
                    and flask.request.environ["wsgi.input"].read(1):
                flask.abort(413)


def _headers_and_log(dash_app: dash.Dash) -> None:
    """After a request: the security headers, and one JSON log line."""
    server = dash_app.server
    ancestors = frame_ancestors()
    static_headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if ancestors in ("'self'", "'none'"):
        static_headers["X-Frame-Options"] = "SAMEORIGIN" if ancestors == "'self'" else "DENY"
    csp_cache: dict = {}
    callback_path = dash_app.config.routes_pathname_prefix + "_dash-update-component"

    @server.after_request
    def _add(response: flask.Response):
        if "csp" not in csp_cache:                 # after every callback is registered
            csp_cache["csp"] = content_security_policy(dash_app, ancestors)
        response.headers.setdefault("Content-Security-Policy", csp_cache["csp"])
        for k, v in static_headers.items():
            response.headers.setdefault(k, v)
        _log_request(response.status_code, response.calculate_content_length(), callback_path)
        return response


def _log_request(status: int, size, callback_path: str) -> None:
    req = flask.request
    t0 = flask.g.get("t0")
    record = {
        "ts": round(time.time(), 3),
        "method": req.method,
        "path": req.path,
        "status": status,
        "duration_ms": round(1000 * (time.perf_counter() - t0), 2) if t0 else None,
        "bytes": size,
        "pid": os.getpid(),
    }
    if req.path == callback_path and status != 413:
        body = json_body()
        if isinstance(body, dict) and isinstance(body.get("output"), str):
            record["output"] = body["output"][:120]
        job = req.args.get("cacheKey")
        if job:
            record["job"] = job[:16]          # a background job's poll (key prefix)
    access_log.info(json.dumps(record, ensure_ascii=False))


def _error_pages(server: flask.Flask) -> None:
    """Every error answers with a small JSON body, never a traceback."""
    @server.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc):
        return _error(413, f"request body larger than {server.config['MAX_CONTENT_LENGTH']} "
                           "bytes")

    @server.errorhandler(dash.exceptions.DependencyException)
    @server.errorhandler(FileNotFoundError)        # a registered resource's file is missing
    def _no_such_asset(_exc):
        return _error(404, "Not Found")

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return _error(exc.code or 500, exc.name)

    @server.errorhandler(Exception)
    def _internal_error(exc: Exception):
        log.exception("unhandled error in %s %s", flask.request.method, flask.request.path)
        return _error(500, "internal error: the server could not answer this request "
                           "(logged on the server)")
