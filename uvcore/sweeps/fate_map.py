"""Fate maps: the outcome of every start of a window at one η (spec §2.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..analysis import window_axes
from ..outcomes import KIND_NAMES, Kind, PeriodCode, classify
from ..params import MapParams, check_count
from .batch import run_batch

__all__ = ["FATE_WINDOW", "FORBIDDEN_CODE", "FateMap", "fate_map"]

#: Window analysed per orbit of a fate map.
FATE_WINDOW = 256
#: Period code of a forbidden start in a fate map.
FORBIDDEN_CODE = int(PeriodCode.FORBIDDEN)


@dataclass(frozen=True)
class FateMap:
    """Outcome of every start of a window at one η.

    ``period`` has shape (len(lam), len(df)): −3 stalled, −2 forbidden,
    −1 diverged, 0 not periodic, 1 converged, k periodic; ``lyapunov`` likewise (NaN where
    forbidden or diverged).  ``kind`` names each cell.
    """

    df: np.ndarray
    lam: np.ndarray
    period: np.ndarray
    lyapunov: np.ndarray
    params: MapParams

    @property
    def kind(self) -> np.ndarray:
        """Word of each cell's :func:`uvcore.outcomes.classify` kind (object array)."""
        names = np.array([KIND_NAMES[k] for k in Kind], dtype=object)
        return names[classify(self.period, self.lyapunov)]


def fate_map(params: MapParams, df_range, lam_range, grid: int = 100,
             steps: int = 2000, *, bands: int = 1,
             progress: Callable[[int, int], None] | None = None) -> FateMap:
    """Classify the fate of a ``grid`` × ``grid`` lattice of starts (spec §2.5).

    Each start runs ``steps`` steps; the last min(FATE_WINDOW, steps // 2)
    are analysed.  The rows are computed in ``bands`` bands (at most one per
    row), with ``progress(done, total)`` called after each; the result does
    not depend on ``bands``.
    """
    xs, ys = window_axes(df_range, lam_range, grid)
    steps = check_count("steps", steps, 4, 10**8)
    bands = check_count("bands", bands, 1, 10**6)
    window = min(FATE_WINDOW, steps // 2)
    period = np.full((ys.size, xs.size), FORBIDDEN_CODE, dtype=np.int64)
    lyap = np.full(period.shape, np.nan)
    edges = np.linspace(0, ys.size, min(bands, ys.size) + 1).astype(int)
    total = len(edges) - 1
    for k, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        X, Y = np.meshgrid(xs, ys[lo:hi])
        ok = ~np.asarray(params.forbidden(X, Y), dtype=bool)
        if ok.any():
            res = run_batch(X[ok], Y[ok], params.eta, n_eff=params.n_eff,
                            x_norm=params.x_norm, y=params.y,
                            transient=steps - window, window=window)
            period[lo:hi][ok] = res.period
            lyap[lo:hi][ok] = res.lyapunov
        if progress is not None:
            progress(k + 1, total)
    return FateMap(xs, ys, period, lyap, params)
