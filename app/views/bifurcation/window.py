"""The Bifurcation view's η window and value ranges, read from what the
browser sends: the store ``bifurcation-window`` (``{"eta": [lo, hi],
"eta_c": η_c, "y": {...}, "key": ..., "fine": {...}}``) and the filtered
``relayoutData`` of a zoom.  ``fine`` is there while the fine diagram is
the one shown (:func:`mark_fine`), so the CSV writes what is shown.

The η window follows changes of η_c (n_eff, ‖x‖, y) by rescaling: the
picture is the same in c = η/η_c.  Nothing here raises: unusable values
mean "the default" (None) or come back as a message.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from ...core.state import COORD_CAP, FIELDS, ViewParams, parse_number

__all__ = ["DEFAULT_C_WINDOW", "ETA_RANGE", "MIN_REL_WIDTH", "default_window", "stored_window",
           "stored_y_ranges", "y_ranges_from_relayout", "window_from_relayout", "store_data",
           "mark_fine", "fine_shown"]

#: Default η window in units of η_c (from below the first flip to beyond the
#: crisis at c = 2); when y = 0 (η_c infinite) in units of 2/λ₀.
DEFAULT_C_WINDOW = (0.6, 2.1)
#: Steps of the cobweb's orbit (the first figures_bifurcation.COBWEB_STEPS are
#: drawn as the cobweb, the last 64 as the attractor).
COBWEB_ORBIT_STEPS = 1000
#: η range of the dashboard (the window is clamped to it).
ETA_RANGE = (FIELDS["eta"].lo, FIELDS["eta"].hi)
#: Narrowest window, relative to its upper end (float64 keeps ~16 digits).
MIN_REL_WIDTH = 1e-9


def _reference_eta(p: ViewParams, lam0: float) -> float:
    if math.isfinite(p.eta_c):
        return p.eta_c
    return 2.0 / lam0 if lam0 > 0 else p.eta


def _clamp_window(lo: float, hi: float) -> tuple[tuple[float, float] | None, str | None]:
    lo = min(max(lo, ETA_RANGE[0]), ETA_RANGE[1])
    hi = min(max(hi, ETA_RANGE[0]), ETA_RANGE[1])
    if not hi > lo or (hi - lo) < MIN_REL_WIDTH * hi:
        return None, (f"η window too narrow or outside [{ETA_RANGE[0]:g}, {ETA_RANGE[1]:g}]")
    return (float(f"{lo:.12g}"), float(f"{hi:.12g}")), None


def default_window(p: ViewParams, lam0: float) -> tuple[float, float]:
    """DEFAULT_C_WINDOW × η_c (or × 2/λ₀ when y = 0), clamped to the η range."""
    ref = _reference_eta(p, lam0)
    win, _ = _clamp_window(DEFAULT_C_WINDOW[0] * ref, DEFAULT_C_WINDOW[1] * ref)
    return win or (ETA_RANGE[0], ETA_RANGE[1])


def stored_window(store: Any, p: ViewParams) -> tuple[float, float] | None:
    """The window of the store, rescaled when η_c changed; None = default."""
    if not isinstance(store, Mapping):
        return None
    raw = store.get("eta")
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        return None
    lo, e1 = parse_number("window", raw[0])
    hi, e2 = parse_number("window", raw[1])
    if e1 or e2:
        return None
    ec_raw = store.get("eta_c")
    ec = None if ec_raw is None else parse_number("η_c", ec_raw)[0]
    if math.isfinite(p.eta_c):
        if ec is None or ec <= 0:
            return None
        lo, hi = lo * p.eta_c / ec, hi * p.eta_c / ec
    elif ec is not None:
        return None
    win, err = _clamp_window(lo, hi)
    return win if err is None else None


def stored_y_ranges(store: Any, key: str) -> dict:
    """The value ranges of the diagram rows kept in the store ({"y": (lo, hi),
    "y2": (lo, hi)}), only if they were made for the same ``key`` (the
    parameters, quantity and start: :func:`_uirevision`)."""
    if not isinstance(store, Mapping) or store.get("key") != key:
        return {}
    raw = store.get("y")
    out = {}
    if isinstance(raw, Mapping):
        for axis in ("y", "y2"):
            rng = _y_range(raw.get(axis))
            if rng is not None:
                out[axis] = rng
    return out


def _y_range(raw: Any) -> tuple[float, float] | None:
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        return None
    a, e1 = parse_number("zoom", raw[0])
    b, e2 = parse_number("zoom", raw[1])
    if e1 or e2 or a == b:
        return None
    lo, hi = min(a, b), max(a, b)
    if abs(lo) > COORD_CAP or abs(hi) > COORD_CAP or (hi - lo) < MIN_REL_WIDTH * max(abs(hi), 1):
        return None
    return float(lo), float(hi)


def y_ranges_from_relayout(relayout: Any, current: dict) -> dict:
    """Value ranges of the 2-D (``yaxis``) and EoS (``yaxis2``) rows after a
    ``relayoutData``: a range sets one, an autorange drops it."""
    out = dict(current)
    if not isinstance(relayout, Mapping):
        return out
    for axis, name in (("y", "yaxis"), ("y2", "yaxis2")):
        if relayout.get(f"{name}.autorange") is True:
            out.pop(axis, None)
            continue
        rng = relayout.get(f"{name}.range")
        if not (isinstance(rng, (list, tuple)) and len(rng) == 2):
            if f"{name}.range[0]" in relayout and f"{name}.range[1]" in relayout:
                rng = [relayout[f"{name}.range[0]"], relayout[f"{name}.range[1]"]]
            else:
                continue
        parsed = _y_range(rng)
        if parsed is not None:
            out[axis] = parsed
    return out


def store_data(win: tuple[float, float] | None, p: ViewParams, ys: dict | None = None,
               key: str = ""):
    """The store's value for window ``win`` (None: default) and value ranges
    ``ys`` made for ``key``; None when both are the defaults."""
    if win is None and not ys:
        return None
    out = {"eta": None if win is None else [win[0], win[1]],
           "eta_c": p.eta_c if math.isfinite(p.eta_c) else None}
    if ys:
        out["y"] = {k: list(v) for k, v in ys.items()}
        out["key"] = key
    return out


def window_from_relayout(relayout: Any, current: tuple[float, float]):
    """(action, window, message) of an x-axis ``relayoutData``.

    ``"reset"`` (autorange: the default window), ``"set"`` (a validated,
    clamped window) or ``"none"`` (not an η zoom: ignore).
    """
    if not isinstance(relayout, Mapping):
        return "none", None, None
    if relayout.get("xaxis.autorange") is True:
        return "reset", None, None
    lo, hi = current
    touched = False
    rng = relayout.get("xaxis.range")
    if isinstance(rng, (list, tuple)) and len(rng) == 2:
        lo, hi = rng
        touched = True
    for end, key in ((0, "xaxis.range[0]"), (1, "xaxis.range[1]")):
        if key in relayout:
            if end == 0:
                lo = relayout[key]
            else:
                hi = relayout[key]
            touched = True
    if not touched:
        return "none", None, None
    a, e1 = parse_number("zoom η", lo)
    b, e2 = parse_number("zoom η", hi)
    if e1 or e2:
        return "none", None, e1 or e2
    win, err = _clamp_window(min(a, b), max(a, b))
    if err:
        return "none", None, err
    return "set", win, None


def mark_fine(store: Any, win: tuple[float, float], key: str) -> dict:
    """The store once the fine diagram of window ``win`` is shown for ``key``
    (the setup's uirevision).  Any normal redraw writes the store anew, without it."""
    out = dict(store) if isinstance(store, Mapping) else {"eta": None, "eta_c": None}
    out["fine"] = {"key": key, "eta": [float(win[0]), float(win[1])]}
    return out


def fine_shown(store: Any, win: tuple[float, float], key: str) -> bool:
    """True when the store says the fine diagram of window ``win`` for ``key`` is shown."""
    fine = store.get("fine") if isinstance(store, Mapping) else None
    if not isinstance(fine, Mapping) or fine.get("key") != key:
        return False
    raw = fine.get("eta")
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        return False
    ends = [parse_number("window", v)[0] for v in raw]
    return ends == [float(win[0]), float(win[1])]
