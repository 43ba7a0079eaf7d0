"""Numba kernels for the UV model (private).

Every kernel works in the dimensionless decoupled coordinates of spec §2.1,

    p := (η α² / 4) P,    m := (η α² / 4) M,    c := η α ‖x‖ y  (signed),

in which one gradient-descent step is

    k = p − m − c,    p' = (1 − k)² p,    m' = (1 + k)² m,

with ηλ = 2 (p + m) and η α ‖x‖ Δf = k.  The map therefore depends on the
single number c; the public layer converts to and from (Δf, λ).  Working in
(p, m) keeps both forbidden edges (p = 0, m = 0) exactly invariant, because a
product of non-negative numbers stays non-negative in floating point.

The kernels fill preallocated arrays and take plain scalars; validation and
allocation live in the public modules.
"""

import math

import numpy as np
from numba import get_num_threads, njit, prange

from .outcomes import PeriodCode

# ``fastmath=True`` would add the ``nnan``/``ninf`` flags, which let LLVM
# delete the very NaN/inf tests that detect divergence.  These flags keep them.
FASTMATH = {"contract", "arcp", "nsz"}

#: An orbit has diverged once p + m = ηλ/2 exceeds this (or is not finite).
#: Since |k| ≤ p + m + |c|, this also bounds the loss scale.
DIVERGENCE_BOUND = 1e8

#: Period codes the kernels write, as plain ints (Numba freezes module-level
#: ints as constants); their names and meaning live in uvcore.outcomes.
STALLED = int(PeriodCode.STALLED)
DIVERGED = int(PeriodCode.DIVERGED)

#: Steps between the divergence checks of the blocked sweep kernel.
_CHECK_EVERY = 256

#: Lanes advanced together by the blocked sweep kernel (a multiple of the
#: SIMD width; small enough to stay in L1).
LANES = 64


@njit(cache=True, fastmath=FASTMATH)
def pm_step(p, m, c):
    """One GD step of the UV model in (p, m) coordinates."""
    k = p - m - c
    a = 1.0 - k
    b = 1.0 + k
    return a * a * p, b * b * m


@njit(cache=True, fastmath=FASTMATH)
def pm_jacobian(p, m, c):
    """Analytic Jacobian d(p', m')/d(p, m) as (j11, j12, j21, j22)."""
    k = p - m - c
    a = 1.0 - k
    b = 1.0 + k
    return a * (a - 2.0 * p), 2.0 * a * p, 2.0 * b * m, b * (b - 2.0 * m)


@njit(cache=True, fastmath=FASTMATH)
def is_bad(p, m):
    """True when the state is non-finite or past DIVERGENCE_BOUND."""
    s = p + m
    return not (s <= DIVERGENCE_BOUND)  # NaN compares false: caught here


@njit(cache=True, fastmath=FASTMATH)
def trajectory_kernel(p0, m0, c, out_p, out_m):
    """Fill out_p[0..T], out_m[0..T] with the orbit from (p0, m0).

    Returns the first index whose state is bad (non-finite or beyond the
    bound), or -1 if none.  Entries after that index are left untouched.
    """
    p = p0
    m = m0
    out_p[0] = p
    out_m[0] = m
    if is_bad(p, m):
        return 0
    for t in range(1, out_p.shape[0]):
        p, m = pm_step(p, m, c)
        out_p[t] = p
        out_m[t] = m
        if is_bad(p, m):
            return t
    return -1


@njit(cache=True, fastmath=FASTMATH)
def period_of(p, m, kmax, tol):
    """Smallest k ≤ kmax with |x_t − x_{t−k}|₁ ≤ tol (1 + p_t + m_t) on the whole window.

    Returns 0 when no such k exists.  Needs at least two periods in the window.
    """
    n = p.shape[0]
    for k in range(1, kmax + 1):
        if 2 * k > n:
            break
        ok = True
        for t in range(k, n):
            scale = 1.0 + p[t] + m[t]
            if abs(p[t] - p[t - k]) + abs(m[t] - m[t - k]) > tol * scale:
                ok = False
                break
        if ok:
            return k
    return 0


