"""Validated map parameters and the (Δf, λ) ↔ (p, m) change of coordinates.

Everything the function-space map needs is the tuple (η, n_eff, ‖x‖, y)
(spec §2).  :class:`MapParams` validates it once; kernels receive the plain
scalars it derives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["UVInputError", "MapParams", "finite", "positive", "check_count", "eta_critical",
           "edge_lambda", "snap_to_edges"]

#: A start below the forbidden edge by at most this fraction of ηλ/2 is taken
#: to lie on the edge (clicks and decimal input land a rounding error off it).
EDGE_SNAP = 1e-12


class UVInputError(ValueError):
    """Bad user input: the message is one line, fit to show to a user."""


def finite(name: str, value) -> float:
    """Return ``value`` as a finite float or raise :class:`UVInputError`."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UVInputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise UVInputError(f"{name} must be finite, got {v!r}")
    return v


def positive(name: str, value) -> float:
    """Return ``value`` as a finite float > 0 or raise :class:`UVInputError`."""
    v = finite(name, value)
    if v <= 0.0:
        raise UVInputError(f"{name} must be > 0, got {v!r}")
    return v


@dataclass(frozen=True)
class MapParams:
    """Parameters of the function-space map (spec §2).

    Parameters
    ----------
    eta : float
        Learning rate η > 0.
    n_eff : float
        Effective width n_eff > 0 (α = 1/√n_eff).
    x_norm : float
        Input norm ‖x‖ > 0.
    y : float
        Target; any finite value.
    """

    eta: float
    n_eff: float
    x_norm: float = 1.0
    y: float = 2.0

    def __post_init__(self):
        object.__setattr__(self, "eta", positive("eta", self.eta))
        object.__setattr__(self, "n_eff", positive("n_eff", self.n_eff))
        object.__setattr__(self, "x_norm", positive("x_norm", self.x_norm))
        object.__setattr__(self, "y", finite("y", self.y))
        if not math.isfinite(self.c) or not math.isfinite(self.s):
            raise UVInputError("eta * x_norm / sqrt(n_eff) overflows; choose smaller values")

    def with_eta(self, eta: float) -> "MapParams":
        """The same map at another learning rate."""
        return MapParams(eta, self.n_eff, self.x_norm, self.y)

    @property
    def alpha(self) -> float:
        """α = 1/√n_eff."""
        return 1.0 / math.sqrt(self.n_eff)

    @property
    def s(self) -> float:
        """η α ‖x‖: converts Δf to k = η α ‖x‖ Δf."""
        return self.s_at(self.eta)

    def s_at(self, eta):
        """η α ‖x‖ at other learning rates (arrays broadcast)."""
        eta = float(eta) if np.ndim(eta) == 0 else np.asarray(eta, dtype=float)
        return eta * self.x_norm / math.sqrt(self.n_eff)

    @property
    def c(self) -> float:
        """Signed c = η α ‖x‖ y; |c| = η/η_c is the paper's dimensionless learning rate."""
        return self.s * self.y

    def c_at(self, eta):
        """Signed c at other learning rates (arrays broadcast)."""
        return self.s_at(eta) * self.y

    @property
    def eta_c(self) -> float:
        """Critical learning rate √n_eff / (‖x‖ |y|) (spec §3); inf when y = 0."""
        return eta_critical(self.n_eff, self.x_norm, self.y)

    @property
    def lam_min(self) -> float:
        """Lowest reachable λ on the zero-loss line: 2‖x‖|y|/√n_eff (spec §2.2)."""
        return float(self.edge_lam(0.0))

    @property
    def lam_half_c(self) -> float:
        """λ of the EoS-edge start z₀ = ηλ₀/2 = |c|/2: ‖x‖|y|/√n_eff at every η."""
        return 0.5 * self.lam_min

    def edge_lam(self, df):
        """λ of the forbidden edge over Δf: 2‖x‖|Δf + y|/√n_eff (spec §2.2); arrays broadcast."""
        return edge_lambda(df, self.n_eff, self.x_norm, self.y)

    def edge_point(self, lam: float) -> tuple[float, float]:
        """(Δf, λ) of the EoS edge (M = 0 for y ≥ 0, P = 0 for y < 0) at sharpness λ.

        There f = Δf + y = ±λ√n_eff/(2‖x‖) (spec §2.2, §3).
        """
        lam = finite("lam", lam)
        f = (1.0 if self.y >= 0 else -1.0) * lam * math.sqrt(self.n_eff) / (2.0 * self.x_norm)
        return f - self.y, lam

    # -- coordinates -------------------------------------------------------
    def to_pm(self, df, lam, eta=None):
        """(Δf, λ) → dimensionless (p, m) = (ηα²/4)(P, M); arrays broadcast.

        ``eta`` (array_like, optional) converts at other learning rates.
        """
        df = np.asarray(df, dtype=float)
        lam = np.asarray(lam, dtype=float)
        eta = self.eta if eta is None else np.asarray(eta, dtype=float)
        half = 0.25 * eta * lam
        tilt = 0.5 * self.s_at(eta) * (df + self.y)
        return half + tilt, half - tilt

    def from_pm(self, p, m):
        """(p, m) → (Δf, λ); arrays broadcast."""
        p = np.asarray(p, dtype=float)
        m = np.asarray(m, dtype=float)
        return (p - m - self.c) / self.s, 2.0 * (p + m) / self.eta

    def forbidden(self, df, lam):
        """Boolean mask of points with λ < 2‖x‖|Δf + y|/√n_eff (spec §2.2)."""
        return snap_to_edges(*self.to_pm(df, lam))[2]

    def start_pm(self, df0, lam0):
        """Validated start in (p, m); refuses forbidden or non-finite starts.

        Points within :data:`EDGE_SNAP` (relative) of an edge, on either side,
        are snapped onto it, so a start typed or clicked on the edge stays on
        the invariant edge instead of a rounding error away from it.
        """
        df0 = finite("df0", df0)
        lam0 = finite("lam0", lam0)
        p, m, bad = snap_to_edges(*self.to_pm(df0, lam0))
        if bad:
            edge = float(self.edge_lam(df0))
            raise UVInputError(
                f"start (df0={df0:g}, lam0={lam0:g}) is in the forbidden region: "
                f"lam0 must be >= 2*x_norm*|df0+y|/sqrt(n_eff) = {edge:g}")
        return float(p), float(m)


