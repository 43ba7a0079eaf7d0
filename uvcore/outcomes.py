"""Period codes and the one rule that turns them into outcome kinds (spec §5).

Every sweep reports an orbit by an integer *period code*: k ≥ 1 is the
smallest period found in its analysed window (1: converged on the zero-loss
line), 0 means not periodic within tolerance, and the negative codes of
:class:`PeriodCode` name the special outcomes.  :func:`classify` turns codes
and Lyapunov exponents into :class:`Kind` values; it is the only place where
that rule is written.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["CHAOS_TOL", "PeriodCode", "Kind", "KIND_NAMES", "classify", "kind_name",
           "converging_rate"]

#: A non-periodic orbit is chaotic when its largest Lyapunov exponent exceeds this.
CHAOS_TOL = 1e-3


class PeriodCode(IntEnum):
    """Named period codes; any k ≥ 2 is a period-k orbit and carries no name."""

    #: Period 1 off the zero-loss line: stuck on the origin or a point II
    #: (reachable only along an invariant edge).
    STALLED = -3
    #: The start lies in the forbidden region (fate maps only).
    FORBIDDEN = -2
    #: The orbit left the divergence bound or turned non-finite.
    DIVERGED = -1
    #: No period up to the longest one looked for (aperiodic or chaotic).
    NOT_PERIODIC = 0
    #: Period 1 on the zero-loss line.
    CONVERGED = 1


class Kind(IntEnum):
    """Outcome kinds of :func:`classify`."""

    FORBIDDEN = 0
    DIVERGED = 1
    STALLED = 2
    CONVERGED = 3
    PERIODIC = 4
    CHAOTIC = 5
    APERIODIC = 6


#: Lower-case word of each kind (the ``kind`` of :class:`uvcore.Outcome`).
KIND_NAMES = {k: k.name.lower() for k in Kind}


def classify(period, lyapunov=None, chaos_tol: float = CHAOS_TOL) -> np.ndarray:
    """Kind of every orbit from its period code and Lyapunov exponent.

    Parameters
    ----------
    period : array_like of int
        Period codes (see :class:`PeriodCode`).
    lyapunov : array_like of float, optional
        Largest Lyapunov exponents, broadcast against ``period``; only read
        where the code is 0.  Without it every non-periodic orbit is
        ``APERIODIC``.
    chaos_tol : float
        A non-periodic orbit with exponent > ``chaos_tol`` is ``CHAOTIC``;
        NaN exponents are not.

    Returns
    -------
    ndarray of int8, the shape of ``period``
        :class:`Kind` values.

    Raises
    ------
    ValueError
        A negative code that :class:`PeriodCode` does not name.
    """
    code = np.asarray(period, dtype=np.int64)
    named = np.isin(code, [int(c) for c in PeriodCode]) | (code >= 2)
    if not np.all(named):
        raise ValueError(f"unknown period code {int(code[~named].flat[0])}")
    out = np.full(code.shape, Kind.APERIODIC, dtype=np.int8)
    out[code == PeriodCode.FORBIDDEN] = Kind.FORBIDDEN
    out[code == PeriodCode.DIVERGED] = Kind.DIVERGED
    out[code == PeriodCode.STALLED] = Kind.STALLED
    out[code == PeriodCode.CONVERGED] = Kind.CONVERGED
    out[code >= 2] = Kind.PERIODIC
    if lyapunov is not None:
        lyap = np.broadcast_to(np.asarray(lyapunov, dtype=float), code.shape)
        with np.errstate(invalid="ignore"):
            chaotic = (code == PeriodCode.NOT_PERIODIC) & (lyap > chaos_tol)
        out[chaotic] = Kind.CHAOTIC
    return out


def kind_name(period: int, lyapunov: float | None = None,
              chaos_tol: float = CHAOS_TOL) -> str:
    """:func:`classify` of one orbit, as its lower-case word."""
    return KIND_NAMES[Kind(int(classify(period, lyapunov, chaos_tol)))]


def converging_rate(residual) -> float | None:
    """Per-step contraction of a run that is still converging, or None.

    The period test calls an orbit "not periodic" when its states still move
    by more than its tolerance, which is also what a run does that converges
    too slowly for its steps (e.g. η = 10⁻³: near the zero-loss line
    Δf' ≈ (1 − ηλ) Δf, spec §2.4, so |Δf| shrinks by ≈ 0.999 a step).  Such a
    run is neither aperiodic nor chaotic: it has not settled yet.

    Parameters
    ----------
    residual : array_like of float
        Δf over the run's analysis window (at least 3 states).

    Returns
    -------
    float or None
        The geometric mean ratio (|Δf_last| / |Δf_first|)^(1/(w−1)) when every
        state is finite and |Δf| strictly decreases at every step of the
        window; None otherwise (including a residual that has reached 0:
        that run has converged).
    """
    r = np.abs(np.asarray(residual, dtype=float).ravel())
    if r.size < 3 or not np.all(np.isfinite(r)) or r[-1] <= 0.0:
        return None
    if not np.all(r[1:] < r[:-1]):
        return None
    return float((r[-1] / r[0]) ** (1.0 / (r.size - 1)))