@njit(cache=True, fastmath=FASTMATH)
def window_period(p, m, c, kmax, tol):
    """Period code of a window: :func:`period_of`, except that a fixed point
    off the zero-loss line (|k| > tol (1 + p + m): the origin or a point II,
    reachable only along an invariant edge) is reported as STALLED."""
    k = period_of(p, m, kmax, tol)
    n = p.shape[0]
    if k == 1 and abs(p[n - 1] - m[n - 1] - c) > tol * (1.0 + p[n - 1] + m[n - 1]):
        return STALLED
    return k


@njit(cache=True, fastmath=FASTMATH)
def lyapunov_of(p, m, c, v0p, v0m):
    """Mean log growth of a tangent vector along the stored states.

    The Jacobian at each stored state is applied once, so a window of n
    states gives n steps.  On the edge m = 0 (or p = 0) the Jacobian is
    triangular, so a tangent vector started along the edge stays there and
    this returns the in-edge exponent.
    """
    n = p.shape[0]
    vp = v0p
    vm = v0m
    acc = 0.0
    for t in range(n):
        j11, j12, j21, j22 = pm_jacobian(p[t], m[t], c)
        a = j11 * vp + j12 * vm
        b = j21 * vp + j22 * vm
        r = math.sqrt(a * a + b * b)
        if r > 1e-300:
            acc += math.log(r)
            vp = a / r
            vm = b / r
        else:
            # superstable step: cap its contribution and restart the vector
            acc += math.log(1e-300)
            vp = v0p
            vm = v0m
    return acc / n


@njit(cache=True, fastmath=FASTMATH)
def transverse_of(p, m, c):
    """Mean of log|1 + k| (edge m = 0, c ≥ 0) or log|1 − k| (edge p = 0, c < 0).

    These are the factors by which √m (resp. √p) grows each step: the
    transverse Lyapunov exponent of the invariant edge (spec §3).
    """
    n = p.shape[0]
    sgn = 1.0 if c >= 0.0 else -1.0
    acc = 0.0
    for t in range(n):
        k = p[t] - m[t] - c
        acc += math.log(max(abs(1.0 + sgn * k), 1e-300))
    return acc / n


@njit(cache=True, fastmath=FASTMATH)
def lane_window(p, m, c, kmax, tol, v0p, v0m, bufp, bufm):
    """Iterate len(bufp) steps from (p, m) storing states, then analyse them.

    Returns (period, lyapunov, diverged, p_end, m_end).
    """
    n = bufp.shape[0]
    for t in range(n):
        if is_bad(p, m):
            return DIVERGED, 0.0, True, p, m
        bufp[t] = p
        bufm[t] = m
        p, m = pm_step(p, m, c)
    if is_bad(p, m):
        return DIVERGED, 0.0, True, p, m
    return window_period(bufp, bufm, c, kmax, tol), lyapunov_of(bufp, bufm, c, v0p, v0m), False, p, m


@njit(cache=True, fastmath=FASTMATH)
def advance(p, m, c, steps):
    """Iterate ``steps`` times; stop early when the state turns bad."""
    for _ in range(steps):
        if is_bad(p, m):
            return p, m
        p, m = pm_step(p, m, c)
    return p, m


def block_order(nblocks, nthreads=None):
    """Order in which prange hands out blocks: round-robin over threads.

    prange gives each thread a contiguous chunk of iterations; diverged orbits
    cluster at large η and finish early, so contiguous chunks would leave one
    thread idle.  Visiting blocks as 0, T, 2T, …, 1, T+1, … gives each chunk
    an even share of the η range.
    """
    t = nthreads or get_num_threads()
    idx = np.arange(nblocks)
    return np.concatenate([idx[r::t] for r in range(t)]).astype(np.int64)


