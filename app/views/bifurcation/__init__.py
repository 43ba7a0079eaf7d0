"""The Bifurcation view: the orbit diagram against η, the cobweb of the EoS
map, and the route-to-chaos guides (spec §3).

Layout: the orbit diagram (late-time λ or ηλ against η for the full 2-D map
from the selected start and for the EoS map, coloured by period; an outcome
strip; the Lyapunov exponents beneath on the shared η axis) beside the
cobweb of z' = z(1 + c − z)² at the current η.

Interaction
-----------
* Clicking a point of the diagram, a cell of the outcome strip or a guide
  sets the η control (``eta-input``, the core's typed input that holds the
  truth; the core then re-renders everything and the store ``state``
  brings the new η back here).
* Zooming in η (``relayoutData`` on the x axis) recomputes the diagram at
  full resolution (:data:`NUM` η values) for the zoomed window; a
  double-click goes back to the default window.  The window lives in the
  store ``bifurcation-window`` as ``{"eta": [lo, hi], "eta_c": η_c}`` and
  follows changes of η_c (n_eff, ‖x‖, y) by rescaling: the picture is the
  same in c = η/η_c.
* "Fine diagram" computes :data:`FINE_NUM` η values with a longer transient
  as a background job (progress bar, Cancel).
* "Download CSV": η, c, period, exponent and λ values of both maps.

The guides (flip points c₁ … c_L, the accumulation point c∞, the crisis and
the period-3 folds) come from one :func:`uvcore.cascade` located in c,
memoized once (in c it does not depend on n_eff, ‖x‖ or y) and rescaled to
η = c·√n_eff/(‖x‖|y|) for the current parameters.

Every callback is a thin wrapper around a plain function of its inputs,
called directly by the tests; none raises.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
from dash import Input, Output, State, ctx, dcc, html, no_update

import uvcore
from uvcore.outcomes import PeriodCode


from ...core import ids, theme
from ...shell import jobs, memo
from . import figures as fb
from ...core.state import COORD_CAP, FIELDS, ViewParams, from_query, parse_number
from ...core.figures import empty_figure
from ...core import compute as shared
from ...core.compute import CascadeResult
from ...core.events import click_to_eta
from ...core.registry import View

log = logging.getLogger(__name__)

__all__ = ["NUM", "TRANSIENT", "WINDOW", "FINE_NUM", "FINE_TRANSIENT", "GUIDE_LEVELS",
           "DEFAULT_C_WINDOW", "Diagram", "DiagramResult", "diagram", "guide_cascade",
           "eos_orbit", "selected_start", "eos_start_lam", "default_window", "stored_window",
           "stored_y_ranges", "y_ranges_from_relayout", "window_from_relayout",
           "update_bifurcation", "update_cobweb", "click_to_eta", "download_csv", "fine_job",
           "fine_diagrams", "make_layout", "register_callbacks", "OUTPUTS", "ZOOM_FILTER_JS",
           "CLICK_FILTER_JS"]

#: η values of the diagram (the default window and every zoomed window).
NUM = 1000
#: Steps dropped per η before the analysed window.
TRANSIENT = 2000
#: Steps analysed per η (period up to 64, Lyapunov exponent); the last
#: figures_bifurcation.PLOT_KEEP of them are kept and drawn.
WINDOW = 256
#: The "Fine diagram" background job: η values, transient, chunks (progress steps).
FINE_NUM = 5000
FINE_TRANSIENT = 20_000
FINE_CHUNKS = 20
#: Flip points located for the guides (c₁ … c_L).
GUIDE_LEVELS = 8
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

QUANTITIES = ("lam", "eta-lam")
EOS_STARTS = ("half-c", "start")

#: Output names of :func:`update_bifurcation` (keys of the dict it returns).
OUTPUTS = ("figure", "window", "message")


# -- computation (memoized) ------------------------------------------------------------------

@dataclass(frozen=True)
class Diagram:
    """A compact orbit diagram: what the figure and the CSV need.

    ``lam`` holds the last :data:`figures_bifurcation.PLOT_KEEP` values of λ
    per η in float32 (NaN rows where diverged); ``period`` and ``lyapunov``
    come from the whole analysed window (:data:`WINDOW` steps).
    """

    map: str
    eta: np.ndarray
    lam: np.ndarray
    period: np.ndarray
    lyapunov: np.ndarray
    df0: float
    lam0: float
    transient: int

    @property
    def diverged(self) -> np.ndarray:
        return self.period == PeriodCode.DIVERGED


@dataclass(frozen=True)
class DiagramResult:
    diagram: Diagram | None
    error: str | None = None


def _compact(d: uvcore.BifurcationDiagram, transient: int) -> Diagram:
    return Diagram(d.map, np.asarray(d.eta, dtype=float),
                   np.ascontiguousarray(d.lam[:, -fb.PLOT_KEEP:], dtype=np.float32),
                   np.asarray(d.period, dtype=np.int16), np.asarray(d.lyapunov, dtype=np.float32),
                   float(d.df0), float(d.lam0), int(transient))


def _bifurcation(map_: str, eta_lo: float, eta_hi: float, num: int, n_eff: float,
                 x_norm: float, y: float, df0: float, lam0: float,
                 transient: int) -> Diagram:
    d = uvcore.bifurcation(eta_lo, eta_hi, int(num), n_eff=n_eff, x_norm=x_norm, y=y,
                           map=map_, df0=df0 if map_ == "uv" else None, lam0=lam0,
                           transient=int(transient), keep=WINDOW)
    return _compact(d, transient)


@memo.memoize
def diagram(map_: str, eta_lo: float, eta_hi: float, num: int, n_eff: float, x_norm: float,
            y: float, df0: float, lam0: float, transient: int = TRANSIENT) -> DiagramResult:
    """Orbit diagram of the 2-D map (``"uv"``, from (df0, lam0)) or of the EoS
    map (``"eos"``, from z₀ = ηλ₀/2; df0 unused) on ``num`` η values."""
    try:
        return DiagramResult(_bifurcation(map_, eta_lo, eta_hi, num, n_eff, x_norm, y,
                                          df0, lam0, transient))
    except uvcore.UVInputError as exc:
        return DiagramResult(None, str(exc))


@memo.memoize
def guide_cascade(levels: int = GUIDE_LEVELS) -> CascadeResult:
    """The EoS cascade located in c (n_eff = ‖x‖ = y = 1, so η = c).

    In c it is the same for every (n_eff, ‖x‖, y): callers rescale with
    η = c · η_c (:func:`figures_bifurcation.route_guides`).
    """
    try:
        return CascadeResult(uvcore.cascade(map="eos", n_eff=1.0, x_norm=1.0, y=1.0,
                                            levels=int(levels)))
    except (uvcore.UVInputError, RuntimeError) as exc:
        return CascadeResult(None, f"route-to-chaos guides not located: {exc}")


@dataclass(frozen=True)
class Orbit:
    """An orbit of the EoS map: z_t = ηλ_t/2 on the edge (finite states)."""

    z: np.ndarray | None
    diverged_at: int | None = None
    outcome: str = ""
    error: str | None = None


@memo.memoize
def eos_orbit(eta: float, n_eff: float, x_norm: float, y: float, z0: float,
              steps: int = COBWEB_ORBIT_STEPS) -> Orbit:
    """Orbit of the EoS map from z₀, run by uvcore on the invariant edge.

    The start is the point of the edge (M = 0 for y ≥ 0, P = 0 for y < 0)
    with λ₀ = 2z₀/η, i.e. f₀ = ±λ₀√n_eff/(2‖x‖) (spec §2.2, §3); uvcore snaps
    it onto the edge and the map keeps it there exactly.
    """
    try:
        if not (z0 > 0 and math.isfinite(z0)):
            raise uvcore.UVInputError(f"the EoS start z₀ must be > 0, got {z0:g}")
        params = shared.map_params(eta, n_eff, x_norm, y)
        df0, lam0 = params.edge_point(2.0 * z0 / eta)
        t = uvcore.trajectory(df0, lam0, params, steps=int(steps))
    except uvcore.UVInputError as exc:
        return Orbit(None, error=str(exc))
    z = 0.5 * eta * np.asarray(t.lam, dtype=float)
    oc = t.outcome
    if t.diverged:
        text = f"escapes (diverges) at step {t.diverged_at}"
    elif oc.kind == "periodic":
        text = f"period-{oc.period} orbit"
    elif oc.kind == "converged":
        text = "converges to the minimum z = c"
    else:
        text = oc.kind
    return Orbit(z, t.diverged_at if t.diverged else None, text)


# -- state -----------------------------------------------------------------------------------

def selected_start(p: ViewParams) -> tuple[tuple[float, float], str]:
    """(Δf₀, λ₀) of the selected (latest) trajectory, or uvcore.default_start."""
    starts = shared.resolved_starts(p)
    if starts:
        label = "default start" if p.starts is None else "selected start"
        return (float(starts[-1][0]), float(starts[-1][1])), label
    d0, l0 = uvcore.default_start(shared.map_params(*p.map_key))
    return (float(d0), float(l0)), "default start"


def eos_start_lam(p: ViewParams, mode: str, start_lam: float) -> tuple[float, str, list]:
    """λ₀ of the EoS-map start (z₀ = ηλ₀/2), its label and notes.

    ``"half-c"``: z₀ = c/2 at every η (λ₀ = ‖x‖|y|/√n_eff); ``"start"``: the
    selected start's λ₀ (its projection onto the edge at the same λ).
    """
    if mode == "half-c" and p.y != 0:
        return shared.map_params(*p.map_key).lam_half_c, "z₀ = c/2", []
    notes = ["y = 0 (c = 0): the EoS map starts from the selected start's λ₀"] \
        if mode == "half-c" else []
    return start_lam, "z₀ = ηλ₀/2 (selected start)", notes


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


def _store(win: tuple[float, float] | None, p: ViewParams, ys: dict | None = None,
           key: str = ""):
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


def _option(value: Any, allowed: tuple, default: str) -> str:
    return value if isinstance(value, str) and value in allowed else default


def _guides_on(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and "guides" in value


# -- the diagram callback ------------------------------------------------------------------------

def _nothing(message: str | None = None) -> dict:
    out = {k: no_update for k in OUTPUTS}
    if message is not None:
        out["message"] = message
    return out


def _triggered_list(changed: Any) -> list[str]:
    return [c for c in changed if isinstance(c, str)] if isinstance(changed, (list, tuple)) \
        else []


@dataclass(frozen=True)
class _Setup:
    p: ViewParams
    start: tuple
    start_label: str
    eos_lam0: float
    eos_label: str
    quantity: str
    eos_mode: str
    guides: bool
    notes: tuple


def _setup(values: Mapping[str, Any]) -> _Setup:
    parsed = from_query(values.get("state"))
    p = parsed.params
    notes = list(parsed.notes)
    quantity = _option(values.get("quantity"), QUANTITIES, "lam")
    eos_mode = _option(values.get("eos_start"), EOS_STARTS, "half-c")
    start, start_label = selected_start(p)
    eos_lam0, eos_label, eos_notes = eos_start_lam(p, eos_mode, start[1])
    notes += eos_notes
    return _Setup(p, start, start_label, eos_lam0, eos_label, quantity, eos_mode,
                  _guides_on(values.get("guides")), tuple(notes))


def _diagrams(s: _Setup, win, num: int, transient: int) -> tuple[Diagram | None,
                                                                 Diagram | None, list]:
    p = s.p
    notes = []
    uv = diagram("uv", win[0], win[1], num, p.n_eff, p.x_norm, p.y, s.start[0], s.start[1],
                 transient)
    eos = diagram("eos", win[0], win[1], num, p.n_eff, p.x_norm, p.y, 0.0, s.eos_lam0,
                  transient)
    if uv.error:
        notes.append(f"2-D map not computed: {uv.error}")
    if eos.error:
        notes.append(f"EoS map not computed: {eos.error}")
    return uv.diagram, eos.diagram, notes


def _guides(s: _Setup) -> tuple[list, list]:
    if not s.guides:
        return [], []
    if not math.isfinite(s.p.eta_c):
        return [], ["y = 0: η_c is infinite, so there is no route to chaos to mark"]
    res = guide_cascade(GUIDE_LEVELS)
    if res.error:
        return [], [res.error]
    return fb.route_guides(res.cascade, s.p.eta_c), []


def _subtitle(s: _Setup, win, num: int, fine: bool = False) -> str:
    p = s.p
    ec = "∞" if not math.isfinite(p.eta_c) else f"{p.eta_c:.4g}"
    head = ("Fine diagram: " if fine else "") + f"{num} η in [{win[0]:.5g}, {win[1]:.5g}]"
    return (f"{head}, η_c = {ec} · 2-D map from the {s.start_label} (Δf₀, λ₀) = "
            f"({s.start[0]:.4g}, {s.start[1]:.4g}) · EoS map from {s.eos_label}")


def _uirevision(s: _Setup) -> str:
    p = s.p
    return f"{p.n_eff}|{p.x_norm}|{p.y}|{s.quantity}|{s.eos_mode}|{s.start}"


def _figure(s: _Setup, win, uv, eos, notes: list, num: int, fine: bool = False,
            yranges: dict | None = None) -> tuple[dict, list]:
    guides, gnotes = _guides(s)
    notes = list(notes) + gnotes
    p = s.p
    if not (p.eta_c == math.inf or win[0] <= p.eta <= win[1]):
        notes.append(f"the current η = {p.eta:g} is outside the window (double-click: "
                     "default window)")
    return fb.bifurcation_figure(uv, eos, window=win, eta=p.eta, eta_c=p.eta_c, guides=guides,
                                 quantity=s.quantity, yranges=yranges,
                                 subtitle=_subtitle(s, win, num, fine),
                                 large=p.large, uirevision=_uirevision(s)), notes


def update_bifurcation(changed: Any, values: Any) -> dict:
    """The diagram for the state, the options and a zoom event.

    ``values``: ``state`` (the core's store), ``zoom`` (filtered x-axis
    ``relayoutData``), ``quantity``, ``eos_start``, ``guides``, ``window`` (this
    view's store) and ``tab`` (the selected tab: nothing is computed while
    another tab is shown).  Returns the keys of :data:`OUTPUTS`.
    """
    try:
        values = values if isinstance(values, Mapping) else {}
        return _update_bifurcation(_triggered_list(changed), values)
    except Exception:  # noqa: BLE001 — last resort: never let a request fail
        log.exception("update_bifurcation failed")
        return _nothing("Internal error while computing the bifurcation diagram "
                        "(logged on the server).")


def _update_bifurcation(changed: list[str], values: Mapping[str, Any]) -> dict:
    tab = values.get("tab")
    if isinstance(tab, str) and tab != ids.BIFURCATION_TAB:
        return _nothing()
    s = _setup(values)
    p = s.p
    notes = list(s.notes)
    key = _uirevision(s)
    win = stored_window(values.get("window"), p)
    ys = stored_y_ranges(values.get("window"), key)
    if f"{ids.BIFURCATION_ZOOM}.data" in changed:
        zoom = values.get("zoom")
        action, new, err = window_from_relayout(zoom, win or default_window(p, s.start[1]))
        if err:
            notes.append(f"zoom ignored: {err}")
        elif action == "reset":
            win, ys = None, {}
        else:
            if action == "set":
                win = new
            ys = y_ranges_from_relayout(zoom, ys)
    shown = win or default_window(p, s.start[1])
    uv, eos, dnotes = _diagrams(s, shown, NUM, TRANSIENT)
    fig, notes = _figure(s, shown, uv, eos, notes + dnotes, NUM, yranges=ys)
    return {"figure": fig, "window": _store(win, p, ys, key),
            "message": "; ".join(dict.fromkeys(notes))}


# -- cobweb -------------------------------------------------------------------------------------

def update_cobweb(state: Any, eos_start: Any, tab: Any = None):
    """Cobweb figure of the EoS map at the state's η (no_update while hidden)."""
    try:
        if isinstance(tab, str) and tab != ids.BIFURCATION_TAB:
            return no_update
        s = _setup({"state": state, "eos_start": eos_start})
        p = s.p
        z0 = 0.5 * p.eta * s.eos_lam0
        orb = eos_orbit(p.eta, p.n_eff, p.x_norm, p.y, z0)
        c = abs(shared.map_params(*p.map_key).c)
        if orb.error:
            return empty_figure(f"Cobweb not drawn: {orb.error}", p.large)
        return fb.cobweb_figure(c, orb.z, eta=p.eta, z0=z0, start_label=f"({s.eos_label})",
                                diverged_at=orb.diverged_at, outcome=orb.outcome,
                                large=p.large)
    except Exception:  # noqa: BLE001
        log.exception("update_cobweb failed")
        return empty_figure("Internal error (logged on the server).")


