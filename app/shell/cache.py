"""JSON instead of pickle for the memo cache (:mod:`app.compute`).

A cache shared through files or Redis must not unpickle what it reads:
whoever can write there could run code in the app.  The memoized results are
frozen dataclasses of :mod:`uvcore` and :mod:`app.compute` holding numbers,
strings, tuples, dicts and NumPy arrays, so they are written as tagged JSON:

* ``{"__nd__": [dtype, shape, base64]}`` — a numeric array, bit-exact;
* ``{"__dc__": "module:Class", "s": {...}}`` — a dataclass instance, decoded
  only for dataclasses of this project's packages (:data:`ALLOWED_PACKAGES`),
  by setting its attributes (no constructor, no code from the entry);
* ``{"__t__": [...]}`` tuple, ``{"__f__": "nan"|"inf"|"-inf"}`` non-finite
  float, ``{"__c__": [re, im]}`` complex, ``{"__m__": [[k, v], …]}`` dict
  with non-string keys.

Anything else (an unknown tag, a class outside the list, an object array)
decodes as a cache miss (``None`` is never stored by the memoized functions).
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import json
import logging
import math
from typing import Any

import numpy as np
from cachelib.serializers import BaseRedisSerializer, BaseSerializer

__all__ = ["dumps", "loads", "JSONFileSerializer", "JSONRedisSerializer",
           "JSONSimpleSerializer", "install", "ALLOWED_PACKAGES", "CodecError"]

log = logging.getLogger(__name__)

#: Packages whose dataclasses may be rebuilt from the cache (this project's).
ALLOWED_PACKAGES = ("uvcore", "app")
_TAGS = frozenset({"__nd__", "__dc__", "__t__", "__f__", "__c__", "__m__"})
_ARRAY_KINDS = frozenset("biufc")


class CodecError(ValueError):
    """A value that this codec does not write or read."""


def _float(v: float):
    if math.isfinite(v):
        return v
    return {"__f__": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}


def encode(obj: Any) -> Any:
    """A JSON-ready structure for ``obj`` (raises CodecError for other types)."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int) and not isinstance(obj, bool):
        return int(obj)
    if isinstance(obj, float):
        return _float(float(obj))
    if isinstance(obj, complex):
        return {"__c__": [_float(obj.real), _float(obj.imag)]}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in _ARRAY_KINDS:
            raise CodecError(f"array of dtype {obj.dtype} is not cached")
        a = np.ascontiguousarray(obj)
        return {"__nd__": [a.dtype.str, list(a.shape), base64.b64encode(a.tobytes()).decode()]}
    if isinstance(obj, np.generic):
        return encode(obj.item())
    if isinstance(obj, tuple):
        return {"__t__": [encode(v) for v in obj]}
    if isinstance(obj, list):
        return [encode(v) for v in obj]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and not _TAGS.intersection(obj):
            return {k: encode(v) for k, v in obj.items()}
        return {"__m__": [[encode(k), encode(v)] for k, v in obj.items()]}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        cls = type(obj)
        if not _allowed(cls.__module__):
            raise CodecError(f"{cls.__module__}.{cls.__qualname__} is not cached")
        return {"__dc__": f"{cls.__module__}:{cls.__qualname__}",
                "s": {k: encode(v) for k, v in vars(obj).items()}}
    raise CodecError(f"{type(obj).__name__} is not cached")


def _allowed(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in ALLOWED_PACKAGES)


def _class(path: str) -> type:
    module, _, qualname = path.partition(":")
    if not _allowed(module):
        raise CodecError(f"class from module {module!r} refused")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and dataclasses.is_dataclass(obj)):
        raise CodecError(f"{path} is not a dataclass")
    return obj


