"""Engine calls more than one view makes: validated parameters, the starts
of a state, one memoized trajectory, and the forbidden-start rule.

Nothing here raises on bad input except :func:`map_params`
(:class:`uvcore.UVInputError`); trajectories carry an ``error`` string.
"""

from __future__ import annotations

from dataclasses import dataclass


import uvcore

from ..shell.memo import memoize_local
from .state import ViewParams

__all__ = ["map_params", "TrajectoryResult", "trajectory", "resolved_starts", "is_forbidden",
           "edge_at", "forbidden_start_message"]

def map_params(eta: float, n_eff: float, x_norm: float, y: float) -> uvcore.MapParams:
    """Validated :class:`uvcore.MapParams` (raises UVInputError)."""
    return uvcore.MapParams(eta, n_eff, x_norm, y)


@dataclass(frozen=True)
class TrajectoryResult:
    """One trajectory, or why there is none."""

    start: tuple
    traj: uvcore.Trajectory | None
    error: str | None = None


@memoize_local
def trajectory(eta, n_eff, x_norm, y, df0, lam0, steps) -> TrajectoryResult:
    try:
        params = map_params(eta, n_eff, x_norm, y)
        return TrajectoryResult((df0, lam0),
                                uvcore.trajectory(df0, lam0, params, steps=int(steps)))
    except uvcore.UVInputError as exc:
        return TrajectoryResult((df0, lam0), None, str(exc))


def resolved_starts(p: ViewParams) -> tuple:
    """The state's starts, with None meaning uvcore.default_start."""
    if p.starts is None:
        params = map_params(*p.map_key)
        d0, l0 = uvcore.default_start(params)
        return ((float(d0), float(l0)),)
    return p.starts


def is_forbidden(p: ViewParams, df: float, lam: float) -> bool:
    return bool(map_params(*p.map_key).forbidden(df, lam))


def edge_at(p: ViewParams, df: float) -> float:
    return float(map_params(*p.map_key).edge_lam(df))


def forbidden_start_message(p: ViewParams, df: float, lam: float) -> str | None:
    """Why (Δf, λ) cannot start a trajectory (it is in the forbidden region), or None."""
    if not is_forbidden(p, df, lam):
        return None
    edge = edge_at(p, df)
    return (f"⚠ ({df:.4g}, {lam:.4g}) is in the forbidden region: no weights give "
            f"λ < 2‖x‖|Δf + y|/√n_eff = {edge:.4g} there. Click above the gray V.")


@dataclass(frozen=True)
class CascadeResult:
    """A :func:`uvcore.cascade` or the reason it was not located (memoized as is)."""

    cascade: uvcore.Cascade | None
    error: str | None = None