# -- clicks -------------------------------------------------------------------------------------


# -- CSV ------------------------------------------------------------------------------------------

def download_csv(n_clicks: Any, state: Any, window: Any, eos_start: Any):
    """dcc.Download data: CSV of both maps' diagrams in the current window."""
    if not isinstance(n_clicks, int) or isinstance(n_clicks, bool) or n_clicks < 1:
        return no_update
    try:
        s = _setup({"state": state, "eos_start": eos_start})
        p = s.p
        win = stored_window(window, p) or default_window(p, s.start[1])
        uv, eos, _ = _diagrams(s, win, NUM, TRANSIENT)
        if uv is None and eos is None:
            return no_update
        text = fb.bifurcation_csv((uv, eos), x_norm=p.x_norm, n_eff=p.n_eff, y=p.y)
        return {"content": text, "filename": "bifurcation.csv", "type": "text/csv",
                "base64": False}
    except Exception:  # noqa: BLE001
        log.exception("bifurcation download failed")
        return no_update


# -- fine diagram (background job) -----------------------------------------------------------------

def fine_diagrams(s: _Setup, win, num: int | None = None, transient: int | None = None,
                  chunks: int | None = None,
                  progress: Callable[[int, int], None] | None = None):
    """Both maps on ``num`` η values of ``win`` (default :data:`FINE_NUM`,
    transient :data:`FINE_TRANSIENT`), each a :func:`uvcore.bifurcation` in
    ``chunks`` pieces (progress after each, over both maps): (uv, eos, notes)."""
    p = s.p
    num = FINE_NUM if num is None else num
    transient = FINE_TRANSIENT if transient is None else transient
    chunks = min(FINE_CHUNKS if chunks is None else chunks, num)
    total = 2 * chunks
    out, notes = {}, []
    for i, (map_, df0, lam0) in enumerate((("uv", s.start[0], s.start[1]),
                                           ("eos", 0.0, s.eos_lam0))):
        def step(done: int, _total: int, offset: int = i * chunks) -> None:
            if progress is not None:
                progress(offset + done, total)
        try:
            d = uvcore.bifurcation(win[0], win[1], int(num), n_eff=p.n_eff, x_norm=p.x_norm,
                                   y=p.y, map=map_, df0=df0 if map_ == "uv" else None,
                                   lam0=lam0, transient=int(transient), keep=WINDOW,
                                   chunks=chunks, progress=step)
        except uvcore.UVInputError as exc:
            notes.append(f"{'2-D' if map_ == 'uv' else 'EoS'} map not computed: {exc}")
            out[map_] = None
            step(chunks, total)
            continue
        out[map_] = _compact(d, transient)
    return out["uv"], out["eos"], notes