def snap_to_edges(p, m):
    """Apply the edge rule to starts in (p, m); arrays broadcast.

    Returns (p, m, forbidden): coordinates within :data:`EDGE_SNAP`
    (relative to p + m) of zero, on either side, become exactly 0 (the
    invariant edge); a coordinate further below zero marks the start
    forbidden (spec §2.2).
    """
    p = np.asarray(p, dtype=float)
    m = np.asarray(m, dtype=float)
    tol = EDGE_SNAP * (np.abs(p) + np.abs(m))
    bad = (p < -tol) | (m < -tol)
    return np.where(p <= tol, 0.0, p), np.where(m <= tol, 0.0, m), bad


def eta_critical(n_eff: float, x_norm: float, y: float) -> float:
    """η_c = √n_eff / (‖x‖ |y|) (spec §3); ``inf`` when y = 0."""
    n_eff = positive("n_eff", n_eff)
    x_norm = positive("x_norm", x_norm)
    y = finite("y", y)
    if y == 0.0:
        return math.inf
    return math.sqrt(n_eff) / (x_norm * abs(y))


def edge_lambda(df, n_eff: float, x_norm: float, y: float):
    """λ = 2‖x‖|Δf + y|/√n_eff of the forbidden edge (spec §2.2); arrays broadcast.

    The arguments are taken as validated (see :meth:`MapParams.edge_lam`).
    """
    return 2.0 * x_norm * np.abs(np.asarray(df, dtype=float) + y) / math.sqrt(n_eff)


def check_count(name: str, value, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi], or a one-line :class:`UVInputError`."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise UVInputError(f"{name} must be an integer, got {value!r}") from None
    if not math.isfinite(f) or f != int(f):
        raise UVInputError(f"{name} must be an integer, got {value!r}")
    v = int(f)
    if not lo <= v <= hi:
        raise UVInputError(f"{name} must be between {lo} and {hi}, got {v}")
    return v
