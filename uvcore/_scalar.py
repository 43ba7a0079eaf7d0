"""Scalar root and minimum finders shared by the continuation
(:mod:`uvcore.continuation`) and the UV-model calibration
(:mod:`uvcore.nets.matching`): plain Python floats, no vectorization."""

from __future__ import annotations

import math

__all__ = ["root_in", "minimum_in"]


def root_in(f, a: float, b: float) -> float:
    """Root of ``f`` in [a, b] (f(a), f(b) of opposite signs): Illinois regula
    falsi, falling back to bisection, down to adjacent floats.  Infinite
    values of ``f`` (a diverged run) only force bisection steps."""
    fa, fb = f(a), f(b)
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    side = 0
    for it in range(400):
        x = (a * fb - b * fa) / (fb - fa)
        if not a < x < b or it % 8 == 7:      # a bisection now and then
            x = 0.5 * (a + b)
        if not a < x < b:
            break
        fx = f(x)
        if fx == 0.0:
            return x
        if (fx > 0) == (fa > 0):
            a, fa = x, fx
            if side == -1:
                fb *= 0.5
            side = -1
        else:
            b, fb = x, fx
            if side == 1:
                fa *= 0.5
            side = 1
    return 0.5 * (a + b) if a < 0.5 * (a + b) < b else a


def minimum_in(f, a: float, b: float, iters: int = 60) -> float:
    """A local minimizer of ``f`` on [a, b] by golden-section search
    (``iters`` steps shrink the interval by 0.618 each)."""
    r = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iters):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = f(d)
    return c if fc <= fd else d