def decode(data: Any) -> Any:
    """Inverse of :func:`encode` (raises CodecError on anything unexpected)."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__f__" in data:
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[data["__f__"]]
    if "__t__" in data:
        return tuple(decode(v) for v in data["__t__"])
    if "__c__" in data:
        re_, im = data["__c__"]
        return complex(decode(re_), decode(im))
    if "__nd__" in data:
        dtype, shape, payload = data["__nd__"]
        dt = np.dtype(dtype)
        if dt.kind not in _ARRAY_KINDS:
            raise CodecError(f"array dtype {dtype} refused")
        return np.frombuffer(base64.b64decode(payload), dtype=dt).reshape(shape).copy()
    if "__m__" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["__m__"]}
    if "__dc__" in data:
        cls = _class(data["__dc__"])
        obj = object.__new__(cls)
        obj.__dict__.update({k: decode(v) for k, v in data["s"].items()})
        return obj
    return {k: decode(v) for k, v in data.items()}


def _hashable(k):
    return tuple(k) if isinstance(k, list) else k


def dumps(value: Any) -> bytes:
    return json.dumps(encode(value), separators=(",", ":"), allow_nan=False).encode()


def loads(raw: bytes | str) -> Any:
    return decode(json.loads(raw))


class _Mixin:
    def _warn(self, e: Exception) -> None:  # noqa: D401 — cachelib's hook
        log.warning("memo cache: %s", e)

    def dumps(self, value: Any, *_a, **_k) -> bytes | None:
        try:
            return dumps(value)
        except (CodecError, TypeError, ValueError) as e:
            self._warn(e)
            return None

    def loads(self, raw, *_a, **_k) -> Any:
        try:
            return loads(raw)
        except (CodecError, TypeError, ValueError, KeyError, AttributeError,
                ImportError) as e:
            self._warn(e)
            return None


class JSONSimpleSerializer(_Mixin, BaseSerializer):
    """For cachelib's SimpleCache (in-process; JSON keeps one code path)."""


class JSONFileSerializer(_Mixin, BaseSerializer):
    """For FileSystemCache (streams)."""

    def dump(self, value: Any, f, *_a, **_k) -> None:
        data = self.dumps(value)
        f.write(data if data is not None else b"")   # an empty entry reads as a miss

    def load(self, f, *_a, **_k) -> Any:
        return self.loads(f.read())


class JSONRedisSerializer(_Mixin, BaseRedisSerializer):
    """For RedisCache: integers stay plain ASCII (INCR), the rest is ``!`` + JSON."""

    def dumps(self, value: Any, *_a, **_k) -> bytes:
        if type(value) is int:
            return str(value).encode("ascii")
        data = super().dumps(value)
        if data is None:
            raise ValueError("value not serializable for the cache")
        return b"!" + data

    def loads(self, value, *_a, **_k) -> Any:
        if value is None:
            return None
        if value.startswith(b"!"):
            return super().loads(value[1:])
        try:
            return int(value)
        except ValueError:
            return None


def _recount(backend) -> None:
    """Count a FileSystemCache's entries again, with the JSON serializer.

    cachelib keeps the number of entries in a management file
    (``FileSystemCache._fs_count_file``, not itself an entry: ``_list_dir``
    leaves it out) and prunes only when that number exceeds the threshold
    (``_prune`` → ``_remove_expired``, then ``_remove_older`` until it no
    longer does).  Its constructor counts the files in the directory but
    writes the count with the serializer it has then, pickle; the JSON
    serializer reads that file as a miss, so the count restarted at 0 at
    every boot and the entries of earlier boots were never pruned.  Here the
    count is written again from the files actually present, as JSON, and a
    directory already over the threshold is pruned at once.  Nothing is
    unpickled: the pickled count is only overwritten.
    """
    if backend._threshold == 0:             # cachelib does not count then
        return
    backend._update_count(value=sum(1 for _ in backend._list_dir()))
    backend._prune()


def install(backend) -> str:
    """Give a flask-caching/cachelib backend the matching JSON serializer.

    A FileSystemCache also has its entries counted again (:func:`_recount`).
    Returns the serializer's name ("json") or "none" for backends without a
    serializer (NullCache).
    """
    from cachelib import FileSystemCache, RedisCache, SimpleCache  # noqa: PLC0415
    if isinstance(backend, FileSystemCache):
        backend.serializer = JSONFileSerializer()
        _recount(backend)
    elif isinstance(backend, RedisCache):
        backend.serializer = JSONRedisSerializer()
    elif isinstance(backend, SimpleCache):
        backend.serializer = JSONSimpleSerializer()
    else:
        return "none"
    return "json"
