"""Engine calls of the Universality view: one memoized :func:`uvcore.cascade`
per map and parameter set."""

from __future__ import annotations

import uvcore

from ...core.compute import CascadeResult
from ...shell import memo

__all__ = ["cascade_at"]


@memo.memoize
def cascade_at(map_: str, n_eff: float, x_norm: float, y: float, levels: int) -> CascadeResult:
    """uvcore.cascade for one map and parameter set (or the reason it failed)."""
    try:
        return CascadeResult(uvcore.cascade(map=map_, n_eff=n_eff, x_norm=x_norm, y=y,
                                            levels=int(levels)))
    except (uvcore.UVInputError, RuntimeError) as exc:
        return CascadeResult(None, str(exc))