def fine_job(set_progress: Callable | None, n_clicks: Any, state: Any, window: Any,
             quantity: Any, eos_start: Any, guides: Any) -> tuple[Any, str]:
    """The background job: (figure as plain JSON, message).  Never raises."""
    try:
        if not isinstance(n_clicks, int) or isinstance(n_clicks, bool) or n_clicks < 1:
            return no_update, ""
        s = _setup({"state": state, "quantity": quantity, "eos_start": eos_start,
                    "guides": guides})
        p = s.p
        win = stored_window(window, p) or default_window(p, s.start[1])
        ys = stored_y_ranges(window, _uirevision(s))

        def progress(done: int, total: int) -> None:
            if set_progress is not None:
                set_progress((str(done), str(total)))

        uv, eos, notes = fine_diagrams(s, win, progress=progress)
        fig, notes = _figure(s, win, uv, eos, list(s.notes) + notes, FINE_NUM, fine=True,
                             yranges=ys)
        from plotly.io.json import to_json_plotly  # noqa: PLC0415
        msg = (f"fine diagram: {FINE_NUM} η values, transient {FINE_TRANSIENT} steps; "
               "any change of the parameters or the window redraws the normal diagram")
        return json.loads(to_json_plotly(fig)), "; ".join([msg] + list(dict.fromkeys(notes)))
    except Exception:  # noqa: BLE001 — the job must always answer
        log.exception("fine bifurcation job failed")
        return no_update, "Internal error while computing the fine diagram (logged on the server)."