@njit(parallel=True, cache=True, fastmath=FASTMATH)
def batch_kernel(p0, m0, c, transient, kmax, tol, v0p, v0m, order,
                 out_p, out_m, out_period, out_lyap, out_diverged, out_end):
    """Advance many independent orbits; analyse the last window of each.

    Orbits are advanced LANES at a time in lockstep (vectorizable, no
    branches inside the step loop) and checked for divergence every
    _CHECK_EVERY steps.  out_p/out_m have shape (N, window): the window
    states of each orbit, or shape (0, window) to analyse a window of that
    length without keeping it.  out_period gets DIVERGED for diverged orbits;
    out_end gets p + m (= ηλ/2) after the window.
    """
    n = p0.shape[0]
    window = out_p.shape[1]
    store = out_p.shape[0] == n
    nblocks = (n + LANES - 1) // LANES
    for ib in prange(nblocks):
        b = order[ib]
        lo = b * LANES
        hi = min(n, lo + LANES)
        width = hi - lo
        pp = np.zeros(LANES)
        mm = np.zeros(LANES)
        cc = np.zeros(LANES)
        for j in range(width):
            pp[j] = p0[lo + j]
            mm[j] = m0[lo + j]
            cc[j] = c[lo + j]
        done = 0
        while done < transient:
            chunk = min(_CHECK_EVERY, transient - done)
            for _ in range(chunk):
                for j in range(LANES):
                    pp[j], mm[j] = pm_step(pp[j], mm[j], cc[j])
            done += chunk
            nbad = 0
            for j in range(width):
                if is_bad(pp[j], mm[j]):
                    nbad += 1
            if nbad == width:
                break
        bufp = np.empty(window)
        bufm = np.empty(window)
        for j in range(width):
            i = lo + j
            if store:
                bufp = out_p[i]
                bufm = out_m[i]
            period, lyap, div, pe, me = lane_window(
                pp[j], mm[j], cc[j], kmax, tol, v0p, v0m, bufp, bufm)
            out_period[i] = period
            out_lyap[i] = lyap
            out_diverged[i] = div
            out_end[i] = pe + me


@njit(cache=True, fastmath=FASTMATH)
def warm_kernel(p0, m0, c, scale, transient, kmax, tol, v0p, v0m,
                out_p, out_m, out_period, out_lyap, out_diverged, out_end):
    """Like batch_kernel, but orbit i starts from orbit i−1's final state.

    ``scale[i]`` converts a state of orbit i−1 into orbit i's coordinates
    (η_i/η_{i−1}: p, m are proportional to η at fixed (Δf, λ)).  After a
    diverged orbit the next one restarts from its own (p0, m0).
    """
    n = p0.shape[0]
    p = p0[0]
    m = m0[0]
    for i in range(n):
        if i > 0:
            if out_diverged[i - 1]:
                p = p0[i]
                m = m0[i]
            else:
                p = p * scale[i]
                m = m * scale[i]
        p, m = advance(p, m, c[i], transient)
        period, lyap, div, p, m = lane_window(
            p, m, c[i], kmax, tol, v0p, v0m, out_p[i], out_m[i])
        out_period[i] = period
        out_lyap[i] = lyap
        out_diverged[i] = div
        out_end[i] = p + m


# -- parameter-space GD (uvcore.paramspace) ---------------------------------

@njit(cache=True, fastmath=FASTMATH)
def gd_kernel(U, v, x, y, eta, alpha, out_df, out_lam):
    """GD on (U, v) in place, storing Δf_t and λ_t for t = 0 … T−1.

    The parameter-space model of spec §1 (used to check the map).  Returns
    the first t whose state is bad (the map's rule, :func:`is_bad`), or −1.
    Each step makes one pass over U: the rank-1 update of row i and the new
    (Ux)_i are computed together.
    """
    n, d = U.shape
    xx = 0.0
    for j in range(d):
        xx += x[j] * x[j]
    u = np.empty(n)
    for i in range(n):
        s = 0.0
        for j in range(d):
            s += U[i, j] * x[j]
        u[i] = s
    T = out_df.shape[0]
    for t in range(T):
        vu = 0.0
        uu = 0.0
        vv = 0.0
        for i in range(n):
            vu += v[i] * u[i]
            uu += u[i] * u[i]
            vv += v[i] * v[i]
        df = alpha * vu - y
        lam = alpha * alpha * (uu + xx * vv)
        out_df[t] = df
        out_lam[t] = lam
        if is_bad(0.5 * eta * lam, 0.0) or not math.isfinite(df):
            return t
        if t == T - 1:
            break
        a = eta * df * alpha
        for i in range(n):
            vi = v[i]
            v[i] = vi - a * u[i]
            coef = a * vi
            s = 0.0
            for j in range(d):
                w = U[i, j] - coef * x[j]
                U[i, j] = w
                s += w * x[j]
            u[i] = s
    return -1


