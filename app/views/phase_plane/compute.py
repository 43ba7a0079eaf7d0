"""Calls into :mod:`uvcore`, memoized with flask-caching.

Every memoized function takes only normalized primitives (floats, ints,
tuples) taken from a :class:`app.core.state.ViewParams`, so the cache key is the
normalized state and a layer is recomputed only when something it depends on
changes (moving the steps slider does not recompute the region grid).  On top
of that, :func:`memoize` makes every real number a float before the key is
built, so 5 and 5.0 share one entry (and "5" too: :mod:`app.core.state` parses it).

Memoized through :mod:`app.shell.memo`.

Nothing here raises on bad input: :class:`uvcore.UVInputError` becomes an
``error`` string in the returned objects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass


import uvcore
from uvcore import paramspace

from ...core.compute import TrajectoryResult, map_params, resolved_starts, trajectory
from ...shell.memo import memoize, memoize_local
from ...core.state import ViewParams

log = logging.getLogger(__name__)

__all__ = ["PlaneData", "regions", "vector_field", "nullclines", "forbidden_edge",
           "fixed_points", "sample_start", "paramspace_run", "plane",
           "selected_trajectory"]


# -- layers -------------------------------------------------------------------

@memoize_local
def regions(eta, n_eff, x_norm, y, window, grid):
    (a, b), (c, d) = window
    return uvcore.regions(map_params(eta, n_eff, x_norm, y), (a, b), (c, d), grid)


@memoize_local
def vector_field(eta, n_eff, x_norm, y, window, grid):
    (a, b), (c, d) = window
    return uvcore.vector_field(map_params(eta, n_eff, x_norm, y), (a, b), (c, d), grid)


@memoize_local
def nullclines(eta, n_eff, x_norm, y, df_range):
    return uvcore.nullclines(map_params(eta, n_eff, x_norm, y), df_range)


@memoize_local
def fixed_points(eta, n_eff, x_norm, y):
    return uvcore.fixed_points(map_params(eta, n_eff, x_norm, y))


def forbidden_edge(eta, n_eff, x_norm, y, df_range):
    return uvcore.forbidden_edge(map_params(eta, n_eff, x_norm, y), df_range, num=3)


# -- parameter space (uvcore.paramspace) ----------------------------------------

@dataclass(frozen=True)
class SampledStart:
    df0: float | None
    lam0: float | None
    n_eff: float | None
    error: str | None = None


def _custom_kwargs(preset: str, sigma: float, n_eff: float) -> dict:
    """The "custom" preset needs n_eff and σ_u, σ_v: the dashboard uses σ for both."""
    return {"n_eff": n_eff, "sigma_u": sigma, "sigma_v": sigma} if preset == "custom" else {}


@memoize
def sample_start(width, input_dim, preset, sigma, x_norm, y, seed, n_eff) -> SampledStart:
    """(Δf₀, λ₀, n_eff) of a sampled parameter-space initialization (spec §1).

    ``n_eff`` is used by the "custom" preset only (NTP/μP fix it).
    """
    try:
        df0, lam0, ne = paramspace.sample_start(int(width), int(input_dim), preset=preset, sigma=sigma,
                                        x_norm=x_norm, y=y, seed=int(seed),
                                        **_custom_kwargs(preset, sigma, n_eff))
        return SampledStart(float(df0), float(lam0), float(ne))
    except (uvcore.UVInputError, ValueError, MemoryError) as exc:
        return SampledStart(None, None, None, f"Sample init: {exc}")


@dataclass(frozen=True)
class ParamRun:
    """A parameter-space GD run (uvcore.paramspace.ParamTrajectory) or an error."""

    run: object | None
    error: str | None = None


#: Largest steps × n(d + 1) of the parameter-space overlay (≈ 0.2 s of work),
#: so one request stays short; the uvcore cap is far higher.
PARAMSPACE_MAX_WORK = 2e8


@memoize
def paramspace_run(width, input_dim, preset, sigma, x_norm, y, seed, eta, n_eff,
                   steps, start=None) -> ParamRun:
    """GD in parameter space at width n from the sampled init of ``seed``, or,
    with ``start`` = (Δf₀, λ₀), from that init moved onto the start
    (:func:`uvcore.paramspace.weights_at`).  Positional, as :func:`memoize` keys it."""
    work = float(steps) * float(width) * (input_dim + 1)
    if work > PARAMSPACE_MAX_WORK:
        return ParamRun(None, f"parameter-space run skipped: steps × n(d+1) = {work:.3g} is "
                              f"above the dashboard's limit {PARAMSPACE_MAX_WORK:.0e}; lower "
                              "the width or the steps")
    try:
        ne, su, sv = paramspace.resolve_preset(preset, int(width), sigma,
                                       **_custom_kwargs(preset, sigma, n_eff))
        run = paramspace.train(int(width), int(input_dim), eta=eta, steps=int(steps), n_eff=ne,
                       sigma_u=su, sigma_v=sv, x_norm=x_norm, y=y, seed=int(seed),
                       start=None if start is None else tuple(map(float, start)))
        return ParamRun(run)
    except (uvcore.UVInputError, ValueError, MemoryError) as exc:
        return ParamRun(None, f"parameter-space run: {exc}")


# -- whole views --------------------------------------------------------------

@dataclass(frozen=True)
class PlaneData:
    """Everything the phase-plane figure needs, for one state."""

    params: uvcore.MapParams
    window: tuple                     # ((Δf_lo, Δf_hi), (λ_lo, λ_hi))
    regions: object | None
    field: object | None
    nullclines: dict | None
    fixed: object | None
    trajectories: tuple               # of TrajectoryResult, oldest first
    notes: tuple = ()


def plane(p: ViewParams) -> PlaneData:
    """Compute every phase-plane layer the state asks for (raises UVInputError
    only if the map parameters themselves are invalid, which parsing prevents)."""
    params = map_params(*p.map_key)
    win = p.plot_window
    key = p.map_key
    layers = set(p.layers)
    reg = regions(*key, win, p.grid)                # also the click target: always on
    fld = vector_field(*key, win, p.arrows) if "arrows" in layers else None
    nul = nullclines(*key, win[0]) if "nullclines" in layers else None
    fix = fixed_points(*key) if ("fixed" in layers or "eta-line" in layers) else None
    trajs = tuple(trajectory(*key, d0, l0, p.steps) for d0, l0 in resolved_starts(p))
    notes = tuple(f"trajectory from ({d:g}, {l:g}) not drawn: {t.error}"
                  for t in trajs if t.error for d, l in [t.start])
    return PlaneData(params, win, reg, fld, nul, fix, trajs, notes)


def selected_trajectory(p: ViewParams) -> TrajectoryResult | None:
    """The latest trajectory of the state (None when there is none)."""
    starts = resolved_starts(p)
    if not starts:
        return None
    d0, l0 = starts[-1]
    return trajectory(*p.map_key, d0, l0, p.steps)

