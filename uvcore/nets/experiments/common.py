"""Pieces the experiment drivers share: the size rule, scale and grid checks,
one progress bar split over many runs, and small array helpers."""

from __future__ import annotations

import math

import numpy as np

from ...maps import Trajectory
from ...params import UVInputError, positive
from ..matching import UVMatch
from ..train import NetRun, check_progress

__all__ = ["scaled_size"]


def scaled_size(value: int, scale: float, floor: int) -> int:
    """The experiments' size rule: ``max(floor, round(value · scale))``."""
    return max(floor, int(round(value * scale)))


def _check_scale(scale) -> float:
    s = positive("scale", scale)
    if s > 1.0:
        raise UVInputError(f"scale must be in (0, 1], got {s:g}")
    return s


class _Stage:
    """Splits one progress bar over ``total`` runs."""

    def __init__(self, progress, cancel, total):
        self.progress, self.cancel, self.total, self.i = progress, cancel, max(total, 1), 0

    def sub(self):
        i, tot, prog = self.i, self.total, self.progress
        self.i += 1
        check_progress(prog, self.cancel, i / tot)
        if prog is None:
            return None
        return lambda f: prog((i + f) / tot)


def _final_half_sharpness(run: NetRun) -> float:
    """η λ^H / 2 at the final recorded step (NaN when diverged)."""
    if run.diverged or run.sharpness.size == 0:
        return math.nan
    return run.eta * float(run.sharpness[-1]) / 2.0


def _pad(rows, width):
    out = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        r = np.asarray(r, dtype=float)[:width]
        out[i, :r.size] = r
    return out


def _grid(values, default, scale: float) -> np.ndarray:
    """``values`` as a float array; None: ``default`` keeping about ``scale`` of
    its points (at least 2, endpoints kept)."""
    if values is not None:
        return np.asarray(values, dtype=float).ravel()
    a = np.asarray(default, dtype=float)
    k = max(2, int(round(a.size * scale)))
    if k >= a.size:
        return a
    return a[np.unique(np.round(np.linspace(0, a.size - 1, k)).astype(int))]


def _uv_run(match: UVMatch, steps: int) -> Trajectory:
    """The UV trajectory beside a network run of ``steps`` steps (at least one)."""
    return match.run(max(1, steps))
