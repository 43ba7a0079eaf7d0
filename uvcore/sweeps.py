"""Many orbits at once: batches, bifurcation diagrams, fate maps, η_max and
the exponents of the EoS edge (spec §3).

All of them run the blocked, multi-threaded kernel
:func:`uvcore._kernels.batch_kernel` (or its warm-start twin).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _kernels as K
from .analysis import window_axes
from .maps import MAX_PERIOD, PERIOD_TOL, generic_tangent
from .outcomes import KIND_NAMES, Kind, PeriodCode, classify
from .params import (MapParams, UVInputError, check_count, eta_critical, finite, positive,
                     snap_to_edges)

__all__ = [
    "MAX_ORBITS", "MAX_KEEP_VALUES", "MAX_WORK", "FORBIDDEN_CODE", "FATE_WINDOW",
    "BatchResult", "BifurcationDiagram", "FateMap", "EtaMax", "EdgeExponents",
    "run_batch", "bifurcation", "fate_map", "eta_max", "edge_exponents",
    "default_start",
]

#: Most orbits in one batch (η values of a diagram, cells of a fate map).
MAX_ORBITS = 1_000_000
#: Most stored values (orbits × keep) in one diagram: 160 MB of (p, m).
MAX_KEEP_VALUES = 10_000_000
#: Most map steps (orbits × steps) in one call.
MAX_WORK = 2e11
#: Window analysed per orbit of a fate map.
FATE_WINDOW = 256
#: Period code of a forbidden start in a fate map.
FORBIDDEN_CODE = int(PeriodCode.FORBIDDEN)


def default_start(params: MapParams) -> tuple[float, float]:
    """Default start (Δf₀, λ₀) = (−y, ‖x‖ max(|y|, 1)/√n_eff): f₀ = 0, λ₀ = 1/η_c.

    f₀ = 0 puts the start between the two edges (P = M); on the EoS edge
    the same λ₀ gives z₀ = ηλ₀/2 = c/2.
    """
    return -params.y, params.x_norm * max(abs(params.y), 1.0) / math.sqrt(params.n_eff)


@dataclass(frozen=True)
class BatchResult:
    """Per-orbit results of :func:`run_batch`, each of shape (N,).

    ``period``: 1 converged, k periodic, 0 not periodic, −1 diverged,
    −3 stalled on a fixed point off the zero-loss line (see :class:`Outcome`).
    ``lyapunov``: exponent over the window (NaN where diverged).
    ``eta_lam``: ηλ one step after the window (NaN where diverged).
    ``lam_window``: (N, window) λ over the window, or None if not kept.
    """

    period: np.ndarray
    lyapunov: np.ndarray
    eta_lam: np.ndarray
    lam_window: np.ndarray | None

    @property
    def diverged(self) -> np.ndarray:
        return self.period == PeriodCode.DIVERGED

    @property
    def chaotic(self) -> np.ndarray:
        return classify(self.period, self.lyapunov) == Kind.CHAOTIC


def run_batch(df0, lam0, eta, *, n_eff: float, x_norm: float = 1.0, y: float = 2.0,
              transient: int = 1000, window: int = 256, keep: bool = False,
              on_edge: bool = False, warm_start: bool = False) -> BatchResult:
    """Run N independent orbits of the 2-D map in parallel.

    Parameters
    ----------
    df0, lam0, eta : array_like
        Starts and learning rates; broadcast to a common shape (N,).  With
        ``on_edge`` only ``lam0`` is used: the start is the point of the EoS
        edge with that λ (spec §3: z₀ = ηλ₀/2).
    n_eff, x_norm, y : float
        Shared map parameters.
    transient : int
        Steps dropped before the window.
    window : int
        Steps analysed (period up to min(MAX_PERIOD, window // 2), Lyapunov
        exponent), ≥ 2.
    keep : bool
        Return λ over the window (shape (N, window)).
    on_edge : bool
        Iterate the 1-D EoS map (the 2-D map restricted to its invariant
        edge) and report the in-edge exponent.
    warm_start : bool
        Orbit i starts from orbit i−1's final state, the same (Δf, λ) (after
        a divergence, from its own start).  Sequential, so one thread.  An
        orbit that has converged to a fixed point in floating point stays
        there after η moves even if the point turned unstable, escaping only
        as fast as rounding noise grows (critical slowing down): such rows
        show period 1 with a positive Lyapunov exponent.

    Raises
    ------
    UVInputError
        Non-finite values, η ≤ 0, forbidden starts, or sizes past the caps.
    """
    base = MapParams(1.0, n_eff, x_norm, y)
    df0, lam0, eta = np.broadcast_arrays(*(np.asarray(a, dtype=float).ravel()
                                           for a in (df0, lam0, eta)))
    n = eta.size
    transient = check_count("transient", transient, 0, 10**9)
    window = check_count("window", window, 2, 10**7)
    if not 1 <= n <= MAX_ORBITS:
        raise UVInputError(f"number of orbits must be between 1 and {MAX_ORBITS}, got {n}")
    if n * (transient + window) > MAX_WORK:
        raise UVInputError(f"too much work: {n} orbits x {transient + window} steps > {MAX_WORK:g}")
    if keep and n * window > MAX_KEEP_VALUES:
        raise UVInputError(f"too many kept values: {n} x {window} > {MAX_KEEP_VALUES}")
    for name, a in (("df0", df0), ("lam0", lam0), ("eta", eta)):
        if not np.all(np.isfinite(a)):
            raise UVInputError(f"{name} must be finite")
    if np.any(eta <= 0):
        raise UVInputError("eta must be > 0")
    c = base.c_at(eta)
    if on_edge:
        if np.any(lam0 <= 0):
            raise UVInputError("lam0 must be > 0 to start on the EoS edge")
        z = 0.5 * eta * lam0
        p0, m0 = (z, np.zeros(n)) if base.y >= 0 else (np.zeros(n), z)
        tangent = (1.0, 0.0) if base.y >= 0 else (0.0, 1.0)
    else:
        p0, m0, bad = snap_to_edges(*base.to_pm(df0, lam0, eta))
        if np.any(bad):
            raise UVInputError("a start is in the forbidden region: lam0 must be >= "
                               "2*x_norm*|df0+y|/sqrt(n_eff)")
        tangent = generic_tangent()
    shape = (n, window) if keep else (0, window)
    out_p, out_m = np.empty(shape), np.empty(shape)
    period = np.empty(n, dtype=np.int64)
    lyap = np.empty(n)
    div = np.empty(n, dtype=np.bool_)
    end = np.empty(n)
    kmax = min(MAX_PERIOD, window // 2)
    if warm_start:
        if not keep:
            out_p, out_m = np.empty((n, window)), np.empty((n, window))
        scale = np.concatenate([[1.0], eta[1:] / eta[:-1]])
        K.warm_kernel(p0, m0, c, scale, transient, kmax, PERIOD_TOL, *tangent,
                      out_p, out_m, period, lyap, div, end)
    else:
        order = K.block_order((n + K.LANES - 1) // K.LANES)
        K.batch_kernel(p0, m0, c, transient, kmax, PERIOD_TOL, *tangent, order,
                       out_p, out_m, period, lyap, div, end)
    lyap[div] = np.nan
    end = 2.0 * end
    end[div] = np.nan
    lam_window = None
    if keep:
        with np.errstate(invalid="ignore", over="ignore"):
            # rows of diverged orbits are unfinished buffers: overwritten below
            lam_window = 2.0 * (out_p + out_m) / eta[:, None]
        lam_window[div] = np.nan
    return BatchResult(period, lyap, end, lam_window)


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
                warm_start: bool = False) -> BifurcationDiagram:
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
    eta = np.linspace(eta_min, eta_max, num)
    res = run_batch(df0, lam0, eta, n_eff=params.n_eff, x_norm=params.x_norm, y=params.y,
                    transient=transient, window=keep, keep=True, on_edge=(map == "eos"),
                    warm_start=warm_start)
    return BifurcationDiagram(eta, res.lam_window, res.period, res.lyapunov, map, params,
                              df0, lam0)


@dataclass(frozen=True)
class FateMap:
    """Outcome of every start of a window at one η.

    ``period`` has shape (len(lam), len(df)): −3 stalled, −2 forbidden,
    −1 diverged, 0 not periodic, 1 converged, k periodic; ``lyapunov`` likewise (NaN where
    forbidden or diverged).  ``kind`` names each cell.
    """

    df: np.ndarray
    lam: np.ndarray
    period: np.ndarray
    lyapunov: np.ndarray
    params: MapParams

    @property
    def kind(self) -> np.ndarray:
        """Word of each cell's :func:`uvcore.outcomes.classify` kind (object array)."""
        names = np.array([KIND_NAMES[k] for k in Kind], dtype=object)
        return names[classify(self.period, self.lyapunov)]


