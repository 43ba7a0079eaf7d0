"""Refinement of critical points: regula falsi along a branch, Newton in c
and the double-double polish of a flip."""

from __future__ import annotations

import math

import numpy as np

from .. import _kernels as K
from .newton import _EPS, _System, _correct, _critical, _newton, _tests
from .types import CRITICAL_TOL


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
