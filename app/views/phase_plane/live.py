"""The phase plane's live path: the browser's slider gate and partial figures.

While a slider moves, ``app/assets/live.js`` forwards its latest value
(store :data:`ids.SLIDER_LIVE`) only when the previous plane request is done
(store :data:`ids.PLANE_DONE`, written by every answer): :func:`parse_live`
reads those messages.  The store :data:`ids.PLANE_SHOWN` tells what the
browser's figure shows (:func:`shown_key`), so an unchanged figure is not sent
again and a changed one is sent as a Dash ``Patch`` of the traces and layout
keys that differ (:func:`patch_from`).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from dash import Patch

import uvcore

from ...core.figures import figure_changes
from ...core.state import FIELDS, ViewParams, from_query, to_query

__all__ = ["Live", "Context", "parse_live", "done_signal", "shown_key", "cached_figure",
           "patch_from"]

SLIDER_KEYS = tuple(k for k, s in FIELDS.items() if s.slider)


@dataclass(frozen=True)
class Live:
    """A message of the browser's slider gate (store :data:`ids.SLIDER_LIVE`):
    a slider's value while it moves (``key``, ``value``); ``final`` marks the
    end of the gesture (its last value again, or none: then the typed inputs
    hold it)."""

    key: str | None
    value: float | None
    n: int | None
    final: bool


@dataclass(frozen=True)
class Context:
    """What the browser shows (``shown``, ``imported``) and the live value, if any."""

    shown: Any = None
    imported: Any = None
    live: Live | None = None


def parse_live(data: Any) -> tuple[Live | None, str | None]:
    """The gate's message ``{"key", "value", "n", "final"}`` (``final`` may come
    without a value), or an error message."""
    if not isinstance(data, Mapping):
        return None, "slider: malformed live value"
    n = data.get("n")
    if isinstance(n, bool) or not isinstance(n, int):
        n = None
    final = data.get("final") is True
    key, value = data.get("key"), data.get("value")
    if final and key is None and value is None:
        return Live(None, None, n, True), None
    if key not in SLIDER_KEYS:
        return None, f"slider: unknown slider {str(key)[:40]!r}"
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        return None, f"slider {key}: the value must be a finite number"
    return Live(key, float(value), n, final), None


def done_signal(live: "Live | None") -> dict:
    """The answer's signal to the browser's slider gate (app/assets/live.js)."""
    return {"n": live.n if live is not None else None, "t": time.time()}


def shown_key(p: ViewParams, imported: Any) -> str:
    """What a figure of state ``p`` shows: its query and the imported trace's digest."""
    digest = ""
    if imported is not None:
        raw = json.dumps(imported, sort_keys=True, default=str).encode()
        digest = hashlib.blake2b(raw, digest_size=8).hexdigest()
    return to_query(p) + "|" + digest


#: The last figures built, by :func:`shown_key` (per process: a miss rebuilds).
_FIGURES: OrderedDict = OrderedDict()
_FIGURES_LOCK = threading.Lock()
_FIGURES_KEPT = 8


def cached_figure(key: str, p: ViewParams, imported_trace,
                  build: Callable) -> tuple[dict, list[str]]:
    """``build(p, imported_trace)``, kept for the last few keys."""
    with _FIGURES_LOCK:
        if key in _FIGURES:
            _FIGURES.move_to_end(key)
            return _FIGURES[key]
    built = build(p, imported_trace)
    with _FIGURES_LOCK:
        _FIGURES[key] = built
        while len(_FIGURES) > _FIGURES_KEPT:
            _FIGURES.popitem(last=False)
    return built


def patch_from(shown: Any, key: str, fig: dict, imported_trace, build: Callable):
    """``fig`` as a Dash ``Patch`` of the figure the browser shows (only the
    traces and layout keys that differ), or ``fig`` itself when that figure
    cannot be rebuilt or differs in its traces' number."""
    if not isinstance(shown, str) or shown.count("|") != 1:
        return fig
    old_query, old_digest = shown.split("|")
    if old_digest != key.split("|")[1]:
        return fig
    old = from_query(old_query)
    if not old.ok or old.notes:
        return fig
    try:
        old_fig, _ = cached_figure(shown, old.params, imported_trace, build)
    except uvcore.UVInputError:
        return fig
    changes = figure_changes(old_fig, fig)
    if changes is None:
        return fig
    data, layout = changes
    patch = Patch()
    for i, trace_dict in data.items():
        patch["data"][i] = trace_dict
    for k, v in layout.items():
        patch["layout"][k] = v
    return patch
