"""The cascade driver: flips, their accumulation, the crisis and the
period-3 windows (spec §3)."""

from __future__ import annotations

import numpy as np

from .. import _kernels as K
from .._scalar import root_in
from ..analysis import MULTIPLIER_TOL, classify_multipliers
from ..params import check_count
from ..sweeps import edge_exponents, eta_max
from .branch import _check_orbit_kind, _Context, _follow, _state, _switch
from .newton import _System, _critical, _multipliers, _newton
from .refine import _polish_dd
from .types import MAX_LEVELS, Cascade, CascadeLevel, PeriodicOrbit, Window

__all__ = ["cascade"]

#: Period-3 windows are searched with this many samples of c in (c_∞, c_crisis).
_WINDOW_SAMPLES = 20_000


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
    sys, x, M = _first_flip(ctx, edge, df0, lam0)
    level_rows, c_flip = [], []
    prev_gap = None
    ev, trans_events, ss, gd = None, (), None, None
    for level in range(1, levels + 1):
        if level > 1:
            sys, x_new, M, ev, trans_events, ss = _next_flip(sys, ctx, x, M, prev_gap)
            gd = _generic_check(ctx, sys, ss, df0, lam0) if ss is not None else None
            prev_gap = float(np.linalg.norm(x_new - x))
            x = x_new
        row = _level_row(ctx, sys, x, M, level, ev, trans_events, ss, gd)
        level_rows.append(row)
        c_flip.append((row.c_flip, row.c_flip_lo))
    c, delta, c_inf, c_inf_err = _accumulation(c_flip)
    c_cr = _crisis(float(c[-1]))
    wins = _period_windows(ctx, float(c_inf), c_cr, df0, lam0) if windows else ()
    ee = edge_exponents(ctx.params(c_cr * (1.0 - 1e-6)), transient=1000, steps=100_000)
    c_max = _generic_c_max(ctx, df0, lam0) if ctx.kind == "uv" else None
    return Cascade(map, ctx.n_eff, ctx.x_norm, ctx.y, ctx.eta_c, tuple(float(v) for v in c),
                   tuple(float(ctx.eta(v)) for v in c), tuple(float(v) for v in delta),
                   float(c_inf), float(ctx.eta(c_inf)), c_inf_err,
                   c_cr, ctx.eta(c_cr), wins, tuple(level_rows), ee.transverse,
                   (float(df0), float(lam0)), c_max, None if c_max is None else ctx.eta(c_max))


def _first_flip(ctx, edge, df0, lam0):
    """Level 1: the fixed point on the edge, continued in c to its flip.

    Returns (system, x = (u, γ) at the flip, monodromy M) in ``ctx``'s map.
    """
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
    return sys, x, M


def _next_flip(sys, ctx, x, M, prev_gap):
    """Switch onto the period-2k branch at the flip x and follow it to its flip.

    Returns (system, x at the new flip, M, its event, transverse events,
    superstable orbit or None).
    """
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
    ev, (_, x_new, M_new) = flips[0]
    trans_events = tuple(e for e in branch.events if e.transverse)
    return sys2, x_new, M_new, ev, trans_events, branch.superstable


def _level_row(ctx, sys, x, M, level, ev, trans_events, ss, gd) -> CascadeLevel:
    """The record of one flip, finished in double-double arithmetic."""
    gam = float(x[-1])
    mu_all = _multipliers(sys, M, x[:-1])
    z, err = _critical(sys, M, x[:-1], "flip")
    pol = _polish_dd(sys, x) if err > 0.0 else (gam, 0.0, 0.0)
    if pol is None:
        raise RuntimeError(f"double-double refinement of the flip near c={gam!r} failed")
    c_hi, c_lo, err_dd = pol
    stab, kind = classify_multipliers(mu_all, max(MULTIPLIER_TOL, 2.0 * err))
    orb = ctx.orbit(sys, x[:-1], gam, M, None)
    dmu = ev.dmu_dc if ev is not None else -2.0    # μ = 1 − 2c on the fixed point z = c
    return CascadeLevel(
        level, sys.k, float(c_hi), float(c_lo), ctx.eta(c_hi), mu_all, stab, kind,
        float(err_dd), float(err), float(dmu),
        orb.transverse_multiplier, orb.transverse_exponent,
        None if ss is None else ss.c, gd, None if gd is None else gd <= 1e-8,
        trans_events)


def _accumulation(c_flip):
    """(c, δ_k, c_∞, |c_∞ error|) from the double-double flip pairs (c_hi, c_lo)."""
    def gap(j):   # c_{j+1} − c_j from the double-double pairs
        s = K.dd_add(c_flip[j + 1][0], c_flip[j + 1][1], -c_flip[j][0], -c_flip[j][1])
        return s[0] + s[1]

    gaps = np.array([gap(j) for j in range(len(c_flip) - 1)])
    delta = gaps[:-1] / gaps[1:]
    c = np.array([h for h, _ in c_flip])
    c_inf = c[-1] + (c_flip[-1][1] + gaps[-1] / (delta[-1] - 1.0))
    c_inf_alt = (c[-1] + (c_flip[-1][1] + gaps[-1] / (delta[-2] - 1.0))
                 if delta.size > 1 else c_inf)
    return c, delta, c_inf, float(abs(c_inf - c_inf_alt))


def _generic_c_max(ctx, df0, lam0):
    """c of η_max of the generic start (the 2-D map only), or None."""
    em = eta_max(df0, lam0, n_eff=ctx.n_eff, x_norm=ctx.x_norm, y=ctx.y)
    return None if em.eta_max is None else em.eta_max / ctx.eta_c
