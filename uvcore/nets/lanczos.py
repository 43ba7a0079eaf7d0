"""Top eigenvalue of a symmetric operator by Lanczos with full reorthogonalization.

Used for the Hessian sharpness λ^H (operator ``Curvature.hvp``) and the NTK
eigenvalue λ (operator ``Curvature.gnvp``) of a network (spec §6).

Stopping rule: after at least ``min_iter`` products, stop when the error
estimate of the largest Ritz value θ is at most tol · |θ| and θ moved by at
most tol · |θ| in the last iteration.  The estimate is
min(‖r‖, ‖r‖² / (θ − θ₂)), with ‖r‖ = ‖A y − θ y‖ = β_j |s_j| the Ritz
residual and θ₂ the second Ritz value: ‖r‖ bounds the distance to some
eigenvalue for any symmetric operator, ‖r‖²/gap is the (much smaller)
Kato–Temple error of a separated eigenvalue, with the gap estimated from the
Ritz values.  Ritz values never exceed the top eigenvalue, so θ is accurate
unless the start vector had (numerically) no component along the top
eigenvector.  Warm starts mix the previous Ritz vector with a ``WARM_MIX``
share of a fresh random direction, so an eigenvalue that overtakes the
previous top one is still found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh_tridiagonal

__all__ = ["TopEig", "lanczos_top", "DEFAULT_TOL", "WARM_MIX", "MIN_ITER", "MAX_ITER"]

#: Default relative accuracy of a top-eigenvalue estimate.
DEFAULT_TOL = 1e-3
#: Weight of a random direction mixed into a warm start (relative to the unit
#: previous Ritz vector).
WARM_MIX = 0.05
#: Products always done (protects against stopping on a warm start that is
#: an eigenvector of a lower eigenvalue).
MIN_ITER = 3
#: Cap on products per estimate.
MAX_ITER = 200


@dataclass(frozen=True)
class TopEig:
    """Largest eigenvalue estimate.

    Attributes
    ----------
    value : float
        Largest Ritz value θ.
    vector : ndarray
        Unit Ritz vector (use it to warm-start the next estimate).
    residual : float
        ‖A y − θ y‖ (an eigenvalue lies within it of θ).
    error : float
        The error estimate min(‖r‖, ‖r‖²/(θ − θ₂)) used to stop.
    iterations : int
        Operator products used.
    converged : bool
        residual ≤ tol · |θ|.
    """

    value: float
    vector: np.ndarray
    residual: float
    error: float
    iterations: int
    converged: bool


def lanczos_top(matvec, n: int, v0=None, tol: float = DEFAULT_TOL, *, rng=None,
                min_iter: int = MIN_ITER, max_iter: int = MAX_ITER, warm_mix: float = WARM_MIX,
                dtype=np.float64) -> TopEig:
    """Largest (algebraic) eigenvalue of the symmetric operator ``matvec`` on ℝⁿ.

    Parameters
    ----------
    matvec : callable
        v ↦ A v for flat vectors of length n.
    v0 : array or None
        Warm start (e.g. the previous Ritz vector); a random start if None.
    tol : float
        Relative residual tolerance (see module docstring).
    rng : numpy Generator, optional
        Source of the random start / warm-start mixing (seed 0 if None).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    r = rng.standard_normal(n)
    r /= np.linalg.norm(r)
    if v0 is not None:
        v0 = np.asarray(v0, dtype=float).ravel()
        nv = np.linalg.norm(v0)
        if v0.shape == (n,) and np.isfinite(nv) and nv > 0:
            r = v0 / nv + warm_mix * r
            r /= np.linalg.norm(r)
    max_iter = max(1, min(max_iter, n))
    min_iter = min(min_iter, max_iter)
    Q = np.empty((min(max_iter + 1, 16), n), dtype=dtype)   # grown on demand
    Q[0] = r
    alphas, betas = [], []
    theta, s, resid, err = np.nan, None, np.inf, np.inf
    j = 0
    for j in range(1, max_iter + 1):
        q = Q[j - 1]
        w = np.asarray(matvec(q), dtype=dtype).copy()
        if not np.all(np.isfinite(w)):
            return TopEig(np.nan, q.astype(float), np.inf, np.inf, j, False)
        a = float(q @ w)
        alphas.append(a)
        # full reorthogonalization (twice is enough)
        Qj = Q[:j]
        w -= Qj.T @ (Qj @ w)
        w -= Qj.T @ (Qj @ w)
        b = float(np.linalg.norm(w))
        prev = theta
        if j == 1:
            theta, s = a, np.ones(1)
        else:
            vals, vecs = eigh_tridiagonal(np.array(alphas), np.array(betas),
                                          select="i", select_range=(j - 2, j - 1))
            theta, s = float(vals[1]), vecs[:, 1]
        resid = b * abs(s[-1])
        err = resid
        if j >= 2 and theta > vals[0]:
            err = min(resid, resid * resid / (theta - float(vals[0])))
        invariant = b <= 1e-13 * max(abs(theta), 1e-300) or b == 0.0
        if invariant or (j >= min_iter and err <= tol * abs(theta)
                         and abs(theta - prev) <= tol * abs(theta)):
            break
        betas.append(b)
        if j == Q.shape[0]:
            Q = np.concatenate([Q, np.empty((min(Q.shape[0], max_iter + 1 - j), n), dtype=dtype)])
        Q[j] = w / b
    y = s @ Q[:len(s)]
    y = y.astype(float)
    y /= np.linalg.norm(y)
    return TopEig(float(theta), y, float(resid), float(err), j, bool(err <= tol * abs(theta)))
