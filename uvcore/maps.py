"""The function-space map: steps, Jacobian, trajectories and their fate.

Spec §2 (map), §4 (Hessian sharpness), §5 (what a trajectory reports).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _kernels as K
from .outcomes import CHAOS_TOL, KIND_NAMES, Kind, PeriodCode, classify
from .params import MapParams, UVInputError, check_count

__all__ = [
    "PERIOD_TOL", "CHAOS_TOL", "MAX_PERIOD", "CLASSIFY_WINDOW", "MAX_STEPS",
    "Outcome", "Trajectory", "step", "jacobian", "trajectory", "hessian_sharpness",
    "power_spectrum", "outcome_from_window", "settle",
]

#: Two states k steps apart count as equal when |Δp| + |Δm| ≤ PERIOD_TOL (1 + p + m)
#: over the whole analysis window (p + m = ηλ/2, so this is relative in ηλ).
PERIOD_TOL = 1e-7
#: Longest period looked for.
MAX_PERIOD = 64
#: Steps at the end of a trajectory used to classify it.
CLASSIFY_WINDOW = 512
#: Cap on the number of steps of one trajectory (memory: 16 bytes a step).
MAX_STEPS = 10_000_000


@dataclass(frozen=True)
class Outcome:
    """Limiting behaviour of an orbit.

    Attributes
    ----------
    kind : str
        ``"converged"`` (period 1: settled on the zero-loss line I),
        ``"stalled"`` (period 1 off line I: stuck on the origin or a point
        II, which only orbits running exactly along an invariant edge reach),
        ``"periodic"`` (period ``period`` ≥ 2), ``"chaotic"`` (not periodic,
        largest Lyapunov exponent > :data:`CHAOS_TOL`), ``"aperiodic"`` (not
        periodic within tolerance, exponent ≤ CHAOS_TOL: quasi-periodic or still
        converging slowly, e.g. near a bifurcation) or ``"diverged"``.
    period : int or None
        1 for converged or stalled, k for periodic, None otherwise.
    lyapunov : float or None
        Largest Lyapunov exponent over the analysis window (None if diverged).
    eta_lam : float or None
        ηλ at the last step (None if diverged).
    """

    kind: str
    period: int | None = None
    lyapunov: float | None = None
    eta_lam: float | None = None

    @property
    def code(self) -> int:
        """Period code used by sweeps (:class:`uvcore.outcomes.PeriodCode`)."""
        return {"converged": PeriodCode.CONVERGED, "periodic": self.period or 0,
                "diverged": PeriodCode.DIVERGED,
                "stalled": PeriodCode.STALLED}.get(self.kind, PeriodCode.NOT_PERIODIC)


def outcome_from_window(period: int, lyap: float, diverged: bool, eta_lam: float) -> Outcome:
    """Turn a kernel's (period, exponent, diverged) into an :class:`Outcome`."""
    if diverged:
        return Outcome("diverged")
    lyap = float(lyap)
    kind = Kind(int(classify(period, lyap)))
    period = 1 if kind in (Kind.STALLED, Kind.CONVERGED) else (
        int(period) if kind == Kind.PERIODIC else None)
    return Outcome(KIND_NAMES[kind], period, lyap, eta_lam)


@dataclass(frozen=True)
class Trajectory:
    """One GD run of the function-space map (spec §5).

    Arrays have shape (T,) with T ≤ steps + 1: every finite state computed,
    so a diverged run stops where it left the bound.

    Attributes
    ----------
    df, lam, lam_h, loss, eta_lam : ndarray of float64
        Residual Δf_t, NTK sharpness λ_t, Hessian sharpness λ^H_t (spec §4),
        loss ½Δf_t², and ηλ_t.
    diverged_at : int or None
        First step whose state was non-finite or had ηλ/2 > DIVERGENCE_BOUND.
    outcome : Outcome
    params : MapParams
    """

    df: np.ndarray
    lam: np.ndarray
    lam_h: np.ndarray
    loss: np.ndarray
    eta_lam: np.ndarray
    diverged_at: int | None
    outcome: Outcome
    params: MapParams

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


def step(df, lam, params: MapParams):
    """One GD step (Δf, λ) → (Δf', λ') of spec §2; arrays broadcast.

    Computed through (p, m), which is exact up to rounding.
    """
    p, m = params.to_pm(df, lam)
    k = p - m - params.c
    return params.from_pm((1.0 - k) ** 2 * p, (1.0 + k) ** 2 * m)


def jacobian(df: float, lam: float, params: MapParams) -> np.ndarray:
    """Analytic Jacobian ∂(Δf', λ')/∂(Δf, λ) at one point, shape (2, 2).

    The kernel's (p, m) Jacobian conjugated by the linear change of
    coordinates T = ∂(p, m)/∂(Δf, λ).
    """
    p, m = params.to_pm(df, lam)
    j = np.array(K.pm_jacobian(float(p), float(m), params.c)).reshape(2, 2)
    t = np.array([[0.5 * params.s, 0.25 * params.eta],
                  [-0.5 * params.s, 0.25 * params.eta]])
    return np.linalg.solve(t, j @ t)