# -- layout and registration --------------------------------------------------------------------

HINT = ("Click a point, a cell of the outcome strip or a guide to set η there. Drag to zoom in "
        f"η: the diagram is recomputed with {NUM} η values in the new window; double-click to "
        "reset. Shaded: diverged. Guides (from uvcore.cascade, in c = η/η_c, rescaled): flip "
        "points c₁ … c₈, their accumulation c∞, the crisis, the period-3 folds.")


def make_layout() -> html.Div:
    return html.Div(className="bifurcation-view", children=[
        html.Div(className="view-toolbar", children=[
            html.Span("show", className="toolbar-label"),
            dcc.RadioItems(id=ids.BIFURCATION_QUANTITY, value="lam", inline=True,
                           className="toggle",
                           options=[{"label": "λ", "value": "lam"},
                                    {"label": "ηλ", "value": "eta-lam"}]),
            html.Span("EoS map from", className="toolbar-label"),
            dcc.RadioItems(id=ids.BIFURCATION_EOS_START, value="half-c", inline=True,
                           className="toggle",
                           options=[{"label": "z₀ = c/2", "value": "half-c"},
                                    {"label": "the selected start (z₀ = ηλ₀/2)",
                                     "value": "start"}]),
            dcc.Checklist(id=ids.BIFURCATION_GUIDES, value=["guides"], className="toggle",
                          options=[{"label": "route-to-chaos guides", "value": "guides"}]),
            html.Button("Fine diagram", id=ids.BIFURCATION_FINE, n_clicks=0, className="btn",
                        title=f"{FINE_NUM} η values, transient {FINE_TRANSIENT} steps, in "
                              "the background"),
            html.Button("Cancel", id=ids.BIFURCATION_FINE_CANCEL, n_clicks=0, className="btn",
                        disabled=True),
            html.Progress(id=ids.BIFURCATION_FINE_PROGRESS, value="0", max="1",
                          className="job-progress"),
            html.Button("Download CSV", id=ids.BIFURCATION_DOWNLOAD_CSV, n_clicks=0,
                        className="btn", title="η, c, period, exponent and the λ values of "
                                               "both maps in the current window"),
            dcc.Download(id=ids.BIFURCATION_DOWNLOAD),
        ]),
        html.Div(className="bifurcation-graphs", children=[
            dcc.Graph(id=ids.BIFURCATION_GRAPH, className="graph bifurcation-graph",
                      config=theme.graph_config("bifurcation"),
                      figure={"data": [], "layout": {}}, responsive=True),
            dcc.Graph(id=ids.BIFURCATION_COBWEB, className="graph cobweb-graph",
                      config=theme.graph_config("cobweb"),
                      figure={"data": [], "layout": {}}, responsive=True),
        ]),
        html.Div(id=ids.BIFURCATION_MESSAGE, className="message", role="status"),
        html.P(HINT, className="hint"),
        dcc.Store(id=ids.BIFURCATION_WINDOW),
        dcc.Store(id=ids.BIFURCATION_ZOOM),
        dcc.Store(id=ids.BIFURCATION_CLICK),
    ])



