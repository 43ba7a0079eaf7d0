"""Engine calls of the Bifurcation view: memoized orbit diagrams, the
route-to-chaos cascade, the cobweb's EoS orbit and the fine diagram's body.

Nothing here raises on bad input: each result carries an ``error`` string
(or a note) instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

import uvcore
from uvcore.outcomes import PeriodCode

from ...core import compute as shared
from ...core.compute import CascadeResult
from ...shell import memo
from .raster import PLOT_KEEP

__all__ = ["NUM", "TRANSIENT", "WINDOW", "FINE_NUM", "FINE_TRANSIENT", "FINE_CHUNKS",
           "GUIDE_LEVELS", "COBWEB_ORBIT_STEPS", "Diagram", "DiagramResult", "Orbit",
           "compact", "bifurcation", "diagram", "guide_cascade", "eos_orbit",
           "fine_diagrams"]

#: η values of the diagram (the default window and every zoomed window).
NUM = 1000
#: Steps dropped per η before the analysed window.
TRANSIENT = 2000
#: Steps analysed per η (period up to 64, Lyapunov exponent); the last
#: raster.PLOT_KEEP of them are kept and drawn.
WINDOW = 256
#: The "Fine diagram" background job: η values, transient, chunks (progress steps).
FINE_NUM = 5000
FINE_TRANSIENT = 20_000
FINE_CHUNKS = 20
#: Flip points located for the guides (c₁ … c_L).
GUIDE_LEVELS = 8
#: Steps of the cobweb's orbit (the first cobweb.COBWEB_STEPS are drawn as
#: the cobweb, the last 64 as the attractor).
COBWEB_ORBIT_STEPS = 1000


@dataclass(frozen=True)
class Diagram:
    """A compact orbit diagram: what the figure and the CSV need.

    ``lam`` holds the last :data:`raster.PLOT_KEEP` values of λ per η in
    float32 (NaN rows where diverged); ``period`` and ``lyapunov`` come from
    the whole analysed window (:data:`WINDOW` steps).
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
        """True where the orbit diverged."""
        return self.period == PeriodCode.DIVERGED


@dataclass(frozen=True)
class DiagramResult:
    """A :class:`Diagram` or the reason it was not computed (memoized as is)."""

    diagram: Diagram | None
    error: str | None = None


def compact(d: uvcore.BifurcationDiagram, transient: int) -> Diagram:
    """The part of a :class:`uvcore.BifurcationDiagram` the view keeps."""
    return Diagram(d.map, np.asarray(d.eta, dtype=float),
                   np.ascontiguousarray(d.lam[:, -PLOT_KEEP:], dtype=np.float32),
                   np.asarray(d.period, dtype=np.int16), np.asarray(d.lyapunov, dtype=np.float32),
                   float(d.df0), float(d.lam0), int(transient))


def bifurcation(map_: str, eta_lo: float, eta_hi: float, num: int, n_eff: float,
                x_norm: float, y: float, df0: float, lam0: float, transient: int,
                chunks: int = 1,
                progress: Callable[[int, int], None] | None = None) -> Diagram:
    """One :func:`uvcore.bifurcation`, compacted (raises UVInputError).

    ``df0`` is used by the 2-D map (``"uv"``) only; the EoS map starts from
    z₀ = ηλ₀/2.
    """
    d = uvcore.bifurcation(eta_lo, eta_hi, int(num), n_eff=n_eff, x_norm=x_norm, y=y,
                           map=map_, df0=df0 if map_ == "uv" else None, lam0=lam0,
                           transient=int(transient), keep=WINDOW, chunks=int(chunks),
                           progress=progress)
    return compact(d, transient)


@memo.memoize
def diagram(map_: str, eta_lo: float, eta_hi: float, num: int, n_eff: float, x_norm: float,
            y: float, df0: float, lam0: float, transient: int = TRANSIENT) -> DiagramResult:
    """Orbit diagram of the 2-D map (``"uv"``, from (df0, lam0)) or of the EoS
    map (``"eos"``, from z₀ = ηλ₀/2; df0 unused) on ``num`` η values."""
    try:
        return DiagramResult(bifurcation(map_, eta_lo, eta_hi, num, n_eff, x_norm, y,
                                         df0, lam0, transient))
    except uvcore.UVInputError as exc:
        return DiagramResult(None, str(exc))


@memo.memoize
def guide_cascade(levels: int = GUIDE_LEVELS) -> CascadeResult:
    """The EoS cascade located in c (n_eff = ‖x‖ = y = 1, so η = c).

    In c it is the same for every (n_eff, ‖x‖, y): callers rescale with
    η = c · η_c (:func:`figures.route_guides`).
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


def _outcome_text(t: uvcore.Trajectory) -> str:
    if t.diverged:
        return f"escapes (diverges) at step {t.diverged_at}"
    oc = t.outcome
    if oc.kind == "periodic":
        return f"period-{oc.period} orbit"
    if oc.kind == "converged":
        return "converges to the minimum z = c"
    return oc.kind


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
    return Orbit(z, t.diverged_at if t.diverged else None, _outcome_text(t))


def fine_diagrams(params: tuple, start: tuple, eos_lam0: float, win, num: int | None = None,
                  transient: int | None = None, chunks: int | None = None,
                  progress: Callable[[int, int], None] | None = None):
    """Both maps on ``num`` η values of ``win`` (default :data:`FINE_NUM`,
    transient :data:`FINE_TRANSIENT`), each a :func:`uvcore.bifurcation` in
    ``chunks`` pieces (progress after each, over both maps).

    Parameters
    ----------
    params : (n_eff, ‖x‖, y).
    start : (Δf₀, λ₀) of the 2-D map.
    eos_lam0 : λ₀ of the EoS map (z₀ = ηλ₀/2).

    Returns
    -------
    (uv, eos, notes): the diagrams (None where not computed) and why not.
    """
    n_eff, x_norm, y = params
    num = FINE_NUM if num is None else num
    transient = FINE_TRANSIENT if transient is None else transient
    chunks = min(FINE_CHUNKS if chunks is None else chunks, num)
    total = 2 * chunks
    out, notes = {}, []
    for i, (map_, df0, lam0) in enumerate((("uv", start[0], start[1]),
                                           ("eos", 0.0, eos_lam0))):
        def step(done: int, _total: int, offset: int = i * chunks) -> None:
            if progress is not None:
                progress(offset + done, total)
        try:
            out[map_] = bifurcation(map_, win[0], win[1], num, n_eff, x_norm, y, df0, lam0,
                                    transient, chunks=chunks, progress=step)
        except uvcore.UVInputError as exc:
            notes.append(f"{'2-D' if map_ == 'uv' else 'EoS'} map not computed: {exc}")
            out[map_] = None
            step(chunks, total)
    return out["uv"], out["eos"], notes
