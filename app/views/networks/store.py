"""The Real networks view's store of finished runs: a diskcache of payloads.

A finished result is stored under the SHA-256 of its normalized parameters
(only those the experiment uses, plus :data:`CACHE_VERSION`) in a diskcache
in ``NETWORKS_CACHE_DIR`` (default ``$XDG_CACHE_HOME/sharpness-lab/networks``,
mode 0700), as JSON text (never pickle), for :data:`CACHE_SECONDS`, at most
:data:`CACHE_SIZE` bytes.  Every process on the machine (gunicorn workers,
job subprocesses, Celery workers) shares it, so running the same parameters
again returns at once.  A broken cache is a miss, never an error of the job.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ...core.guard import guarded
from ...shell.config import cache_root, env_str, private_dir
from .caps import DTYPE, NetParams

__all__ = ["CACHE_VERSION", "CACHE_SECONDS", "CACHE_SIZE", "cache_key", "cache_dir",
           "open_cache", "valid_key", "cache_get", "cache_put"]

CACHE_VERSION = "networks-3"
CACHE_SECONDS = 7 * 24 * 3600
CACHE_SIZE = 256 * 2**20


def cache_key(p: NetParams) -> str:
    """The hex SHA-256 naming the result of ``p`` (its used fields, the version, dtype)."""
    text = json.dumps({"v": CACHE_VERSION, "dtype": DTYPE, **p.key_fields()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_dir():
    """The cache's directory (created private; env ``NETWORKS_CACHE_DIR``)."""
    return private_dir(env_str("NETWORKS_CACHE_DIR") or cache_root() / "networks",
                       "NETWORKS_CACHE_DIR")


def open_cache():
    """The diskcache (a context manager; opened per use, shared across processes)."""
    import diskcache  # noqa: PLC0415
    return diskcache.Cache(str(cache_dir()), size_limit=CACHE_SIZE)


def valid_key(key: Any) -> bool:
    """``key`` has the form of :func:`cache_key` (what a browser store may claim)."""
    return isinstance(key, str) and len(key) == 64 and all(ch in "0123456789abcdef" for ch in key)


@guarded(None, "networks cache: read")
def _read(key: str) -> dict | None:
    with open_cache() as c:
        raw = c.get(key)
    if not isinstance(raw, str):
        return None
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None


def cache_get(key: Any) -> dict | None:
    """The cached payload of ``key`` or None (missing, unreadable). Never raises."""
    return _read(key) if valid_key(key) else None


@guarded(False, "networks cache: write")
def cache_put(key: str, payload: dict) -> bool:
    """Store ``payload`` (strict JSON) under ``key``; False when it could not be stored."""
    text = json.dumps(payload, allow_nan=False, separators=(",", ":"))
    with open_cache() as c:
        c.set(key, text, expire=CACHE_SECONDS)
    return True
