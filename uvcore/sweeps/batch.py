"""Many independent orbits at once: the batch runner every sweep uses.

All sweeps run the blocked, multi-threaded kernel
:func:`uvcore._kernels.batch_kernel` (or its warm-start twin) through
:func:`run_batch`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _kernels as K
from ..maps import MAX_PERIOD, PERIOD_TOL, generic_tangent
from ..outcomes import Kind, PeriodCode, classify
from ..params import MapParams, UVInputError, check_count, snap_to_edges

__all__ = ["MAX_ORBITS", "MAX_KEEP_VALUES", "MAX_WORK", "BatchResult", "run_batch",
           "default_start"]

#: Most orbits in one batch (η values of a diagram, cells of a fate map).
MAX_ORBITS = 1_000_000
#: Most stored values (orbits × keep) in one diagram: 160 MB of (p, m).
MAX_KEEP_VALUES = 10_000_000
#: Most map steps (orbits × steps) in one call.
MAX_WORK = 2e11


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
    transient = check_count("transient", transient, 0, 10**9)
    window = check_count("window", window, 2, 10**7)
    _check_sizes(eta.size, transient, window, keep)
    for name, a in (("df0", df0), ("lam0", lam0), ("eta", eta)):
        if not np.all(np.isfinite(a)):
            raise UVInputError(f"{name} must be finite")
    if np.any(eta <= 0):
        raise UVInputError("eta must be > 0")
    p0, m0, tangent = _starts(base, df0, lam0, eta, on_edge)
    return _run(p0, m0, base.c_at(eta), eta, tangent, transient, window, keep, warm_start)


def _check_sizes(n: int, transient: int, window: int, keep: bool) -> None:
    """Refuse batches past :data:`MAX_ORBITS`, :data:`MAX_WORK` or :data:`MAX_KEEP_VALUES`."""
    if not 1 <= n <= MAX_ORBITS:
        raise UVInputError(f"number of orbits must be between 1 and {MAX_ORBITS}, got {n}")
    if n * (transient + window) > MAX_WORK:
        raise UVInputError(f"too much work: {n} orbits x {transient + window} steps > {MAX_WORK:g}")
    if keep and n * window > MAX_KEEP_VALUES:
        raise UVInputError(f"too many kept values: {n} x {window} > {MAX_KEEP_VALUES}")


def _starts(base: MapParams, df0, lam0, eta, on_edge: bool):
    """(p0, m0, tangent) of every orbit: on the EoS edge, or the snapped generic start."""
    if on_edge:
        if np.any(lam0 <= 0):
            raise UVInputError("lam0 must be > 0 to start on the EoS edge")
        z = 0.5 * eta * lam0
        zero = np.zeros(eta.size)
        return (z, zero, (1.0, 0.0)) if base.y >= 0 else (zero, z, (0.0, 1.0))
    p0, m0, bad = snap_to_edges(*base.to_pm(df0, lam0, eta))
    if np.any(bad):
        raise UVInputError("a start is in the forbidden region: lam0 must be >= "
                           "2*x_norm*|df0+y|/sqrt(n_eff)")
    return p0, m0, generic_tangent()


def _run(p0, m0, c, eta, tangent, transient, window, keep, warm_start) -> BatchResult:
    """Allocate, call the batch (or warm-start) kernel and convert its output."""
    n = eta.size
    shape = (n, window) if keep or warm_start else (0, window)
    out_p, out_m = np.empty(shape), np.empty(shape)
    period = np.empty(n, dtype=np.int64)
    lyap = np.empty(n)
    div = np.empty(n, dtype=np.bool_)
    end = np.empty(n)
    kmax = min(MAX_PERIOD, window // 2)
    if warm_start:
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