def hessian_sharpness(df, lam, params_or_nx):
    """Top eigenvalue λ^H of the loss Hessian in parameter space (spec §4).

    λ^H = max(λ/2 + √(λ²/4 + (‖x‖²/n_eff) Δf (Δf + 2f)), ‖x‖|Δf|/√n_eff),
    valid for width n ≥ 2.  ``params_or_nx`` is a :class:`MapParams` or a
    tuple (n_eff, x_norm, y).  Arrays broadcast.
    """
    if isinstance(params_or_nx, MapParams):
        n_eff, x_norm, y = params_or_nx.n_eff, params_or_nx.x_norm, params_or_nx.y
    else:
        n_eff, x_norm, y = params_or_nx
    df = np.asarray(df, dtype=float)
    lam = np.asarray(lam, dtype=float)
    g = x_norm * x_norm / n_eff
    f = df + y
    # ≥ g (Δf + f)² ≥ 0 in the allowed region; clip rounding below zero
    disc = np.maximum(0.25 * lam * lam + g * df * (df + 2.0 * f), 0.0)
    return np.maximum(0.5 * lam + np.sqrt(disc), np.sqrt(g) * np.abs(df))


def trajectory(df0: float, lam0: float, params: MapParams, steps: int = 1000) -> Trajectory:
    """Iterate the map ``steps`` times from (Δf₀, λ₀).

    Parameters
    ----------
    df0, lam0 : float
        Start; refused (:class:`UVInputError`) inside the forbidden region.
    params : MapParams
    steps : int, default 1000
        Number of GD steps, 1 … :data:`MAX_STEPS`.

    Returns
    -------
    Trajectory
        Classified by :func:`settle`.
    """
    steps = check_count("steps", steps, 1, MAX_STEPS)
    p0, m0 = params.start_pm(df0, lam0)
    out_p = np.empty(steps + 1)
    out_m = np.empty(steps + 1)
    bad = int(K.trajectory_kernel(p0, m0, params.c, out_p, out_m))
    with np.errstate(over="ignore", invalid="ignore"):
        # the state past the bound may overflow in (Δf, λ): settle() drops it then
        df, lam = params.from_pm(out_p, out_m)
    df, lam, diverged_at, outcome = settle(df, lam, bad, params, (out_p, out_m))
    return Trajectory(df=df, lam=lam, lam_h=hessian_sharpness(df, lam, params),
                      loss=0.5 * df * df, eta_lam=params.eta * lam,
                      diverged_at=diverged_at, outcome=outcome, params=params)


def settle(df, lam, bad: int, params: MapParams, pm=None):
    """Cut a run at its first bad step and classify its end.

    Parameters
    ----------
    df, lam : ndarray, shape (T+1,)
        The run's states (entries past ``bad`` are ignored).
    bad : int
        First bad index from a kernel, or −1.
    params : MapParams
    pm : tuple of ndarray, optional
        The same states in (p, m), when the run was computed in them;
        otherwise they are converted from (Δf, λ), rounding clipped at 0.

    Returns
    -------
    (df, lam, diverged_at, outcome)
        Arrays keep every finite state; the outcome is classified on the last
        min(CLASSIFY_WINDOW, (T+1)//2) states: period up to
        :data:`MAX_PERIOD`, tolerance :data:`PERIOD_TOL`.
    """
    if bad >= 0:
        keep = bad + 1 if math.isfinite(df[bad]) and math.isfinite(lam[bad]) else bad
        return df[:keep], lam[:keep], bad, Outcome("diverged")
    window = min(CLASSIFY_WINDOW, df.size // 2)
    if pm is None:
        p, m = params.to_pm(df[-window:], lam[-window:])
        p, m = np.maximum(p, 0.0), np.maximum(m, 0.0)
    else:
        p, m = pm[0][-window:], pm[1][-window:]
    period = K.window_period(p, m, params.c, min(MAX_PERIOD, window // 2), PERIOD_TOL)
    lyap = K.lyapunov_of(p, m, params.c, *generic_tangent())
    return df, lam, None, outcome_from_window(period, lyap, False, params.eta * float(lam[-1]))


def power_spectrum(x, last: int | None = 1000):
    """Power spectrum of the last ``last`` values of a series (spec §5).

    Returns (freq, power): frequencies in cycles per step (0 … 0.5) and
    |FFT(x − mean)|² / n.  A period-2 orbit peaks at 0.5.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise UVInputError("power_spectrum needs a 1-D series of at least 2 values")
    if last is not None:
        x = x[-int(last):]
    if not np.all(np.isfinite(x)):
        raise UVInputError("power_spectrum needs finite values")
    x = x - x.mean()
    return np.fft.rfftfreq(x.size), np.abs(np.fft.rfft(x)) ** 2 / x.size


def generic_tangent():
    """Start vector for the largest 2-D Lyapunov exponent (not along an edge)."""
    r = math.sqrt(0.5)
    return r, r