#: Clientside filter: pass on zoom/pan/reset events of the η axis and of the
#: two diagram rows (their image is re-binned for the new value range); drop
#: the rest (autosize, legend clicks, the exponent row), which need no
#: recomputation.
ZOOM_FILTER_JS = r"""
function(r) {
    const nu = window.dash_clientside.no_update;
    if (!r || typeof r !== "object") return nu;
    if (Object.keys(r).some(k => /autorange/.test(k))) {
        window.__bifurcationResetAt = Date.now();
    }
    return Object.keys(r).some(k => /^(xaxis|yaxis2?)\.(range|autorange)/.test(k)) ? r : nu;
}"""

#: Clientside: pass a click on after DOUBLE_CLICK_MS unless a zoom reset (a
#: double-click, which Plotly also reports as clicks) came after it.  Without
#: this the click's η change recomputes the diagram in the zoomed window and,
#: answering last, undoes the reset.
DOUBLE_CLICK_MS = 400
CLICK_FILTER_JS = r"""
async function(click) {
    const nu = window.dash_clientside.no_update;
    if (!click) return nu;
    const t = Date.now();
    await new Promise(done => setTimeout(done, %d));
    return (window.__bifurcationResetAt || 0) >= t - 50 ? nu : click;
}""" % DOUBLE_CLICK_MS


