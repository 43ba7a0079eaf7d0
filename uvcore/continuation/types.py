"""Result types and public constants of the continuation (spec §3)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..params import MapParams

__all__ = ["FEIGENBAUM_DELTA", "C_CRISIS", "CRITICAL_TOL", "MAX_LEVELS", "MAPS",
           "PeriodicOrbit", "Bifurcation", "Branch", "CascadeLevel", "Window", "Cascade"]


#: Feigenbaum's constant δ = 4.669201609102990671853… (for comparison only:
#: nothing below uses it).
FEIGENBAUM_DELTA = 4.669201609102990671853
#: The boundary crisis of the EoS map in closed form, c = 2 (module
#: docstring); :func:`cascade` locates it from the map itself.
C_CRISIS = 2.0
#: Target distance of a refined critical multiplier from −1, +1 or the unit circle.
CRITICAL_TOL = 1e-12
#: Most period doublings :func:`cascade` locates (period 2^(L−1) orbits);
#: beyond ~13 the flip spacing approaches float64 resolution of c.
MAX_LEVELS = 13
#: The maps understood here.
MAPS = ("eos", "uv")


@dataclass(frozen=True)
class PeriodicOrbit:
    """A period-k orbit of the EoS map or of the 2-D map.

    Attributes
    ----------
    map : {"eos", "uv"}
    period : int
        k (the orbit is a fixed point of Fᵏ; its minimal period may divide k).
    c, eta : float
        c = η‖x‖|y|/√n_eff and the learning rate η.
    p, m : ndarray, shape (k,)
        Orbit points in the dimensionless coordinates (for ``"eos"`` the
        edge is embedded: m = 0 for y ≥ 0, p = 0 for y < 0).
    z : ndarray, shape (k,)
        ηλ/2 = p + m (on the edge: the EoS coordinate z).
    df, lam : ndarray, shape (k,)
        The same points in (Δf, λ).
    multipliers : tuple of complex
        Eigenvalues of D Fᵏ at ``p[0], m[0]`` (one for ``"eos"``, two for ``"uv"``).
    stability, bifurcation : str
        From :func:`uvcore.analysis.classify_multipliers`.
    residual : float
        max|Fᵏ(u) − u| / (1 + max|u|) at the returned point.
    transverse_multiplier : float or None
        ∏(1 + k_t)² (∏(1 − k_t)² for y < 0): the factor by which the
        transverse coordinate grows per period, for orbits on the edge;
        None off the edge.
    params : MapParams
    """

    map: str
    period: int
    c: float
    eta: float
    p: np.ndarray
    m: np.ndarray
    z: np.ndarray
    df: np.ndarray
    lam: np.ndarray
    multipliers: tuple
    stability: str
    bifurcation: str
    residual: float
    transverse_multiplier: float | None
    params: MapParams

    @property
    def on_edge(self) -> bool:
        return self.transverse_multiplier is not None

    @property
    def transverse_exponent(self) -> float | None:
        """Per-step transverse Lyapunov exponent ⟨log|1 ± k_t|⟩ (spec §3)."""
        if self.transverse_multiplier is None:
            return None
        return math.log(max(self.transverse_multiplier, 1e-300)) / (2 * self.period)


@dataclass(frozen=True)
class Bifurcation:
    """A refined multiplier crossing on a branch.

    Attributes
    ----------
    kind : {"flip", "fold", "neimark-sacker"}
        From :func:`~uvcore.analysis.classify_multipliers` at the refined point.
    transverse : bool
        The critical multiplier is the edge's transverse one (2-D map on the
        edge: an exchange of stability with orbits off the edge, not a fold
        of the EoS branch).
    c, eta : float
    orbit : PeriodicOrbit
        The orbit at the refined point.
    multiplier : complex
        The critical multiplier.
    residual : float
        Its distance from −1, +1 or the unit circle.
    bracket : tuple of float
        (c_lo, c_hi) of the final refinement bracket along the branch.
    dmu_dc : float
        Secant estimate of d(critical multiplier)/dc across the detection
        step: the float64 resolution of c limits the residual to about
        |dmu_dc| · ulp(c).
    """

    kind: str
    transverse: bool
    c: float
    eta: float
    orbit: PeriodicOrbit
    multiplier: complex
    residual: float
    bracket: tuple
    dmu_dc: float


@dataclass(frozen=True)
class Branch:
    """Points of a continued branch (in the order visited) and its events.

    ``multipliers`` has shape (N, dim); ``superstable`` is the first point
    where the in-edge multiplier changed sign (None if it did not);
    ``end`` says why the continuation stopped: ``"event"``, ``"c_stop"``,
    ``"failed"`` or ``"max_steps"``.
    """

    c: np.ndarray
    eta: np.ndarray
    multipliers: np.ndarray
    events: tuple
    superstable: PeriodicOrbit | None
    end: str
    last: PeriodicOrbit


@dataclass(frozen=True)
class CascadeLevel:
    """One period doubling: the period-``period`` orbit flips at ``c_flip``.

    The flip is at c = ``c_flip`` + ``c_flip_lo`` (a double-double pair;
    ``c_flip`` is the nearest float64).  ``residual`` is |μ + 1| there,
    evaluated in double-double; ``residual_float64`` is the best |μ + 1|
    reached with float64 alone (limited by |dμ/dc| · ulp(c) and the
    rounding of the orbit, |dμ/dc| ≈ ``dmu_dc`` growing like δʲ).
    ``multipliers``, ``stability`` and ``bifurcation`` are those of the
    float64 orbit (2-D multipliers for ``"uv"``: in-edge, transverse).

    ``generic_distance`` compares the branch with the orbit reached by
    forward iteration from the generic start at ``c_superstable`` (inside
    the window of this period) followed by Newton: the largest distance
    (in p, m) from a point of that orbit to the branch's orbit, or None
    when the forward orbit diverged or Newton found no period-k orbit;
    ``generic_agrees`` is distance ≤ 1e-8.  ``transverse_exponent`` is the
    edge's transverse exponent on the branch at the flip (< 0: the edge
    attracts 2-D orbits).
    """

    level: int
    period: int
    c_flip: float
    c_flip_lo: float
    eta_flip: float
    multipliers: tuple
    stability: str
    bifurcation: str
    residual: float
    residual_float64: float
    dmu_dc: float
    transverse_multiplier: float | None
    transverse_exponent: float | None
    c_superstable: float | None
    generic_distance: float | None
    generic_agrees: bool | None
    transverse_events: tuple


@dataclass(frozen=True)
class Window:
    """A periodic window opened by a fold (saddle-node) of Fᵏ.

    ``residual`` is |μ − 1| at the refined fold; ``c_superstable`` the
    parameter inside the window where the orbit passes through the
    critical point (multiplier 0); ``transverse_exponent`` the edge's
    transverse exponent on the orbit there; ``generic_distance`` as for
    :class:`CascadeLevel` (forward iteration from the generic start at
    ``c_superstable``; None: it diverged or found no period-k orbit).
    """

    period: int
    c_fold: float
    eta_fold: float
    residual: float
    c_superstable: float
    multipliers: tuple
    transverse_exponent: float | None
    generic_distance: float | None

    def to_dict(self) -> dict:
        return {"period": self.period, "eta_fold": self.eta_fold, "c_fold": self.c_fold}


@dataclass(frozen=True)
class Cascade:
    """The period-doubling route to chaos on the EoS manifold (spec §3).

    Attributes
    ----------
    map : {"eos", "uv"}
    eta_c : float
        η_c = √n_eff/(‖x‖|y|); every η below is c · η_c.
    c_flip, eta_flip : tuple of float
        Flip points c₁ < c₂ < … (the period-2^(j−1) orbit doubles at c_j).
    delta : tuple of float
        δ_j = (c_j − c_{j−1})/(c_{j+1} − c_j), j = 2 … L−1.
    c_inf, eta_inf : float
        Accumulation point by geometric extrapolation with the last δ:
        c_∞ = c_L + (c_L − c_{L−1})/(δ_{L−1} − 1).
    c_inf_error : float
        |c_∞(δ_{L−1}) − c_∞(δ_{L−2})|, a size for the extrapolation error.
    c_crisis, eta_crisis : float
        Boundary crisis: the EoS attractor escapes (training diverges) above it.
    windows : tuple of Window
        Folds opening the period-3 windows in (c_∞, c_crisis), by c; the
        first is the analogue of the logistic map's 1 + √8.
    levels : tuple of CascadeLevel
    transverse_at_crisis : float or None
        Transverse exponent of the edge attractor just below the crisis.
    start : tuple
        The generic start (Δf₀, λ₀) used for the forward-iteration checks.
    c_max_start, eta_max_start : float or None
        ``"uv"`` only: η_max of the generic start (:func:`uvcore.eta_max`)
        over η_c.  Where it is below a window or the crisis, the 2-D map
        from that start diverges although the edge attractor is there and
        transversally stable: the start lies outside its basin.

    Notes
    -----
    2-D versus 1-D: the cascade's orbits lie on the invariant edge, so the
    2-D flips are those of the EoS map exactly; what the 2-D map adds is
    whether 2-D orbits reach them.  ``levels[j].transverse_exponent`` < 0
    says the edge orbit attracts nearby 2-D orbits, and
    ``levels[j].generic_agrees`` says the generic start reached it.
    """

    map: str
    n_eff: float
    x_norm: float
    y: float
    eta_c: float
    c_flip: tuple
    eta_flip: tuple
    delta: tuple
    c_inf: float
    eta_inf: float
    c_inf_error: float
    c_crisis: float
    eta_crisis: float
    windows: tuple
    levels: tuple
    transverse_at_crisis: float | None
    start: tuple
    c_max_start: float | None
    eta_max_start: float | None

    def to_dict(self) -> dict:
        """The summary of the CLI's ``--json`` output (plain floats and lists)."""
        return {
            "eta_flip": [float(v) for v in self.eta_flip],
            "c_flip": [float(v) for v in self.c_flip],
            "delta": [float(v) for v in self.delta],
            "eta_inf": float(self.eta_inf),
            "c_inf": float(self.c_inf),
            "eta_crisis": float(self.eta_crisis),
            "c_crisis": float(self.c_crisis),
            "windows": [w.to_dict() for w in self.windows],
        }
