"""The system Fᵏ(u; γ) − u, Newton, the corrector, multipliers and test functions."""

from __future__ import annotations

import math

import numpy as np

from .. import _kernels as K
from ..params import snap_to_edges


#: Newton/corrector step below which (relative to 1 + |x|) an iteration has converged.
_STEP_TOL = 1e-13
#: An orbit is accepted when max|Fᵏ(u) − u| ≤ this × (1 + max|u|).
_RESIDUAL_TOL = 1e-9
_NEWTON_MAXIT = 40
_CORRECTOR_MAXIT = 12
_EPS = np.finfo(float).eps


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
