"""Periodic orbits, their continuation in the learning rate, and the
period-doubling route to chaos on the EoS manifold (spec §3).

Everything works in the kernels' dimensionless coordinates (spec §2.1,
``docs/CONVENTIONS.md``) with the single parameter

    c = η ‖x‖ |y| / √n_eff = η / η_c,

reported side by side with η.  Two maps are studied:

``"eos"``
    the EoS map z' = g(z) = z (1 + c − z)², the 2-D map restricted to its
    invariant edge (m = 0 for y > 0, p = 0 for y < 0; z = ηλ/2 there).
``"uv"``
    the full 2-D map in (p, m).  It has a line of fixed points (line I,
    k = 0: every point of it has the multiplier +1 along the line) and, on
    the edge, the triangular Jacobian [[g'(z), *], [0, (1 + k)²]]: an edge
    orbit's multipliers are its in-edge multiplier and the transverse one
    ∏(1 + k_t)².  Newton solves on an orbit that lies exactly on the edge
    keep the transverse coordinate at exactly 0 (its equation reads
    (μ⊥ − 1) δm = 0 there, singular where μ⊥ = 1); off the edge the full
    2-D system is solved.

Method.  Newton on Fᵏ(u) = u with the analytic Jacobian of Fᵏ (the chain
rule of :func:`uvcore._kernels.pm_jacobian` along the orbit); pseudo-arclength
continuation in (u, c) with step control; multiplier crossings of −1 (flip),
+1 (fold) and of the unit circle by a complex pair are detected by sign
changes of test functions and refined by a safeguarded regula falsi
(Illinois) along the branch until the critical multiplier is within
:data:`CRITICAL_TOL` of its critical value or the bracket has shrunk to the
float64 resolution of the orbit (``residual`` reports which); flips of the
cascade are then finished in double-double arithmetic, which reaches
CRITICAL_TOL at every level (see :func:`cascade`); at a flip the period-2k
branch is entered along the critical eigenvector.  The stability
label and the bifurcation kind always come from
:func:`uvcore.analysis.classify_multipliers`.

Closed forms used as checks (derived in :func:`cascade`'s notes): the first
flip is at c₁ = 1 (η = η_c); the EoS attractor escapes at the crisis
c = 2 (η = 2 η_c), where g(z*) = 4(1 + c)³/27 reaches the escape threshold
c + 2 (point II).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _kernels as K
from ._scalar import root_in
from .analysis import MULTIPLIER_TOL, classify_multipliers
from .params import (MapParams, UVInputError, check_count, eta_critical, finite, positive,
                     snap_to_edges)
from .sweeps import default_start, edge_exponents, eta_max

__all__ = [
    "FEIGENBAUM_DELTA", "C_CRISIS", "CRITICAL_TOL", "MAX_LEVELS", "MAPS",
    "PeriodicOrbit", "Bifurcation", "Branch", "CascadeLevel", "Window", "Cascade",
    "periodic_orbit", "follow_branch", "switch_branch", "cascade",
]

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

#: Newton/corrector step below which (relative to 1 + |x|) an iteration has converged.
_STEP_TOL = 1e-13
#: An orbit is accepted when max|Fᵏ(u) − u| ≤ this × (1 + max|u|).
_RESIDUAL_TOL = 1e-9
_NEWTON_MAXIT = 40
_CORRECTOR_MAXIT = 12
#: Largest change of an in-edge multiplier accepted in one continuation step
#: (keeps two crossings from hiding inside one step).
_MAX_MU_CHANGE = 0.25
#: Most continuation steps per branch segment.
_MAX_STEPS = 2000
#: Period-3 windows are searched with this many samples of c in (c_∞, c_crisis).
_WINDOW_SAMPLES = 20_000
_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------
# results

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


# --------------------------------------------------------------------------
# the system Fᵏ(u; γ) − u, γ = |c|

class _System:
    """Fᵏ(u; γ) − u for one map and period; γ = |c| is the parameter.

    ``"eos"``: u = (z,), evaluated as the 2-D kernel on the edge (z, 0) with
    c = γ (the y < 0 edge p = 0 is the same map in m).  ``"uv"``: u = (p, m)
    with the signed c = sign(y) γ.
    """

    def __init__(self, kind: str, k: int, sign: float):
        self.kind = kind
        self.k = int(k)
        self.sign = 1.0 if kind == "eos" else sign
        self.dim = 1 if kind == "eos" else 2
        # transverse coordinate of the EoS edge: m for y ≥ 0, p for y < 0
        self.tr = 1 if self.sign > 0 else 0

    def with_period(self, k: int) -> "_System":
        return _System(self.kind, k, self.sign)

    def pm(self, u) -> tuple[float, float]:
        if self.dim == 1:
            return float(u[0]), 0.0
        return float(u[0]), float(u[1])

    def evaluate(self, u, gam):
        """(Fᵏ(u), D Fᵏ, ∂Fᵏ/∂γ) as arrays."""
        p, m = self.pm(u)
        r = K.orbit_jacobian(p, m, self.sign * gam, self.k)
        if self.dim == 1:
            return (np.array([r[0]]), np.array([[r[2]]]), np.array([r[6]]))
        return (np.array([r[0], r[1]]), np.array([[r[2], r[3]], [r[4], r[5]]]),
                self.sign * np.array([r[6], r[7]]))

    def on_edge(self, u) -> bool:
        return self.dim == 2 and u[self.tr] == 0.0

    def free(self, u):
        """Indices of u solved for: on the edge the transverse one is held at 0."""
        if self.on_edge(u):
            return [1 - self.tr]
        return list(range(self.dim))

    def clamp(self, u):
        if self.dim == 2:
            np.maximum(u, 0.0, out=u)   # p, m ≥ 0: the edges are invariant
        return u

    def points(self, u, gam):
        """The k orbit points (p_t, m_t) from u."""
        p, m = self.pm(u)
        out_p = np.empty(self.k + 1)
        out_m = np.empty(self.k + 1)
        K.trajectory_kernel(p, m, self.sign * gam, out_p, out_m)
        return out_p[:-1], out_m[:-1]

    def edge_parts(self, M, u):
        """(in-edge, transverse) multipliers of an edge orbit (triangular M)."""
        if self.dim == 1:
            return M[0, 0], None
        i = 1 - self.tr
        return M[i, i], M[self.tr, self.tr]


def _solve(A, b, rows, cols):
    """Solve A[rows, cols] x = b[rows]; least squares where singular."""
    a = A[np.ix_(rows, cols)]
    rhs = b[rows]
    x = np.zeros(A.shape[1])
    try:
        sol = np.linalg.solve(a, rhs)
        if not np.all(np.isfinite(sol)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        sol = np.linalg.lstsq(a, rhs, rcond=None)[0]
    x[cols] = sol
    return x


def _newton(sys: _System, u, gam, maxit=_NEWTON_MAXIT):
    """Newton on Fᵏ(u) − u at fixed γ; returns (u, residual) or None."""
    u = sys.clamp(np.array(u, dtype=float))
    eye = np.eye(sys.dim)
    for _ in range(maxit):
        F, M, _ = sys.evaluate(u, gam)
        r = F - u
        if not (np.all(np.isfinite(r)) and np.all(np.isfinite(M))):
            return None
        idx = sys.free(u)
        du = _solve(M - eye, r, idx, idx)
        u = sys.clamp(u - du)
        if np.max(np.abs(du)) <= _STEP_TOL * (1.0 + np.max(np.abs(u))):
            break
    if sys.dim == 2:
        # the project's edge rule: a transverse coordinate within rounding
        # of zero is the invariant edge itself
        p, m, _ = snap_to_edges(u[0], u[1])
        u = np.array([float(p), float(m)])
    F = sys.evaluate(u, gam)[0]
    res = float(np.max(np.abs(F - u)) / (1.0 + np.max(np.abs(u))))
    if not res <= _RESIDUAL_TOL:
        return None
    return u, res


def _correct(sys: _System, x_pred, t, maxit=_CORRECTOR_MAXIT):
    """Pseudo-arclength corrector: Fᵏ(u) = u on the plane t·(x − x_pred) = 0.

    x = (u, γ).  Returns (x, F, M, Fγ, iterations) or None.
    """
    d = sys.dim
    x = np.array(x_pred, dtype=float)
    sys.clamp(x[:d])
    A = np.zeros((d + 1, d + 1))
    b = np.zeros(d + 1)
    for it in range(1, maxit + 1):
        F, M, Fg = sys.evaluate(x[:d], x[d])
        if not (np.all(np.isfinite(F)) and np.all(np.isfinite(M)) and np.all(np.isfinite(Fg))):
            return None
        A[:d, :d] = M - np.eye(d)
        A[:d, d] = Fg
        A[d] = t
        b[:d] = F - x[:d]
        b[d] = t @ (x - x_pred)
        idx = sys.free(x[:d])
        dx = _solve(A, b, idx + [d], idx + [d])
        x = x - dx
        sys.clamp(x[:d])
        if not x[d] > 0.0:
            return None
        if np.max(np.abs(dx)) <= _STEP_TOL * (1.0 + np.max(np.abs(x))):
            F, M, Fg = sys.evaluate(x[:d], x[d])
            res = np.max(np.abs(F - x[:d])) / (1.0 + np.max(np.abs(x[:d])))
            if not res <= _RESIDUAL_TOL:
                return None
            return x, F, M, Fg, it
    return None


def _tangent(sys: _System, x, M, Fg, ref):
    """Unit null vector of [D Fᵏ − I | ∂Fᵏ/∂γ], oriented along ``ref``."""
    d = sys.dim
    idx = sys.free(x[:d])
    cols = idx + [d]
    a = np.hstack([M - np.eye(d), Fg[:, None]])[np.ix_(idx, cols)]
    t = np.zeros(d + 1)
    t[cols] = np.linalg.svd(a)[2][-1]
    if t @ ref < 0:
        t = -t
    return t


# --------------------------------------------------------------------------
# multipliers, tests and orbit records

def _multipliers(sys: _System, M, u):
    """Multipliers, in-edge first for edge orbits."""
    if sys.dim == 1:
        return (complex(M[0, 0]),)
    if sys.on_edge(u):
        mu_in, mu_tr = sys.edge_parts(M, u)
        return complex(mu_in), complex(mu_tr)
    mu = np.linalg.eigvals(M)
    return tuple(sorted((complex(v) for v in mu), key=lambda v: (abs(v), v.imag)))


def _tests(sys: _System, M, u):
    """Test functions whose sign changes mark crossings.

    ``flip``/``fold``: in-edge multiplier ∓ 1 on the edge (1-D map too), or
    det(M ± I) off it; ``transverse``: μ⊥ − 1 on the edge; ``ns``: det M − 1
    for a complex pair; ``zero``: the in-edge multiplier (or det M).
    """
    if sys.dim == 1 or sys.on_edge(u):
        mu_in, mu_tr = sys.edge_parts(M, u)
        out = {"flip": mu_in + 1.0, "fold": mu_in - 1.0, "zero": mu_in}
        if mu_tr is not None:
            out["transverse"] = mu_tr - 1.0
        return out
    tr = M[0, 0] + M[1, 1]
    det = M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0]
    complex_pair = tr * tr < 4.0 * det
    return {"flip": 1.0 + tr + det, "fold": 1.0 - tr + det, "zero": det,
            "ns": det - 1.0 if complex_pair else math.nan}


def _critical(sys: _System, M, u, test: str):
    """(critical multiplier, its distance from the critical set)."""
    mu = _multipliers(sys, M, u)
    if test == "flip":
        cands = mu[:1] if sys.on_edge(u) or sys.dim == 1 else mu
        z = min(cands, key=lambda v: abs(v + 1.0))
        return z, abs(z + 1.0)
    if test == "fold":
        cands = mu[:1] if sys.on_edge(u) or sys.dim == 1 else mu
        z = min(cands, key=lambda v: abs(v - 1.0))
        return z, abs(z - 1.0)
    if test == "transverse":
        return mu[1], abs(mu[1] - 1.0)
    z = min(mu, key=lambda v: abs(abs(v) - 1.0) if abs(v.imag) > 0 else math.inf)
    return z, abs(abs(z) - 1.0)


class _Context:
    """Map parameters shared by every orbit of one study."""

    def __init__(self, kind, n_eff, x_norm, y):
        self.kind = kind
        self.n_eff = positive("n_eff", n_eff)
        self.x_norm = positive("x_norm", x_norm)
        self.y = finite("y", y)
        if self.y == 0.0:
            raise UVInputError("y must be nonzero: with y = 0 there is no EoS edge (eta_c = inf)")
        self.sign = 1.0 if self.y > 0 else -1.0
        self.eta_c = eta_critical(self.n_eff, self.x_norm, self.y)

    def eta(self, gam: float) -> float:
        return gam * self.eta_c

    def params(self, gam: float) -> MapParams:
        return MapParams(self.eta(gam), self.n_eff, self.x_norm, self.y)

    def system(self, k: int) -> _System:
        return _System(self.kind, k, self.sign)

    def embed(self, sys: _System, u):
        """u → (p, m) of the 2-D map (the EoS edge for ``"eos"``)."""
        if sys.dim == 2:
            return float(u[0]), float(u[1])
        return (float(u[0]), 0.0) if self.sign > 0 else (0.0, float(u[0]))

    def orbit(self, sys: _System, u, gam, M=None, res=None, tol=MULTIPLIER_TOL) -> PeriodicOrbit:
        if M is None or res is None:
            F, M, _ = sys.evaluate(u, gam)
            res = float(np.max(np.abs(F - u)) / (1.0 + np.max(np.abs(u))))
        mu = _multipliers(sys, M, u)
        stability, bif = classify_multipliers(mu, tol)
        pp, mm = sys.points(u, gam)
        if sys.dim == 1:
            z = pp.copy()
            p, m = (z, np.zeros_like(z)) if self.sign > 0 else (np.zeros_like(z), z)
        else:
            p, m = pp, mm
        params = self.params(gam)
        df, lam = params.from_pm(p, m)
        kk = p - m - params.c
        trans = None
        if sys.dim == 1 or sys.on_edge(u):
            fac = 1.0 + kk if self.sign > 0 else 1.0 - kk
            trans = float(np.prod(fac * fac))
        return PeriodicOrbit(self.kind, sys.k, float(gam), params.eta, p, m, p + m,
                             np.asarray(df), np.asarray(lam), mu, stability, bif,
                             float(res), trans, params)


# --------------------------------------------------------------------------
# continuation

def _refine(sys, ctx, x_a, t_a, s_b, x_b, psi_a, psi_b, test):
    """Illinois regula falsi on the test function along the branch.

    Stops when the critical multiplier is within CRITICAL_TOL of its
    critical value or the bracket ends coincide to float64 resolution.
    """
    d = sys.dim
    lo, hi, flo, fhi = 0.0, s_b, psi_a, psi_b
    x_lo, x_hi = x_a, x_b
    best = None
    side = 0
    for _ in range(200):
        s = (lo * fhi - hi * flo) / (fhi - flo) if fhi != flo else 0.5 * (lo + hi)
        if not lo < s < hi:
            s = 0.5 * (lo + hi)
        w = (s - lo) / (hi - lo)
        guess = (1.0 - w) * x_lo + w * x_hi
        # the plane through x_a + s t_a, seen from the interpolated guess
        out = _correct(sys, guess - t_a * (t_a @ (guess - x_a) - s), t_a)
        if out is None:
            s = 0.5 * (lo + hi)
            out = _correct(sys, x_a + s * t_a, t_a)
            if out is None:
                break
        x, F, M, Fg, _ = out
        z, err = _critical(sys, M, x[:d], test)
        if best is None or err < best[3]:
            best = (x, M, z, err)
        if err <= CRITICAL_TOL:
            break
        f = _tests(sys, M, x[:d])[test]
        if f == 0.0:
            break
        if (f > 0) == (flo > 0):
            lo, flo, x_lo = s, f, x
            if side == -1:
                fhi *= 0.5
            side = -1
        else:
            hi, fhi, x_hi = s, f, x
            if side == 1:
                flo *= 0.5
            side = 1
        if np.max(np.abs(x_hi - x_lo)) <= 4 * _EPS * (1.0 + np.max(np.abs(x))):
            break
    if best is None:
        return None
    x, M, z, err = best
    bracket = (float(min(x_lo[d], x_hi[d])), float(max(x_lo[d], x_hi[d])))
    if test == "flip" and err > CRITICAL_TOL:
        polished = _polish_in_c(sys, x, -1.0)
        if polished is not None and polished[3] < err:
            x, M, z, err, bracket = polished
    return x, M, z, err, bracket


def _polish_in_c(sys, x, target):
    """Last refinement of a flip with c itself as the parameter.

    Away from folds the branch is a graph over c, so the critical in-edge
    multiplier μ(c) (orbit by Newton at fixed c) is bracketed and bisected
    down to adjacent floats; the float with the smaller |μ − target| wins.
    """
    d = sys.dim

    def at(gam, u):
        nw = _newton(sys, u, gam)
        if nw is None:
            return None
        M = sys.evaluate(nw[0], gam)[1]
        mu = _critical(sys, M, nw[0], "flip")[0].real
        return np.r_[nw[0], gam], M, mu

    c0 = float(x[d])
    first = at(c0, x[:d])
    if first is None:
        return None
    f0 = first[2] - target
    # step outwards by growing multiples of an ulp until the sign changes
    step = math.ulp(c0)
    other = None
    for _ in range(60):
        for sgn in (1.0, -1.0):
            cand = at(c0 + sgn * step, first[0][:d])
            if cand is not None and (cand[2] - target) * f0 <= 0.0:
                other = cand
                break
        if other is not None:
            break
        step *= 2.0
    if other is None:
        return None
    lo, hi = (first, other) if first[0][d] < other[0][d] else (other, first)
    for _ in range(80):
        a, b = lo[0][d], hi[0][d]
        mid = 0.5 * (a + b)
        if not a < mid < b:
            break
        cand = at(mid, lo[0][:d])
        if cand is None:
            break
        if (cand[2] - target) * (lo[2] - target) > 0.0:
            lo = cand
        else:
            hi = cand
    best = min((lo, hi), key=lambda r: abs(r[2] - target))
    xb, Mb, mu = best
    z = _critical(sys, Mb, xb[:d], "flip")[0]
    return xb, Mb, z, abs(z + 1.0), (float(lo[0][d]), float(hi[0][d]))


def _make_event(sys, ctx, x, M, z, err, bracket, test, dmu_dc):
    d = sys.dim
    tol = max(MULTIPLIER_TOL, 2.0 * err)
    orbit = ctx.orbit(sys, x[:d], x[d], M, None, tol)
    stab, kind = classify_multipliers((z,), tol)
    if kind == "none":
        kind = {"flip": "flip", "ns": "neimark-sacker"}.get(test, "fold")
    return Bifurcation(kind, test == "transverse", float(x[d]), float(ctx.eta(x[d])), orbit, z,
                       float(err), bracket, float(dmu_dc))


def _follow(sys, ctx, x0, direction, *, h0, h_max, c_stop=None, stop_on=("flip",),
            max_steps=_MAX_STEPS, tangent=None):
    """Pseudo-arclength continuation from x0 = (u, γ) with step control."""
    d = sys.dim
    F, M, Fg = sys.evaluate(x0[:d], x0[d])
    ref = tangent if tangent is not None else np.r_[np.zeros(d), direction]
    t = _tangent(sys, x0, M, Fg, ref)
    x = np.array(x0, dtype=float)
    psi = _tests(sys, M, x[:d])
    cs, mus = [x[d]], [_multipliers(sys, M, x[:d])]
    events = []
    raw = []
    superstable = None
    h = h0
    h_min = h0 * 1e-9
    end = "max_steps"
    for _ in range(max_steps):
        out = _correct(sys, x + h * t, t)
        ok = out is not None
        if ok:
            x_new, F, M_new, Fg_new, its = out
            psi_new = _tests(sys, M_new, x_new[:d])
            jump = np.max(np.abs(x_new - (x + h * t)))
            dmu = abs(psi_new["zero"] - psi["zero"])
            ok = jump <= 0.5 * h and dmu <= _MAX_MU_CHANGE
        if not ok:
            h *= 0.5
            if h < h_min:
                end = "failed"
                break
            continue
        stop = False
        for name, val in psi_new.items():
            old = psi.get(name, math.nan)   # tests differ on and off the edge
            if name == "zero" or not (val * old < 0):
                continue
            ref_out = _refine(sys, ctx, x, t, h, x_new, old, val, name)
            if ref_out is None:
                continue
            xe, Me, ze, erre, bracket = ref_out
            dz_dc = ((_critical(sys, M_new, x_new[:d], name)[0]
                      - _critical(sys, M, x[:d], name)[0]).real
                     / (x_new[d] - x[d])) if x_new[d] != x[d] else math.nan
            events.append(_make_event(sys, ctx, xe, Me, ze, erre, bracket, name, dz_dc))
            raw.append((name, xe, Me))
            if name in stop_on:
                stop = True
        if superstable is None and psi_new["zero"] * psi["zero"] < 0:
            superstable = ctx.orbit(sys, x_new[:d], x_new[d], M_new)
        t = _tangent(sys, x_new, M_new, Fg_new, t)
        x, M, psi = x_new, M_new, psi_new
        cs.append(x[d])
        mus.append(_multipliers(sys, M, x[:d]))
        if stop:
            end = "event"
            break
        if c_stop is not None and (x[d] - c_stop) * direction >= 0:
            end = "c_stop"
            break
        h = min(h * (2.0 if its <= 3 else 1.0 if its <= 5 else 0.5), h_max)
    last = ctx.orbit(sys, x[:d], x[d], M)
    cs = np.array(cs)
    branch = Branch(cs, cs * ctx.eta_c, np.array(mus), tuple(events), superstable, end, last)
    return branch, raw


def _switch(sys, ctx, x_flip, M_flip):
    """Enter the period-2k branch at a flip along the critical eigenvector."""
    d = sys.dim
    u = x_flip[:d]
    idx = sys.free(u)
    a = M_flip[np.ix_(idx, idx)]
    w, V = np.linalg.eig(a)
    j = int(np.argmin(np.abs(w + 1.0)))
    v = np.zeros(d)
    v[idx] = V[:, j].real
    v /= np.linalg.norm(v)
    sys2 = sys.with_period(2 * sys.k)
    pp, mm = sys.points(u, x_flip[d])
    pts = np.stack([pp, mm], 1) if d == 2 else pp[:, None]
    if sys.k > 1:
        gaps = np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=2)
        scale = float(np.min(gaps[np.triu_indices(sys.k, 1)]))
    else:
        scale = 1.0 + float(np.max(np.abs(u)))
    t = np.r_[v, 0.0]
    for frac in (0.05, 0.02, 0.01, 0.005, 0.1, 0.2):
        eps = frac * scale
        out = _correct(sys2, np.r_[u + eps * v, x_flip[d]], t)
        if out is None:
            continue
        x = out[0]
        # genuinely period 2k: F^k(u) differs from u by about 2 eps
        Fk = sys.evaluate(x[:d], x[d])[0]
        if np.max(np.abs(Fk - x[:d])) > 0.1 * eps:
            return sys2, out
    return sys2, None


def _check_orbit_kind(kind):
    if kind not in MAPS:
        raise UVInputError(f"map must be 'eos' or 'uv', got {kind!r}")


def _polish_dd(sys: _System, x, target: float = -1.0):
    """Flip (or fold) of an edge orbit refined in double-double arithmetic.

    Newton on the augmented system g^k(z) − z = 0, (g^k)'(z) − target = 0
    in the unknowns (z, c), with residuals evaluated to ~32 digits by
    :func:`uvcore._kernels.edge_orbit_dd` and a forward-difference
    Jacobian.  This gets the critical multiplier within CRITICAL_TOL of
    ``target`` where the float64 spacing of c does not allow it.

    Returns (c_hi, c_lo, |multiplier − target|) with c = c_hi + c_lo, or
    None when Newton does not converge.
    """
    d = sys.dim
    if not (d == 1 or sys.on_edge(x[:d])):
        return None
    i = sys.free(x[:d])[0]
    k = sys.k

    def residual(zh, zl, gh, gl):
        fh, fl, dh, dl = K.edge_orbit_dd(zh, zl, gh, gl, k)
        gr = K.dd_add(fh, fl, -zh, -zl)
        hr = K.dd_add(dh, dl, -target, 0.0)
        return np.array([gr[0] + gr[1], hr[0] + hr[1]])

    zh, zl, gh, gl = float(x[i]), 0.0, float(x[d]), 0.0
    hz = 1e-13 * (1.0 + abs(zh))
    hg = 1e-13 * (1.0 + abs(gh))
    r = residual(zh, zl, gh, gl)
    for _ in range(12):
        if abs(r[1]) <= 1e-3 * CRITICAL_TOL and abs(r[0]) <= 1e-24 * (1.0 + abs(zh)):
            break
        jz = (residual(*K.dd_add(zh, zl, hz, 0.0), gh, gl) - r) / hz
        jg = (residual(zh, zl, *K.dd_add(gh, gl, hg, 0.0)) - r) / hg
        try:
            step = np.linalg.solve(np.column_stack([jz, jg]), r)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        zh, zl = K.dd_add(zh, zl, -step[0], 0.0)
        gh, gl = K.dd_add(gh, gl, -step[1], 0.0)
        r = residual(zh, zl, gh, gl)
    err = abs(r[1])
    if not err <= CRITICAL_TOL or abs(gh - x[d]) > 1e-9 * (1.0 + abs(gh)):
        return None
    return gh, gl, err


# --------------------------------------------------------------------------
# public API

def _state(ctx: _Context, sys: _System, params: MapParams, df0, lam0):
    """Validated start as the internal state u for ``sys`` at ``params``."""
    d0, l0 = default_start(params)
    df0 = d0 if df0 is None else finite("df0", df0)
    lam0 = l0 if lam0 is None else finite("lam0", lam0)
    if sys.dim == 1:
        if not lam0 > 0.0:
            raise UVInputError(f"lam0 must be > 0 to start on the EoS edge, got {lam0:g}")
        return np.array([0.5 * params.eta * lam0]), df0, lam0
    return np.array(params.start_pm(df0, lam0)), df0, lam0


def _from_orbit(orbit: PeriodicOrbit):
    ctx = _Context(orbit.map, orbit.params.n_eff, orbit.params.x_norm, orbit.params.y)
    sys = ctx.system(orbit.period)
    u = np.array([orbit.z[0]]) if sys.dim == 1 else np.array([orbit.p[0], orbit.m[0]])
    return ctx, sys, np.r_[u, orbit.c]


def periodic_orbit(params: MapParams, period: int, *, map: str = "eos",
                   df0: float | None = None, lam0: float | None = None,
                   settle: int = 2000) -> PeriodicOrbit:
    """Solve Fᵏ(u) = u by Newton with the analytic Jacobian of Fᵏ.

    Parameters
    ----------
    params : MapParams
        Map parameters; y must be nonzero (the EoS edge needs y ≠ 0).
    period : int
        k, 1 … 2^(MAX_LEVELS).
    map : {"eos", "uv"}
        The 1-D EoS map (unknown z) or the 2-D map (unknowns p, m).
    df0, lam0 : float, optional
        Start, default :func:`uvcore.default_start`; for ``"eos"`` only
        ``lam0`` is used (z₀ = ηλ₀/2, spec §3).
    settle : int, default 2000
        Forward steps before Newton (0: Newton from the start itself).
        A period-1 solve of ``"uv"`` off the edge lands on line I, whose
        points are not isolated: Newton then returns a least-squares point
        of the line.

    Returns
    -------
    PeriodicOrbit

    Raises
    ------
    UVInputError
        Bad parameters or start, a start that diverges while settling, or
        no convergence of Newton from it.
    """
    _check_orbit_kind(map)
    if not isinstance(params, MapParams):
        raise UVInputError("params must be a MapParams")
    period = check_count("period", period, 1, 2 ** MAX_LEVELS)
    settle = check_count("settle", settle, 0, 10**8)
    ctx = _Context(map, params.n_eff, params.x_norm, params.y)
    sys = ctx.system(period)
    gam = abs(params.c)
    u, _, _ = _state(ctx, sys, params, df0, lam0)
    p, m = K.advance(*sys.pm(u), sys.sign * gam, settle)
    if K.is_bad(p, m):
        raise UVInputError(f"the start diverges within {settle} steps at eta={params.eta:g}")
    u = np.array([p]) if sys.dim == 1 else np.array([p, m])
    out = _newton(sys, u, gam)
    if out is None:
        raise UVInputError(f"Newton found no period-{period} orbit from this start "
                           f"at eta={params.eta:g} (c={gam:g})")
    u, res = out
    return ctx.orbit(sys, u, gam, None, None)


def follow_branch(orbit: PeriodicOrbit, c_stop: float, *,
                  stop_on=("flip", "fold", "ns"), max_steps: int = _MAX_STEPS,
                  h0: float | None = None) -> Branch:
    """Continue a periodic orbit in c (pseudo-arclength, step control).

    Parameters
    ----------
    orbit : PeriodicOrbit
    c_stop : float
        Continue towards this c (> 0); stop on reaching it.
    stop_on : tuple of str
        Test functions whose crossing ends the continuation: ``"flip"``
        (multiplier −1), ``"fold"`` (+1), ``"ns"`` (complex pair on the unit
        circle), ``"transverse"`` (the edge's transverse multiplier +1).
        Every crossing is refined and reported in ``events`` either way.
    max_steps : int
    h0 : float, optional
        First arclength step (default 1e-3 |c_stop − c|).

    Returns
    -------
    Branch
    """
    if not isinstance(orbit, PeriodicOrbit):
        raise UVInputError("orbit must be a PeriodicOrbit")
    c_stop = positive("c_stop", c_stop)
    max_steps = check_count("max_steps", max_steps, 1, 10**6)
    bad = set(stop_on) - {"flip", "fold", "ns", "transverse"}
    if bad:
        raise UVInputError(f"unknown stop_on entries: {sorted(bad)}")
    ctx, sys, x0 = _from_orbit(orbit)
    span = abs(c_stop - orbit.c)
    if span == 0.0:
        raise UVInputError("c_stop equals the orbit's c")
    h = positive("h0", h0) if h0 is not None else 1e-3 * span
    direction = 1.0 if c_stop > orbit.c else -1.0
    branch, _ = _follow(sys, ctx, x0, direction, h0=h, h_max=0.1 * span, c_stop=c_stop,
                        stop_on=tuple(stop_on), max_steps=max_steps)
    return branch


def switch_branch(event: Bifurcation) -> PeriodicOrbit:
    """The period-2k orbit born at a flip, entered along the critical eigenvector.

    The k-orbit at the flip is displaced by ε v (v the eigenvector of the
    multiplier −1, ε a few per cent of the closest distance between its
    points) and corrected by Newton on F^{2k} with the displacement along v
    held fixed (the new branch leaves the flip in the direction (v, 0)).
    """
    if not isinstance(event, Bifurcation) or event.kind != "flip" or event.transverse:
        raise UVInputError("switch_branch needs a flip (in-edge multiplier -1) event")
    ctx, sys, x = _from_orbit(event.orbit)
    M = sys.evaluate(x[:sys.dim], x[sys.dim])[1]
    sys2, out = _switch(sys, ctx, x, M)
    if out is None:
        raise UVInputError(f"no period-{2 * sys.k} orbit found next to the flip at c={event.c:g}")
    xs, F, M2, _, _ = out
    return ctx.orbit(sys2, xs[:sys.dim], xs[sys.dim], M2, None)


def _generic_check(ctx, sys, orbit: PeriodicOrbit, df0, lam0):
    """Forward iteration from the generic start at the orbit's c, then Newton.

    Returns the largest distance from a point of the orbit so found to the
    branch's orbit, or None when the forward orbit diverged or Newton failed.
    """
    params = orbit.params
    gam = orbit.c
    if sys.dim == 1:
        p0, m0 = 0.5 * params.eta * lam0, 0.0
    else:
        p0, m0 = params.start_pm(df0, lam0)
    steps = min(4000 + 400 * sys.k, 2_000_000)
    p, m = K.advance(p0, m0, sys.sign * gam, steps)
    if K.is_bad(p, m):
        return None
    out = _newton(sys, np.array([p]) if sys.dim == 1 else np.array([p, m]), gam)
    if out is None:
        return None
    gp, gm = sys.points(out[0], gam)
    if sys.dim == 1:
        a, b = gp[:, None], orbit.z[:, None]
    else:
        a, b = np.stack([gp, gm], 1), np.stack([orbit.p, orbit.m], 1)
    dist = np.max(np.abs(a[:, None, :] - b[None, :, :]), axis=2)
    return float(np.max(np.min(dist, axis=1)))


def _crisis(c_lo: float) -> float:
    """c where the critical value g(z*) reaches the escape threshold c + 2.

    For z > c + 2, g(z) > z (|1 + c − z| > 1), so such orbits grow without
    bound; g maps [0, c + 2] into [0, max(g(z*), c + 2)] with z* = (1 + c)/3
    the critical point.  The attractor, which contains the critical orbit,
    is bounded while g(z*) = 4(1 + c)³/27 ≤ c + 2 and a neighbourhood of
    z* escapes once it exceeds it: 4(1 + c)³ − 27(c + 2) = (c − 2)(2c + 5)²,
    so the root is c = 2 (η = 2 η_c).  Computed here from the map itself.
    """
    def h(gam):
        return K.pm_step((1.0 + gam) / 3.0, 0.0, gam)[0] - (gam + 2.0)

    hi = max(2.0 * c_lo, 1.0)
    while h(hi) <= 0.0:
        hi *= 2.0
    return root_in(h, c_lo, hi)


def _period_windows(ctx, c_lo, c_hi, df0, lam0, period=3):
    """Folds opening the period-``period`` windows with c in (c_lo, c_hi).

    Every stable orbit of the EoS map attracts its critical point z* (g is a
    polynomial with negative Schwarzian derivative and its other critical
    point 1 + c maps onto the repelling fixed point 0), so each window holds
    a superstable parameter where gᵏ(z*) = z*.  Those are bracketed on a
    grid, solved, and each superstable orbit is continued down in c to the
    fold where its multiplier reaches +1.
    """
    grid = np.linspace(c_lo, c_hi, _WINDOW_SAMPLES)
    vals = np.empty_like(grid)
    K.critical_return(grid, period, vals)
    one = np.empty(1)

    def f(gam):
        K.critical_return(np.array([gam]), period, one)
        return one[0]

    sys = ctx.system(period)
    out = []
    for i in np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]:
        cs = root_in(f, float(grid[i]), float(grid[i + 1]))
        z = (1.0 + cs) / 3.0
        zz = np.empty(1)
        K.critical_return(np.array([cs]), 1, zz)
        if abs(zz[0]) < 1e-6:
            continue      # a divisor of the period
        u = np.array([z]) if sys.dim == 1 else np.array(ctx.embed(_System("eos", 1, 1.0), [z]))
        nw = _newton(sys, u, cs)
        if nw is None:
            continue
        x0 = np.r_[nw[0], cs]
        branch, raw = _follow(sys, ctx, x0, -1.0, h0=1e-5, h_max=1e-2, stop_on=("fold",))
        folds = [(e, r) for e, r in zip(branch.events, raw) if r[0] == "fold"]
        if not folds:
            continue
        ev = folds[0][0]
        start = ctx.orbit(sys, nw[0], cs)
        gd = _generic_check(ctx, sys, start, df0, lam0)
        out.append(Window(period, ev.c, float(ev.eta), ev.residual, cs, ev.orbit.multipliers,
                          start.transverse_exponent, gd))
    return tuple(sorted(out, key=lambda w: w.c_fold))


def cascade(*, map: str = "eos", n_eff: float, x_norm: float = 1.0, y: float = 2.0,
            df0: float | None = None, lam0: float | None = None, levels: int = 8,
            windows: bool = True) -> Cascade:
    """Locate the period-doubling cascade, its accumulation, the crisis and
    the period-3 windows (spec §3).

    Parameters
    ----------
    map : {"eos", "uv"}
        Continue orbits of the 1-D EoS map, or of the full 2-D map (whose
        cascade lives on the invariant edge; its transverse multipliers are
        reported, and each level is checked against forward iteration of
        the 2-D map from the generic start).
    n_eff, x_norm, y : float
        Map parameters (y ≠ 0).  c = η‖x‖|y|/√n_eff = η/η_c throughout.
    df0, lam0 : float, optional
        Generic start for the forward-iteration checks, default
        :func:`uvcore.default_start` (for ``"eos"`` only λ₀ is used).
    levels : int, default 8
        Number L of flips c₁ … c_L to locate (3 … :data:`MAX_LEVELS`).
    windows : bool, default True
        Also locate the period-3 folds in (c_∞, c_crisis).

    Returns
    -------
    Cascade

    Notes
    -----
    Level 1 is the fixed point z = c of the EoS map (for ``"uv"``: the
    point of line I on the edge; line I is a continuum of fixed points
    with multiplier +1 along it, so the fixed point is continued on the
    edge and its 2-D multipliers are reported).  Each flip c_j is refined
    by Illinois regula falsi along the branch; then the period-2^j branch
    is entered along the critical eigenvector and continued to the next
    flip.  In float64 the flips are located to a few ulps of c (enough for
    δ_k to ~13 levels), but |μ + 1| ≤ :data:`CRITICAL_TOL` is out of reach
    from level ~7 on: |dμ/dc| grows like δʲ (≈ 9·10⁴ at level 8), so one
    ulp of c already moves μ by more than 1e-12, and the rounding of the
    orbit adds more (``residual_float64``: 4e-12 at level 7, 9e-11 at
    level 8).  Each flip is therefore finished by Newton on the augmented
    system in double-double arithmetic (:func:`_polish_dd`), which returns
    c as a pair ``c_flip + c_flip_lo`` with |μ + 1| ≤ CRITICAL_TOL
    (``residual``, typically 1e-16 … 1e-27); δ_k and c_∞ use the pairs.
    """
    _check_orbit_kind(map)
    levels = check_count("levels", levels, 3, MAX_LEVELS)
    ctx = _Context(map, n_eff, x_norm, y)
    edge = _Context("eos", n_eff, x_norm, y)
    p_ref = ctx.params(1.0)
    _, df0, lam0 = _state(ctx, ctx.system(1), p_ref, df0, lam0)

    # level 1: the fixed point on the edge
    sys1 = edge.system(1)
    gam0 = 0.5
    u0, _, _ = _state(edge, sys1, edge.params(gam0), df0, lam0)
    nw = _newton(sys1, np.array([K.advance(float(u0[0]), 0.0, gam0, 200)[0]]), gam0)
    if nw is None:
        raise RuntimeError("no fixed point found on the EoS edge at c = 0.5")
    _, raw = _follow(sys1, edge, np.r_[nw[0], gam0], 1.0, h0=0.01, h_max=0.1,
                     stop_on=("flip",))
    flips = [r for r in raw if r[0] == "flip"]
    if not flips:
        raise RuntimeError("the fixed point on the EoS edge did not flip")
    _, x, M = flips[0]
    sys = ctx.system(1)
    if sys.dim == 2:
        x = np.r_[edge.embed(sys1, x[:1]), x[1]]
        M = sys.evaluate(x[:2], x[2])[1]
    level_rows = []
    c_flip = []
    prev_gap = None
    for level in range(1, levels + 1):
        if level > 1:
            sys2, out = _switch(sys, ctx, x, M)
            if out is None:
                raise RuntimeError(f"branch switching failed at the flip c={x[-1]!r}")
            x_start = out[0]
            h0 = 0.25 * float(np.linalg.norm(x_start - x))
            h_max = 0.5 * prev_gap if prev_gap else 0.1
            branch, raw = _follow(sys2, ctx, x_start, 1.0, h0=h0, h_max=h_max,
                                  stop_on=("flip",), tangent=x_start - x)
            flips = [(e, r) for e, r in zip(branch.events, raw) if r[0] == "flip"]
            if not flips:
                raise RuntimeError(f"continuation of the period-{sys2.k} branch ended "
                                   f"({branch.end}) at c={branch.last.c!r} before its flip")
            ev, (_, x_new, M) = flips[0]
            trans_events = tuple(e for e in branch.events if e.transverse)
            sys = sys2
            ss = branch.superstable
            gd = _generic_check(ctx, sys, ss, df0, lam0) if ss is not None else None
            prev_gap = float(np.linalg.norm(x_new - x))
            x = x_new
        else:
            ev = None
            trans_events = ()
            ss = None
            gd = None
        gam = float(x[-1])
        mu_all = _multipliers(sys, M, x[:-1])
        z, err = _critical(sys, M, x[:-1], "flip")
        pol = _polish_dd(sys, x) if err > 0.0 else (gam, 0.0, 0.0)
        if pol is None:
            raise RuntimeError(f"double-double refinement of the flip near c={gam!r} failed")
        c_hi, c_lo, err_dd = pol
        stab, kind = classify_multipliers(mu_all, max(MULTIPLIER_TOL, 2.0 * err))
        orb = ctx.orbit(sys, x[:-1], gam, M, None)
        if ev is not None:
            dmu = ev.dmu_dc
        else:
            dmu = -2.0     # μ = 1 − 2c on the fixed point z = c
        level_rows.append(CascadeLevel(
            level, sys.k, float(c_hi), float(c_lo), ctx.eta(c_hi), mu_all, stab, kind,
            float(err_dd), float(err), float(dmu),
            orb.transverse_multiplier, orb.transverse_exponent,
            None if ss is None else ss.c, gd, None if gd is None else gd <= 1e-8,
            trans_events))
        c_flip.append((c_hi, c_lo))

    def gap(j):   # c_{j+1} − c_j from the double-double pairs
        s = K.dd_add(c_flip[j + 1][0], c_flip[j + 1][1], -c_flip[j][0], -c_flip[j][1])
        return s[0] + s[1]

    gaps = np.array([gap(j) for j in range(levels - 1)])
    delta = gaps[:-1] / gaps[1:]
    c = np.array([h for h, _ in c_flip])
    c_inf = c[-1] + (c_flip[-1][1] + gaps[-1] / (delta[-1] - 1.0))
    c_inf_alt = (c[-1] + (c_flip[-1][1] + gaps[-1] / (delta[-2] - 1.0))
                 if delta.size > 1 else c_inf)
    c_cr = _crisis(float(c[-1]))
    wins = _period_windows(ctx, float(c_inf), c_cr, df0, lam0) if windows else ()
    ee = edge_exponents(ctx.params(c_cr * (1.0 - 1e-6)), transient=1000, steps=100_000)
    if ctx.kind == "uv":
        em = eta_max(df0, lam0, n_eff=ctx.n_eff, x_norm=ctx.x_norm, y=ctx.y)
        c_max = None if em.eta_max is None else em.eta_max / ctx.eta_c
    else:
        c_max = None
    return Cascade(map, ctx.n_eff, ctx.x_norm, ctx.y, ctx.eta_c, tuple(float(v) for v in c),
                   tuple(float(ctx.eta(v)) for v in c), tuple(float(v) for v in delta),
                   float(c_inf), float(ctx.eta(c_inf)), float(abs(c_inf - c_inf_alt)),
                   c_cr, ctx.eta(c_cr), wins, tuple(level_rows), ee.transverse,
                   (float(df0), float(lam0)), c_max, None if c_max is None else ctx.eta(c_max))
