"""What a view asks of the phase plane, through one store.

Views do not write the plane's controls or the URL themselves: they send an
*intent* into the store ``ids.INTENT`` (``Output(*intents.TARGET,
allow_duplicate=True)``), and the phase plane's callback, the one owner of
the state, applies it as if the user had done it there:

* :func:`set_eta` — set η (a click on a bifurcation diagram);
* :func:`add_start` — start a trajectory at (Δf, λ) (a click on the fate map);
* :func:`load_state` — replace the whole state by a query string (a preset),
  with a history entry;
* :func:`set_window` — show the window (Δf_lo, Δf_hi, λ_lo, λ_hi) (fit the
  plane to an imported trace), keeping everything else.

Each intent carries a fresh token, so sending the same one twice applies it
twice.  :func:`parse` reads the store back; the browser may send anything, so
it validates and never raises.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

from . import ids
from .state import parse_window

__all__ = ["TARGET", "Intent", "set_eta", "add_start", "load_state", "set_window", "parse",
           "KINDS"]

#: (component id, property) a view writes its intents to.
TARGET = (ids.INTENT, "data")
#: The kinds of intent, with the fields each carries.
KINDS = {"set-eta": ("eta",), "add-start": ("df", "lam"), "load-state": ("query",),
         "set-window": ("window",)}
#: Longest query string an intent may carry.
MAX_QUERY = 4000


@dataclass(frozen=True)
class Intent:
    """A validated intent: ``kind`` (a key of :data:`KINDS`) and its fields."""

    kind: str
    eta: float | None = None
    df: float | None = None
    lam: float | None = None
    query: str | None = None
    window: tuple | None = None


def _token() -> str:
    return secrets.token_hex(6)


def set_eta(eta: float) -> dict:
    """The intent "set η to ``eta``"."""
    return {"kind": "set-eta", "eta": float(eta), "token": _token()}


def add_start(df: float, lam: float) -> dict:
    """The intent "start a trajectory at (``df``, ``lam``)"."""
    return {"kind": "add-start", "df": float(df), "lam": float(lam), "token": _token()}


def load_state(query: str) -> dict:
    """The intent "show the state of query string ``query``"."""
    return {"kind": "load-state", "query": str(query).lstrip("?"), "token": _token()}


def set_window(df_lo: float, df_hi: float, lam_lo: float, lam_hi: float) -> dict:
    """The intent "show the window Δf ∈ [df_lo, df_hi], λ ∈ [lam_lo, lam_hi]"."""
    return {"kind": "set-window", "window": [float(df_lo), float(df_hi), float(lam_lo),
                                             float(lam_hi)], "token": _token()}


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def parse(data: Any) -> tuple[Intent | None, str | None]:
    """(intent, None), or (None, why) for anything that is not one.  Never raises."""
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return None, "not an intent"
    kind = data["kind"]
    if kind == "load-state":
        q = data.get("query")
        if not isinstance(q, str) or len(q) > MAX_QUERY:
            return None, "load-state needs a query string"
        return Intent(kind, query=q), None
    if kind == "set-window":
        w = data.get("window")
        if not (isinstance(w, list) and len(w) == 4 and all(_finite(v) for v in w)):
            return None, "set-window needs four finite numbers Δf_lo, Δf_hi, λ_lo, λ_hi"
        window, err = parse_window(w)     # the URL's own rule: caps, min < max
        if err:
            return None, f"set-window: {err}"
        return Intent(kind, window=window), None
    values = [data.get(k) for k in KINDS[kind]]
    if not all(_finite(v) for v in values):
        return None, f"{kind} needs finite numbers for {', '.join(KINDS[kind])}"
    return Intent(kind, **{k: float(v) for k, v in zip(KINDS[kind], values)}), None