def fate_map(params: MapParams, df_range, lam_range, grid: int = 100,
             steps: int = 2000) -> FateMap:
    """Classify the fate of a ``grid`` × ``grid`` lattice of starts (spec §2.5).

    Each start runs ``steps`` steps; the last min(FATE_WINDOW, steps // 2)
    are analysed.
    """
    xs, ys = window_axes(df_range, lam_range, grid)
    steps = check_count("steps", steps, 4, 10**8)
    X, Y = np.meshgrid(xs, ys)
    bad = params.forbidden(X, Y)
    ok = ~bad
    period = np.full(X.shape, FORBIDDEN_CODE, dtype=np.int64)
    lyap = np.full(X.shape, np.nan)
    if np.any(ok):
        window = min(FATE_WINDOW, steps // 2)
        res = run_batch(X[ok], Y[ok], params.eta, n_eff=params.n_eff,
                        x_norm=params.x_norm, y=params.y,
                        transient=steps - window, window=window)
        period[ok] = res.period
        lyap[ok] = res.lyapunov
    return FateMap(xs, ys, period, lyap, params)


@dataclass(frozen=True)
class EtaMax:
    """Largest non-diverging η for one start (spec §3, Corollary 5.1).

    ``eta_max`` is the refined boundary; ``bracket`` the final (lo, hi)
    with lo not diverging and hi diverging; ``found`` is False when nothing
    in the scan diverged (η_max ≥ the scan's top) or everything did
    (η_max < the scan's bottom; ``eta_max`` is then None).
    """

    eta_max: float | None
    bracket: tuple
    found: bool
    eta_c: float

    @property
    def has_eos(self) -> bool:
        """Corollary 5.1: EoS needs η_max > η_c."""
        return self.eta_max is not None and self.eta_max > self.eta_c


def eta_max(df0: float, lam0: float, *, n_eff: float, x_norm: float = 1.0, y: float = 2.0,
            eta_lo: float | None = None, eta_hi: float | None = None, num: int = 256,
            steps: int = 5000, rtol: float = 1e-6) -> EtaMax:
    """Locate η_max by a scan, then bisection at the last stable→diverging step.

    Divergence is not monotone in η: the scan (``num`` values, log-spaced
    over [eta_lo, eta_hi], default [η_c/100, 10 η_c]) finds the largest
    scanned η that survives ``steps`` steps; bisection then refines the
    boundary above it to relative width ``rtol``.
    """
    eta_c = eta_critical(n_eff, x_norm, y)
    num = check_count("num", num, 2, 100_000)
    steps = check_count("steps", steps, 1, 10**8)
    ec = eta_c if math.isfinite(eta_c) else 1.0
    eta_lo = positive("eta_lo", ec / 100 if eta_lo is None else eta_lo)
    eta_hi = positive("eta_hi", 10 * ec if eta_hi is None else eta_hi)
    rtol = positive("rtol", rtol)
    if eta_hi <= eta_lo:
        raise UVInputError("eta_hi must be > eta_lo")
    MapParams(eta_lo, n_eff, x_norm, y).start_pm(df0, lam0)
    grid = np.geomspace(eta_lo, eta_hi, num)

    def survives(eta):
        res = run_batch(df0, lam0, eta, n_eff=n_eff, x_norm=x_norm, y=y,
                        transient=max(steps - 2, 0), window=2)
        return ~res.diverged

    ok = survives(grid)
    if not ok.any():
        return EtaMax(None, (0.0, float(grid[0])), False, eta_c)
    i = int(np.nonzero(ok)[0][-1])
    if i == num - 1:
        return EtaMax(float(grid[-1]), (float(grid[-1]), math.inf), False, eta_c)
    lo, hi = float(grid[i]), float(grid[i + 1])
    while hi - lo > rtol * hi:
        mid = 0.5 * (lo + hi)
        if survives(np.array([mid]))[0]:
            lo = mid
        else:
            hi = mid
    return EtaMax(lo, (lo, hi), True, eta_c)


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
