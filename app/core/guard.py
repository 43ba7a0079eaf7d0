"""Small machinery every callback shares: which inputs fired, whether a button
was really clicked, and the last-resort guard that keeps a request from
failing.

A callback parses, calls the engine and calls figures; anything it did not
foresee must still give the user an answer, never a 500.  :func:`guarded`
is that one wrapper: it logs the exception with the callback's name and
returns the fallback answer instead.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable

__all__ = ["guarded", "triggered", "clicked"]

log = logging.getLogger(__name__)


def triggered() -> list[str]:
    """Prop ids (``"id.prop"``) that fired the running callback; [] outside one."""
    from dash import ctx  # noqa: PLC0415
    try:
        return [p for p in ctx.triggered_prop_ids if p and p != "."]
    except Exception:  # noqa: BLE001  (no callback context: a direct call)
        return []


def clicked(n_clicks: Any) -> bool:
    """``n_clicks`` is a real click count (an int ≥ 1, not a bool)."""
    return isinstance(n_clicks, int) and not isinstance(n_clicks, bool) and n_clicks >= 1


def guarded(fallback: Any, what: str | None = None) -> Callable:
    """Decorator: the function's answer, or ``fallback`` when it raises.

    ``fallback`` is the answer itself, or a callable ``fallback(exc)`` that
    builds one.  The exception is logged with its traceback under ``what``
    (default: the function's name), so a bug is visible in the server's log
    while the user sees a message.
    """
    def wrap(fn: Callable) -> Callable:
        name = what or fn.__qualname__

        @functools.wraps(fn)
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001  (the one last-resort handler)
                log.exception("%s failed", name)
                return fallback(exc) if callable(fallback) else fallback
        return run
    return wrap
