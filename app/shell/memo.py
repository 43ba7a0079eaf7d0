"""The memo cache of the dashboard: flask-caching with a JSON codec.

Every memoized function takes only normalized primitives (floats, ints,
tuples), so the cache key is the normalized state and a layer is recomputed
only when something it depends on changes.  :func:`memoize` makes every real
number a float before the key is built, so 5 and 5.0 share one entry.

Backend (:func:`cache_config`), chosen explicitly:

* ``CACHE_TYPE`` (env) if set: ``SimpleCache``, ``FileSystemCache``,
  ``RedisCache`` or ``NullCache``;
* else ``RedisCache`` when ``REDIS_URL`` is set (shared by every worker and
  machine);
* else ``FileSystemCache`` in ``CACHE_DIR`` (default
  ``$XDG_CACHE_HOME/sharpness-lab/memo``, mode 0700) in production or with
  ``WEB_CONCURRENCY`` > 1 (shared by the workers of one machine);
* else ``SimpleCache`` (one process: development, tests).  SimpleCache with
  more than one worker is refused.

Entries are written as JSON (:mod:`app.shell.cache`), never pickle, and
bounded: ``CACHE_THRESHOLD`` entries (SimpleCache, FileSystemCache; for Redis
set ``maxmemory`` with an LRU policy on the server).  ``create_app({"cache":
{...}})`` passes a flask-caching config instead.  Until
:func:`init_cache` attached the cache to an app, memoized functions simply
compute (scripts, tests); nothing is set up at import.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers

import flask
import numpy as np
from flask_caching import Cache

from . import cache as cache_codec
from .config import ConfigError, cache_root, env_int, env_str, private_dir, probe_dir

__all__ = ["cache", "cache_config", "cache_problem", "init_cache", "attached", "memoize",
           "memoize_local", "key_arg", "CACHE_TYPES", "CACHE_TIMEOUT", "LOCAL_CACHE_SIZE"]

#: Seconds a memoized result lives.
CACHE_TIMEOUT = 3600
#: Most entries of an in-process cache (default of CACHE_THRESHOLD there).
CACHE_THRESHOLD = 2000
#: Most entries of the file cache (entries are up to ~1 MB: a 20000-step
#: trajectory), so ≈ 500 MB of disk at most by default.
FILE_CACHE_THRESHOLD = 500
#: Values of the CACHE_TYPE environment variable.
CACHE_TYPES = ("SimpleCache", "FileSystemCache", "RedisCache", "NullCache")

cache = Cache()


def _workers() -> int:
    return env_int("WEB_CONCURRENCY", 1, lo=1)


def cache_config(config: dict | None = None) -> dict:
    """The flask-caching config: ``config`` if given, else from the environment
    (see the module docstring).  Raises ConfigError on an unusable setting."""
    if config:
        return dict(config)
    from .server import production  # noqa: PLC0415
    url = env_str("REDIS_URL")
    kind = env_str("CACHE_TYPE")
    if kind is None:
        kind = ("RedisCache" if url else
                "FileSystemCache" if production() or _workers() > 1 else "SimpleCache")
    if kind not in CACHE_TYPES:
        raise ConfigError(f"CACHE_TYPE={kind!r}: use one of {', '.join(CACHE_TYPES)}")
    base = {"CACHE_TYPE": kind, "CACHE_DEFAULT_TIMEOUT": CACHE_TIMEOUT}
    if kind == "RedisCache":
        if not url:
            raise ConfigError("CACHE_TYPE=RedisCache needs REDIS_URL")
        return {**base, "CACHE_REDIS_URL": url, "CACHE_KEY_PREFIX": "sharpness-lab:"}
    if kind == "FileSystemCache":
        directory = private_dir(env_str("CACHE_DIR") or cache_root() / "memo", "CACHE_DIR")
        return {**base, "CACHE_DIR": str(directory),
                "CACHE_THRESHOLD": env_int("CACHE_THRESHOLD", FILE_CACHE_THRESHOLD, lo=1),
                "CACHE_OPTIONS": {"mode": 0o600}}
    if kind == "SimpleCache":
        if _workers() > 1:
            raise ConfigError("CACHE_TYPE=SimpleCache is per process: with WEB_CONCURRENCY > 1 "
                              "use FileSystemCache or RedisCache")
        return {**base, "CACHE_THRESHOLD": env_int("CACHE_THRESHOLD", CACHE_THRESHOLD, lo=1)}
    return base


def cache_problem(cfg: dict) -> str | None:
    """Why the memo cache of config ``cfg`` cannot store entries now (None: it
    can).  A file cache's directory is probed; a failed store is only a miss,
    so requests go on, but ``/healthz`` says so."""
    if cfg.get("CACHE_TYPE") == "FileSystemCache":
        return probe_dir(cfg["CACHE_DIR"], "CACHE_DIR")
    return None


def init_cache(server: flask.Flask, config: dict | None = None) -> dict:
    """Attach the memo cache to a Flask server (called by ``create_app``).

    Returns the config used; the backend gets a JSON serializer
    (:func:`app.shell.cache.install`).
    """
    cfg = cache_config(config)
    cache.init_app(server, config=cfg)
    cache_codec.install(server.extensions["cache"][cache])
    cache.app = server            # jobs call memoized functions outside any request
    return cfg


def attached() -> bool:
    """The memo cache is attached to a Flask app (by :func:`init_cache`)."""
    if getattr(cache, "app", None) is not None:
        return True
    return flask.has_app_context() and cache in flask.current_app.extensions.get("cache", {})


def key_arg(v):
    """Normalized memo argument: every real number (not bool) a float; tuples
    and lists element-wise (as tuples); anything else unchanged."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, numbers.Real):
        return float(v) + 0.0                  # 5 → 5.0, −0.0 → 0.0
    if isinstance(v, (tuple, list)):
        return tuple(key_arg(x) for x in v)
    return v


def memoize(fn):
    """``cache.memoize`` whose key (and call) uses :func:`key_arg` arguments."""
    cached = cache.memoize(timeout=CACHE_TIMEOUT)(fn)

    @functools.wraps(fn)
    def wrapper(*args):
        args = tuple(key_arg(a) for a in args)
        return cached(*args) if attached() else fn(*args)

    wrapper.memoized = cached
    return wrapper


#: Entries per function of the per-process memo (:func:`memoize_local`).
LOCAL_CACHE_SIZE = 64


def memoize_local(fn):
    """A bounded per-process LRU memo with :func:`key_arg` keys.

    For results that cost about a millisecond to compute (the phase plane's
    layers and trajectories): serializing them into a shared cache (a file or
    Redis) costs more than computing them again, so only repeated requests to
    the same worker are served from memory.  Results are frozen (arrays made
    read-only) because every caller shares them.
    """
    cached = functools.lru_cache(maxsize=LOCAL_CACHE_SIZE)(lambda *a: _freeze(fn(*a)))

    @functools.wraps(fn)
    def wrapper(*args):
        return cached(*(key_arg(a) for a in args))

    wrapper.memoized = cached
    return wrapper


def _freeze(obj):
    """Make every array reachable through dataclasses and tuples read-only."""
    if isinstance(obj, np.ndarray):
        obj.flags.writeable = False
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _freeze(getattr(obj, f.name))
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            _freeze(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            _freeze(item)
    return obj
