"""η_max: the largest learning rate whose orbit survives (spec §3, Corollary 5.1).

Divergence is not monotone in η, so η_max is located by a log scan that
finds the largest surviving scanned η, then a bisection of the step above
it.  :func:`eta_max_scan` does this for many starts in lockstep;
:func:`eta_max` is one start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..params import MapParams, UVInputError, check_count, eta_critical, finite, positive
from .batch import run_batch

__all__ = ["SCAN_SPAN", "EtaMax", "EtaMaxScan", "eta_max", "eta_max_scan", "bisection_rounds",
           "default_eta_scan"]

#: Default scan, in units of η_c (of 1 when y = 0): [η_c/100, 10 η_c].
SCAN_SPAN = (1e-2, 10.0)


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


@dataclass(frozen=True)
class EtaMaxScan:
    """η_max of many starts, each of shape (N,).

    ``lo`` survives and ``hi`` diverges (the final bracket); ``capped``
    marks starts that survived the whole scan (lo = its top, hi = inf) and
    ``below`` those that diverged at every scanned η (lo = NaN, hi = its
    bottom).  ``scan`` is the scanned range.
    """

    lo: np.ndarray
    hi: np.ndarray
    capped: np.ndarray
    below: np.ndarray
    scan: tuple
    eta_c: float


def bisection_rounds(eta_lo: float, eta_hi: float, num: int, rtol: float) -> int:
    """Most bisection rounds that shrink one scan step to ``rtol`` (relative)."""
    ratio = (eta_hi / eta_lo) ** (1.0 / (num - 1))
    return max(math.ceil(math.log2((ratio - 1.0) / rtol)) + 1, 0)


def default_eta_scan(n_eff: float, x_norm: float, y: float) -> tuple[float, float]:
    """:data:`SCAN_SPAN` × η_c (× 1 when y = 0)."""
    ec = eta_critical(n_eff, x_norm, y)
    ec = ec if math.isfinite(ec) else 1.0
    return SCAN_SPAN[0] * ec, SCAN_SPAN[1] * ec


def eta_max_scan(df0, lam0, *, n_eff: float, x_norm: float = 1.0, y: float = 2.0,
                 eta_lo: float | None = None, eta_hi: float | None = None, num: int = 256,
                 steps: int = 5000, rtol: float = 1e-6,
                 progress: Callable[[int, int], None] | None = None) -> EtaMaxScan:
    """η_max of every start (Δf₀, λ₀) (arrays, broadcast, allowed starts only).

    A scan of ``num`` η log-spaced over [eta_lo, eta_hi] (default
    :func:`default_eta_scan`) finds each start's largest surviving scanned η
    (an orbit survives when it has not diverged after ``steps`` steps);
    a bisection of all starts in lockstep then refines the step above it
    until every bracket is narrower than ``rtol`` (relative).
    ``progress(done, total)`` is called after each scanned η and each
    bisection round, and ends at ``(total, total)``; ``total`` = num +
    :func:`bisection_rounds` (an upper bound: the rounds may end sooner).
    """
    eta_c = eta_critical(n_eff, x_norm, y)
    lo_d, hi_d = default_eta_scan(n_eff, x_norm, y)
    num = check_count("num", num, 2, 100_000)
    steps = check_count("steps", steps, 1, 10**8)
    eta_lo = positive("eta_lo", lo_d if eta_lo is None else eta_lo)
    eta_hi = positive("eta_hi", hi_d if eta_hi is None else eta_hi)
    rtol = positive("rtol", rtol)
    if eta_hi <= eta_lo:
        raise UVInputError("eta_hi must be > eta_lo")
    d0, l0 = (np.asarray(a, dtype=float).ravel() for a in np.broadcast_arrays(df0, lam0))
    if d0.size:
        MapParams(eta_lo, n_eff, x_norm, y).start_pm(d0[0], l0[0])  # one clear message
    scan = np.geomspace(eta_lo, eta_hi, num)
    total = num + bisection_rounds(eta_lo, eta_hi, num, rtol)

    def survives(idx, etas):
        return ~run_batch(d0[idx], l0[idx], etas, n_eff=n_eff, x_norm=x_norm, y=y,
                          transient=max(steps - 2, 0), window=2).diverged

    last_ok = np.full(d0.size, -1)
    every = np.arange(d0.size)
    for k, eta in enumerate(scan):
        if d0.size:
            last_ok[survives(every, np.full(d0.size, eta))] = k
        if progress is not None:
            progress(k + 1, total)
    below, capped = last_ok < 0, last_ok == num - 1
    lo = np.where(below, np.nan, scan[np.clip(last_ok, 0, None)])
    hi = np.where(below, scan[0], np.where(capped, np.inf, scan[np.clip(last_ok + 1, 0, num - 1)]))
    done = _bisect(survives, lo, hi, ~(below | capped), rtol, num, total, progress)
    if progress is not None and done < total:
        progress(total, total)          # the brackets were narrow before the last round
    return EtaMaxScan(lo, hi, capped, below, (float(eta_lo), float(eta_hi)), eta_c)


def _bisect(survives, lo, hi, todo, rtol, done, total, progress) -> int:
    """Halve the brackets [lo, hi] of ``todo`` in lockstep until all are < rtol
    wide; the progress count reached."""
    while todo.any() and np.max((hi[todo] - lo[todo]) / hi[todo]) > rtol:
        idx = np.nonzero(todo)[0]
        mid = 0.5 * (lo[idx] + hi[idx])
        s = survives(idx, mid)
        lo[idx[s]] = mid[s]
        hi[idx[~s]] = mid[~s]
        done += 1
        if progress is not None:
            progress(min(done, total), total)
    return done


def eta_max(df0: float, lam0: float, *, n_eff: float, x_norm: float = 1.0, y: float = 2.0,
            eta_lo: float | None = None, eta_hi: float | None = None, num: int = 256,
            steps: int = 5000, rtol: float = 1e-6) -> EtaMax:
    """Locate η_max of one start: :func:`eta_max_scan` of that start.

    The scan (``num`` values, log-spaced over [eta_lo, eta_hi], default
    [η_c/100, 10 η_c]) finds the largest scanned η that survives ``steps``
    steps; bisection then refines the boundary above it to relative width
    ``rtol``.
    """
    df0, lam0 = finite("df0", df0), finite("lam0", lam0)
    r = eta_max_scan(df0, lam0, n_eff=n_eff, x_norm=x_norm, y=y, eta_lo=eta_lo,
                     eta_hi=eta_hi, num=num, steps=steps, rtol=rtol)
    lo, hi = float(r.lo[0]), float(r.hi[0])
    if r.below[0]:
        return EtaMax(None, (0.0, hi), False, r.eta_c)
    return EtaMax(lo, (lo, hi), not r.capped[0], r.eta_c)