# -- periodic orbits and continuation (uvcore.continuation) ------------------

@njit(cache=True, fastmath=FASTMATH)
def orbit_jacobian(p, m, c, k):
    """k steps from (p, m) with the chain rule along the orbit.

    Returns (p_k, m_k, a11, a12, a21, a22, dp_dc, dm_dc): the state F^k(p, m),
    the Jacobian D F^k = J_{k−1} ⋯ J_0 (each J_t from :func:`pm_jacobian`)
    and ∂F^k/∂c.  One step's ∂(p', m')/∂c is (j12, −j21), because c enters
    the step only through k = p − m − c (so ∂/∂c = −∂/∂m of k).
    """
    a11 = 1.0
    a12 = 0.0
    a21 = 0.0
    a22 = 1.0
    dp = 0.0
    dm = 0.0
    for _ in range(k):
        j11, j12, j21, j22 = pm_jacobian(p, m, c)
        dp, dm = j11 * dp + j12 * dm + j12, j21 * dp + j22 * dm - j21
        a11, a12, a21, a22 = (j11 * a11 + j12 * a21, j11 * a12 + j12 * a22,
                              j21 * a11 + j22 * a21, j21 * a12 + j22 * a22)
        p, m = pm_step(p, m, c)
    return p, m, a11, a12, a21, a22, dp, dm


@njit(cache=True, fastmath=FASTMATH)
def critical_return(c, k, out):
    """out[i] = g^k(z*) − z* on the edge m = 0 at c = c[i], z* = (1 + c)/3.

    z* is the critical point of the EoS map g(z) = z(1 + c − z)²; a zero of
    out marks a superstable period-k (or divisor of k) orbit.
    """
    for i in range(c.shape[0]):
        z0 = (1.0 + c[i]) / 3.0
        p = z0
        m = 0.0
        for _ in range(k):
            p, m = pm_step(p, m, c[i])
        out[i] = p - z0


# -- double-double evaluation of the same step (flip refinement) ------------
# These kernels deliberately carry no fastmath flags: the error-free
# transformations below need IEEE rounding without contraction into FMA.

@njit(cache=True)
def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(cache=True)
def _split(a):
    t = 134217729.0 * a  # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


@njit(cache=True)
def _two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(cache=True)
def dd_add(ah, al, bh, bl):
    """(ah + al) + (bh + bl) in double-double."""
    s, e = _two_sum(ah, bh)
    t, f = _two_sum(al, bl)
    e += t
    s, e = _two_sum(s, e)
    e += f
    return _two_sum(s, e)


@njit(cache=True)
def dd_mul(ah, al, bh, bl):
    """(ah + al)(bh + bl) in double-double."""
    p, e = _two_prod(ah, bh)
    e += ah * bl + al * bh
    return _two_sum(p, e)


@njit(cache=True)
def edge_orbit_dd(zh, zl, ch, cl, k):
    """k steps of the edge map in double-double: (z_k, (g^k)'(z)).

    The same step as :func:`pm_step` on the edge m = 0 (k = z − c,
    z' = (1 − k)² z) and its derivative (1 − k)(1 − k − 2z), the j11 of
    :func:`pm_jacobian`, carried to ~32 digits.  Returns (zh, zl, dh, dl).
    """
    dh = 1.0
    dl = 0.0
    for _ in range(k):
        kh, kl = dd_add(zh, zl, -ch, -cl)
        ah, al = dd_add(1.0, 0.0, -kh, -kl)
        th, tl = dd_add(ah, al, -2.0 * zh, -2.0 * zl)
        jh, jl = dd_mul(ah, al, th, tl)
        dh, dl = dd_mul(dh, dl, jh, jl)
        sh, sl = dd_mul(ah, al, ah, al)
        zh, zl = dd_mul(sh, sl, zh, zl)
    return zh, zl, dh, dl
