"""The fate map's engine calls: the memoized interactive map and the fine map
of the background job, both :func:`uvcore.fate_map` over the phase plane's
window."""

from __future__ import annotations

from typing import Callable

import uvcore

from ...core import compute as shared
from ...core.state import ViewParams
from ...shell import memo

__all__ = ["GRID", "FINE_GRID", "STEPS_OPTIONS", "DEFAULT_STEPS", "BANDS", "window",
           "fate_grid", "fine_map"]

#: Side of the interactive map and of the fine (background) map.
GRID = 80
FINE_GRID = 300
#: GD steps run from every start (radio items ``fate-steps``).
STEPS_OPTIONS = (1000, 5000, 20000)
DEFAULT_STEPS = 1000
#: Bands of rows of the fine map (one progress update each).
BANDS = 20


def window(p: ViewParams) -> tuple:
    """The state's plot window as ((Δf_lo, Δf_hi), (λ_lo, λ_hi))."""
    (a, b), (c, d) = p.plot_window
    return (a, b), (c, d)


@memo.memoize
def fate_grid(eta, n_eff, x_norm, y, window, grid, steps) -> uvcore.FateMap:
    """Memoized :func:`uvcore.fate_map` over ``window`` ((Δf_lo, Δf_hi), (λ_lo, λ_hi))."""
    return uvcore.fate_map(shared.map_params(eta, n_eff, x_norm, y), *window, grid, steps)


def fine_map(p: ViewParams, steps: int,
             progress: Callable[[int, int], None] | None = None) -> uvcore.FateMap:
    """The fine map of state ``p``: :data:`FINE_GRID` × :data:`FINE_GRID` starts in
    :data:`BANDS` bands of rows, ``progress(done, total)`` after each band (so
    the job's bar moves and a cancel is noticed between bands).

    Raises UVInputError on invalid parameters.
    """
    return uvcore.fate_map(shared.map_params(*p.map_key), *window(p), FINE_GRID, steps,
                           bands=BANDS, progress=progress)
