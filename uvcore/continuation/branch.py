"""Branch following: the study context, pseudo-arclength continuation,
branch switching and the public orbit API."""

from __future__ import annotations

import math

import numpy as np

from .. import _kernels as K
from ..analysis import MULTIPLIER_TOL, classify_multipliers
from ..params import MapParams, UVInputError, check_count, eta_critical, finite, positive
from ..sweeps import default_start
from .newton import _System, _correct, _critical, _multipliers, _newton, _tangent, _tests
from .refine import _refine
from .types import MAPS, MAX_LEVELS, Bifurcation, Branch, PeriodicOrbit

__all__ = ["periodic_orbit", "follow_branch", "switch_branch"]

#: Largest change of an in-edge multiplier accepted in one continuation step
#: (keeps two crossings from hiding inside one step).
_MAX_MU_CHANGE = 0.25
#: Most continuation steps per branch segment.
_MAX_STEPS = 2000


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
