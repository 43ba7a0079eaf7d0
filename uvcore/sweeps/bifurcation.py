"""Bifurcation diagrams over η and the exponents of the EoS edge (spec §3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import _kernels as K
from ..outcomes import PeriodCode
from ..params import MapParams, UVInputError, check_count, finite, positive
from .batch import MAX_KEEP_VALUES, MAX_ORBITS, default_start, run_batch

__all__ = ["BifurcationDiagram", "bifurcation", "EdgeExponents", "edge_exponents"]


@dataclass(frozen=True)
class BifurcationDiagram:
    """Orbit diagram over η (fixed shapes).

    Attributes
    ----------
    eta : ndarray, shape (K,)
    lam : ndarray, shape (K, keep)
        Last ``keep`` values of λ per η; rows of diverged η are NaN and
        flagged in ``diverged`` (plot only ``~diverged`` rows).
    period : ndarray of int, shape (K,)
        1 converged, k periodic, 0 aperiodic or chaotic, −1 diverged, −3 stalled.
    lyapunov : ndarray, shape (K,)
        Largest exponent (2-D map) or in-edge exponent (EoS map); NaN if diverged.
    map : {"uv", "eos"}
    params : MapParams
        Parameters at ``eta[0]``; ``c`` is η‖x‖|y|/√n_eff per η.
    """

    eta: np.ndarray
    lam: np.ndarray
    period: np.ndarray
    lyapunov: np.ndarray
    map: str
    params: MapParams
    df0: float
    lam0: float

    @property
    def diverged(self) -> np.ndarray:
        return self.period == PeriodCode.DIVERGED

    @property
    def c(self) -> np.ndarray:
        return np.abs(self.params.c_at(self.eta))


def bifurcation(eta_min: float, eta_max: float, num: int = 400, *, n_eff: float,
                x_norm: float = 1.0, y: float = 2.0, map: str = "uv",
                df0: float | None = None, lam0: float | None = None,
                transient: int = 2000, keep: int = 200,
                warm_start: bool = False, chunks: int = 1,
                progress: Callable[[int, int], None] | None = None) -> BifurcationDiagram:
    """Bifurcation diagram of late-time λ against η (spec §3).

    Parameters
    ----------
    eta_min, eta_max, num : float, float, int
        Linear grid of ``num`` learning rates (``num`` ≥ 1).
    n_eff, x_norm, y : float
    map : {"uv", "eos"}
        The full 2-D map from (df0, lam0), or the 1-D EoS map
        z' = z(1 + c − z)² from z₀ = ηλ₀/2 (λ = 2z/η on the edge).
    df0, lam0 : float, optional
        Start; default :func:`default_start`.
    transient, keep : int
        Steps dropped, then steps kept (keep ≥ 2).
    warm_start : bool
        Each η starts from the previous η's final state (one attractor branch).
    chunks : int
        The η grid is run in ``chunks`` consecutive pieces (at most one per η),
        with ``progress(done, total)`` called after each; the result does not
        depend on ``chunks``.  ``warm_start`` needs ``chunks = 1``.
    """
    if map not in ("uv", "eos"):
        raise UVInputError(f"map must be 'uv' or 'eos', got {map!r}")
    eta_min = positive("eta_min", eta_min)
    eta_max = positive("eta_max", eta_max)
    num = check_count("num", num, 1, MAX_ORBITS)
    if eta_max < eta_min:
        raise UVInputError(f"eta_max must be >= eta_min, got {eta_max:g} < {eta_min:g}")
    params = MapParams(eta_min, n_eff, x_norm, y)
    MapParams(eta_max, n_eff, x_norm, y)  # validates the top end too
    d0, l0 = default_start(params)
    df0 = d0 if df0 is None else finite("df0", df0)
    lam0 = l0 if lam0 is None else finite("lam0", lam0)
    if map == "uv":
        params.start_pm(df0, lam0)  # one clear message for a forbidden start
    chunks = check_count("chunks", chunks, 1, MAX_ORBITS)
    if warm_start and chunks > 1:
        raise UVInputError("warm_start follows one branch through every eta: it needs chunks = 1")
    keep = check_count("window", keep, 2, 10**7)     # run_batch's window, in its words
    if num * keep > MAX_KEEP_VALUES:                  # the whole diagram, not one chunk
        raise UVInputError(f"too many kept values: {num} x {keep} > {MAX_KEEP_VALUES}")
    eta = np.linspace(eta_min, eta_max, num)
    pieces = [idx for idx in np.array_split(np.arange(num), min(chunks, num))]
    parts = []
    for k, idx in enumerate(pieces):
        parts.append(run_batch(df0, lam0, eta[idx], n_eff=params.n_eff, x_norm=params.x_norm,
                               y=params.y, transient=transient, window=keep, keep=True,
                               on_edge=(map == "eos"), warm_start=warm_start))
        if progress is not None:
            progress(k + 1, len(pieces))
    return BifurcationDiagram(eta, np.concatenate([r.lam_window for r in parts]),
                              np.concatenate([r.period for r in parts]),
                              np.concatenate([r.lyapunov for r in parts]), map, params,
                              df0, lam0)


@dataclass(frozen=True)
class EdgeExponents:
    """Lyapunov exponents of an orbit on the EoS edge (spec §3)."""

    in_edge: float | None
    transverse: float | None
    diverged: bool


def edge_exponents(params: MapParams, z0: float | None = None, transient: int = 1000,
                   steps: int = 10_000) -> EdgeExponents:
    """In-edge ⟨log|g'(z)|⟩ and transverse ⟨log|1 + k|⟩ exponents on the edge.

    The orbit starts at z₀ (default c/2, or 1/2 when y = 0) on the edge
    m = 0 (p = 0 when y < 0), drops ``transient`` steps and averages over
    ``steps`` more.
    """
    c = abs(params.c)
    z0 = (c / 2 if c > 0 else 0.5) if z0 is None else positive("z0", z0)
    transient = check_count("transient", transient, 0, 10**8)
    steps = check_count("steps", steps, 1, 10**7)
    out_p = np.empty(transient + steps + 1)
    out_m = np.empty_like(out_p)
    p0, m0 = (z0, 0.0) if params.y >= 0 else (0.0, z0)
    if K.trajectory_kernel(p0, m0, params.c, out_p, out_m) >= 0:
        return EdgeExponents(None, None, True)
    wp, wm = out_p[transient:-1], out_m[transient:-1]
    tangent = (1.0, 0.0) if params.y >= 0 else (0.0, 1.0)
    return EdgeExponents(float(K.lyapunov_of(wp, wm, params.c, *tangent)),
                         float(K.transverse_of(wp, wm, params.c)), False)
