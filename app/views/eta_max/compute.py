"""The η_max map's engine call: :func:`uvcore.eta_max_scan` over a grid of
starts of the phase plane's window, with the job's size cap.

For every start (Δf₀, λ₀), η_max is the largest η whose orbit survives the
state's ``steps`` steps (spec §3, Corollary 5.1: the edge of stability needs
η_max > η_c), located by a log scan of :data:`SCAN_POINTS` values over
[η_c/100, 10 η_c] and a bisection of all starts in lockstep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

import uvcore

from ...core import compute as shared
from ...core.state import ViewParams

__all__ = ["EtaMaxMap", "eta_max_map", "work", "GRID_RANGE", "DEFAULT_GRID", "SCAN_POINTS",
           "SCAN_SPAN", "RTOL", "MAX_WORK"]

#: Side of the grid of starts (input ``eta-max-grid``): range and default.
GRID_RANGE = (8, 120)
DEFAULT_GRID = 40
#: Log-spaced η values of the scan, over uvcore's SCAN_SPAN = [η_c/100, 10 η_c]
#: (η_c := 1 when y = 0).
SCAN_POINTS = 48
SCAN_SPAN = uvcore.sweeps.SCAN_SPAN
#: Relative width of the bisection bracket at the end.
RTOL = 1e-3
#: Most map steps of one job (starts × (scan + bisection) × steps): ≈ 30 s here.
MAX_WORK = 3e10


@dataclass(frozen=True)
class EtaMaxMap:
    """η_max over a grid of starts (NaN in forbidden cells).

    ``eta_max[i, j]`` belongs to (``df[j]``, ``lam[i]``); ``capped`` marks
    starts that survived the whole scan (η_max ≥ the scan's top) and
    ``below`` those that diverged at every scanned η (η_max < its bottom).
    """

    df: np.ndarray
    lam: np.ndarray
    eta_max: np.ndarray
    capped: np.ndarray
    below: np.ndarray
    eta_c: float
    scan: tuple
    steps: int


def _rounds() -> int:
    """Bisection rounds that shrink one scan step to RTOL (relative)."""
    return uvcore.sweeps.bisection_rounds(SCAN_SPAN[0], SCAN_SPAN[1], SCAN_POINTS, RTOL)


def work(grid: int, steps: int) -> float:
    """Most map steps of one job: starts × (scan + bisection rounds) × steps."""
    return float(grid) ** 2 * (SCAN_POINTS + _rounds()) * float(steps)


def eta_max_map(p: ViewParams, grid: int,
                progress: Callable[[int, int], None] | None = None) -> EtaMaxMap:
    """η_max (:func:`uvcore.eta_max_scan`) for a ``grid`` × ``grid`` set of
    starts over the state's window; forbidden cells are NaN.

    Only the forbidden cells are left out of the scan (the engine refuses
    them); ``progress(done, total)`` is called after each scanned η and
    each bisection round, which is where a cancelled job stops.

    Raises UVInputError when the grid is out of :data:`GRID_RANGE` or the job
    is larger than :data:`MAX_WORK`.
    """
    grid = int(grid)
    steps = int(p.steps)
    if not GRID_RANGE[0] <= grid <= GRID_RANGE[1]:
        raise uvcore.UVInputError(f"grid must be in [{GRID_RANGE[0]}, {GRID_RANGE[1]}]")
    if work(grid, steps) > MAX_WORK:
        raise uvcore.UVInputError(
            f"too much work: {grid}² starts × {steps} steps is above the limit "
            f"{MAX_WORK:.0e} map steps; lower the grid or the steps")
    (a, b), (c, d) = p.plot_window
    df = np.linspace(a, b, grid)
    lam = np.linspace(max(c, 0.0), d, grid + 1)[1:]           # λ > 0 only
    D, L = np.meshgrid(df, lam)
    ok = ~np.asarray(shared.map_params(*p.map_key).forbidden(D, L), dtype=bool)
    # the scan is uvcore's default, [η_c/100, 10 η_c] (SCAN_SPAN)
    r = uvcore.eta_max_scan(D[ok], L[ok], n_eff=p.n_eff, x_norm=p.x_norm, y=p.y,
                            num=SCAN_POINTS, steps=steps, rtol=RTOL, progress=progress)
    out = np.full(D.shape, np.nan)
    out[ok] = r.lo
    cap = np.zeros(D.shape, dtype=bool)
    cap[ok] = r.capped
    bel = np.zeros(D.shape, dtype=bool)
    bel[ok] = r.below
    return EtaMaxMap(df, lam, out, cap, bel, p.eta_c, r.scan, steps)
