"""The vector field of the phase plane drawn as one picture (spec §2.5).

The arrows are one SVG path in an image of the figure's layout, placed on
the window in data coordinates (``layout.images``, ``xref="x"``): Plotly
draws it as a single ``<image>`` element, where a scatter trace of the same
arrows made one SVG path per arrow and about a third of the plane's redraw
on every change of η (``docs/benchmarks.md``, "The vector field as one
picture").  The picture stretches with the axes, as a trace in data
coordinates does; the stroke keeps its width in screen pixels
(``vector-effect: non-scaling-stroke``).  It lies below the traces, under the
translucent region colours and the trajectories.

Pure functions of :class:`uvcore.VectorField` and the window.
"""

from __future__ import annotations

import base64
import math

import numpy as np

from ...core import theme

__all__ = ["ARROW_VIEWBOX", "ARROW_OPACITY", "HEAD_ANGLE", "HEAD_LENGTH", "arrow_polylines",
           "arrow_image"]

#: The picture's coordinates run over 0 … ARROW_VIEWBOX on both axes (integers:
#: 1e-4 of the window, finer than a screen resolves).
ARROW_VIEWBOX = 10_000
#: Opacity of the arrows over the plane.
ARROW_OPACITY = 0.75
#: Half-angle of an arrow's head (radians, ≈ 26°) and its length as a fraction
#: of the arrow, both in the window's scaled coordinates (so the heads look
#: the same on both axes).
HEAD_ANGLE = 0.45
HEAD_LENGTH = 0.35


def arrow_polylines(vf, window) -> tuple[np.ndarray, np.ndarray]:
    """The arrows as (shaft, head) polylines in data coordinates.

    Parameters
    ----------
    vf : uvcore.VectorField
        Arrows centred on the grid points, NaN where none is drawn.
    window : ((Δf_lo, Δf_hi), (λ_lo, λ_hi))

    Returns
    -------
    x, y : ndarray of float, shape (K, 5)
        For each of the K finite arrows: tail, tip, then the head's left
        barb, the tip again and the right barb.
    """
    (a, b), (c, d) = window
    wx, wy = b - a, d - c
    X, Y = np.ravel(vf.df), np.ravel(vf.lam)
    U, V = np.ravel(vf.u), np.ravel(vf.v)
    ok = np.isfinite(U) & np.isfinite(V)
    X, Y, U, V = X[ok], Y[ok], U[ok], V[ok]
    tip_x, tip_y = X + 0.5 * U, Y + 0.5 * V
    ux, uy = U / wx, V / wy
    cos, sin = math.cos(HEAD_ANGLE), math.sin(HEAD_ANGLE)
    lx = tip_x - HEAD_LENGTH * (ux * cos - uy * sin) * wx
    ly = tip_y - HEAD_LENGTH * (ux * sin + uy * cos) * wy
    rx = tip_x - HEAD_LENGTH * (ux * cos + uy * sin) * wx
    ry = tip_y - HEAD_LENGTH * (-ux * sin + uy * cos) * wy
    xs = np.stack([X - 0.5 * U, tip_x, lx, tip_x, rx], axis=1)
    ys = np.stack([Y - 0.5 * V, tip_y, ly, tip_y, ry], axis=1)
    return xs, ys


def _path(px: np.ndarray, py: np.ndarray) -> str:
    """SVG path data: per arrow ``M tail L tip M left L tip L right``."""
    cmds = ("M", "L", "M", "L", "L")
    return "".join(f"{cmd}{x} {y}" for row_x, row_y in zip(px.tolist(), py.tolist())
                   for cmd, x, y in zip(cmds, row_x, row_y))


def arrow_image(vf, window, large: bool) -> dict:
    """The vector field as a ``layout.images`` entry covering ``window``.

    Returns
    -------
    dict
        A Plotly layout image: an SVG data URI (base64) of view box
        ``ARROW_VIEWBOX`` square, stretched over the window, Δf to the right
        and λ up.
    """
    (a, b), (c, d) = window
    xs, ys = arrow_polylines(vf, window)
    n = ARROW_VIEWBOX
    px = np.rint((xs - a) / (b - a) * n).astype(np.int64)
    py = np.rint((d - ys) / (d - c) * n).astype(np.int64)
    width = 1.6 if large else 1.0
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" '
           f'preserveAspectRatio="none"><path d="{_path(px, py)}" fill="none" '
           f'stroke="{theme.ARROWS}" stroke-width="{width}" stroke-linecap="round" '
           f'stroke-linejoin="round" vector-effect="non-scaling-stroke"/></svg>')
    return {"name": "update direction",
            "source": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            "xref": "x", "yref": "y", "x": a, "y": d, "sizex": b - a, "sizey": d - c,
            "xanchor": "left", "yanchor": "top", "sizing": "stretch", "layer": "below",
            "opacity": ARROW_OPACITY}