def _triggered() -> list[str]:
    try:
        return [p for p in ctx.triggered_prop_ids if p and p != "."]
    except Exception:  # noqa: BLE001
        return []


def register_callbacks(app) -> None:
    app.clientside_callback(ZOOM_FILTER_JS, Output(ids.BIFURCATION_ZOOM, "data"),
                            Input(ids.BIFURCATION_GRAPH, "relayoutData"),
                            prevent_initial_call=True)
    app.clientside_callback(CLICK_FILTER_JS, Output(ids.BIFURCATION_CLICK, "data"),
                            Input(ids.BIFURCATION_GRAPH, "clickData"),
                            prevent_initial_call=True)

    @app.callback(
        output={"figure": Output(ids.BIFURCATION_GRAPH, "figure"),
                "window": Output(ids.BIFURCATION_WINDOW, "data"),
                "message": Output(ids.BIFURCATION_MESSAGE, "children")},
        inputs={"state": Input(ids.STATE, "data"),
                "zoom": Input(ids.BIFURCATION_ZOOM, "data"),
                "quantity": Input(ids.BIFURCATION_QUANTITY, "value"),
                "eos_start": Input(ids.BIFURCATION_EOS_START, "value"),
                "guides": Input(ids.BIFURCATION_GUIDES, "value"),
                "tab": Input(ids.VIEW_TABS, "value"),
                "window": State(ids.BIFURCATION_WINDOW, "data")},
    )
    def _bifurcation(**values):
        return update_bifurcation(_triggered(), values)

    @app.callback(Output(ids.BIFURCATION_COBWEB, "figure"),
                  Input(ids.STATE, "data"), Input(ids.BIFURCATION_EOS_START, "value"),
                  Input(ids.VIEW_TABS, "value"))
    def _cobweb(state, eos_start, tab):
        return update_cobweb(state, eos_start, tab)

    @app.callback(Output(ids.ETA_INPUT, "value", allow_duplicate=True),
                  Output(ids.BIFURCATION_MESSAGE, "children", allow_duplicate=True),
                  Input(ids.BIFURCATION_CLICK, "data"), prevent_initial_call=True)
    def _click(click):
        return click_to_eta(click, "x")

    @app.callback(Output(ids.BIFURCATION_DOWNLOAD, "data"),
                  Input(ids.BIFURCATION_DOWNLOAD_CSV, "n_clicks"),
                  State(ids.STATE, "data"), State(ids.BIFURCATION_WINDOW, "data"),
                  State(ids.BIFURCATION_EOS_START, "value"), prevent_initial_call=True)
    def _download(n_clicks, state, window, eos_start):
        return download_csv(n_clicks, state, window, eos_start)

    @app.callback(
        Output(ids.BIFURCATION_GRAPH, "figure", allow_duplicate=True),
        Output(ids.BIFURCATION_MESSAGE, "children", allow_duplicate=True),
        Input(ids.BIFURCATION_FINE, "n_clicks"),
        State(ids.STATE, "data"), State(ids.BIFURCATION_WINDOW, "data"),
        State(ids.BIFURCATION_QUANTITY, "value"), State(ids.BIFURCATION_EOS_START, "value"),
        State(ids.BIFURCATION_GUIDES, "value"),
        prevent_initial_call=True,
        **jobs.background_kwargs(
            progress=[Output(ids.BIFURCATION_FINE_PROGRESS, "value"),
                      Output(ids.BIFURCATION_FINE_PROGRESS, "max")],
            cancel=[Input(ids.BIFURCATION_FINE_CANCEL, "n_clicks")],
            running=[(Output(ids.BIFURCATION_FINE, "disabled"), True, False),
                     (Output(ids.BIFURCATION_FINE_CANCEL, "disabled"), False, True)],
            failure=(ids.BIFURCATION_MESSAGE, "children")),
    )
    def _fine(set_progress, n_clicks, state, window, quantity, eos_start, guides):
        return fine_job(set_progress, n_clicks, state, window, quantity, eos_start, guides)


VIEW = View("Bifurcation", ids.BIFURCATION_TAB, make_layout, register_callbacks,
            order=10)
