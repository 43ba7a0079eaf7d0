"""Geometry of the (Δf, λ) phase plane: nullclines, forbidden region, fixed
points and their stability, the vector field and the region grid.

Spec §2.2–2.5 and §3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .maps import jacobian, step
from .params import MapParams, UVInputError, finite

__all__ = [
    "MULTIPLIER_TOL", "MAX_GRID", "Curve", "FixedPoint", "LineI", "FixedPoints",
    "VectorField", "RegionGrid", "REGION_NAMES", "classify_multipliers",
    "nullclines", "forbidden_edge", "fixed_points", "vector_field", "regions",
    "window_axes",
]

#: A multiplier within this distance of ±1 or of the unit circle is critical.
MULTIPLIER_TOL = 1e-9
#: Largest grid side for vector fields, region grids and fate maps.
MAX_GRID = 1000

#: Region codes of :func:`regions` (spec §2.5).
FORBIDDEN, CATAPULT, REDUCTION, SHARPENING = 0, 1, 2, 3
REGION_NAMES = {FORBIDDEN: "forbidden", CATAPULT: "loss increases (catapult)",
                REDUCTION: "sharpness reduction", SHARPENING: "progressive sharpening"}


def classify_multipliers(mu, tol: float = MULTIPLIER_TOL) -> tuple[str, str]:
    """Stability label and bifurcation kind of a fixed point or periodic orbit.

    Parameters
    ----------
    mu : array_like of complex
        Multipliers (eigenvalues of the map's Jacobian, or of the k-step map).
    tol : float
        Width of the critical band around |μ| = 1.

    Returns
    -------
    stability : {"stable", "unstable", "saddle", "marginal"}
        All |μ| < 1, all > 1, some each side, or some on the unit circle.
    bifurcation : {"flip", "fold", "neimark-sacker", "none"}
        Which critical multiplier is present: −1, +1, or a complex pair on
        the unit circle.
    """
    mu = np.asarray(mu, dtype=complex)
    r = np.abs(mu)
    if np.any(np.abs(r - 1.0) <= tol):
        stability = "marginal"
    elif np.all(r < 1.0):
        stability = "stable"
    elif np.all(r > 1.0):
        stability = "unstable"
    else:
        stability = "saddle"
    bifurcation = "none"
    for z in mu:
        if abs(z + 1.0) <= tol:
            bifurcation = "flip"
        elif abs(z - 1.0) <= tol:
            bifurcation = "fold"
        elif abs(z.imag) > tol and abs(abs(z) - 1.0) <= tol:
            bifurcation = "neimark-sacker"
        else:
            continue
        break
    return stability, bifurcation


@dataclass(frozen=True)
class Curve:
    """A curve in the plane; NaN entries separate branches (never drawn across)."""

    df: np.ndarray
    lam: np.ndarray


@dataclass(frozen=True)
class FixedPoint:
    """An isolated fixed point of the map with its analytic multipliers."""

    kind: str            # "II+", "II-" or "origin"
    df: float
    lam: float
    eigenvalues: tuple   # complex multipliers
    stability: str
    bifurcation: str


@dataclass(frozen=True)
class LineI:
    """The zero-loss line Δf = 0, λ ≥ lam_min; attracting for λ < lam_stable_max.

    ``lam_stable_max`` is 2/η, or None when 2/η ≤ lam_min (no stable part:
    η > η_c).
    """

    lam_min: float
    lam_stable_max: float | None


@dataclass(frozen=True)
class FixedPoints:
    points: tuple
    line: LineI


def _axis(name: str, lo, hi, num: int) -> np.ndarray:
    lo = finite(f"{name} min", lo)
    hi = finite(f"{name} max", hi)
    if not lo < hi:
        raise UVInputError(f"{name} range must have min < max, got [{lo:g}, {hi:g}]")
    if not 2 <= int(num) <= MAX_GRID:
        raise UVInputError(f"grid size must be between 2 and {MAX_GRID}, got {num}")
    return np.linspace(lo, hi, int(num))


def window_axes(df_range, lam_range, grid) -> tuple[np.ndarray, np.ndarray]:
    """Validated cell-centre axes (each of length ``grid``) for a plot window."""
    try:
        (a, b), (c, d) = df_range, lam_range
    except (TypeError, ValueError):
        raise UVInputError("ranges must be pairs (min, max)") from None
    return _axis("df", a, b, grid), _axis("lam", c, d, grid)


def forbidden_edge(params: MapParams, df_range, num: int = 401) -> Curve:
    """The edge λ = 2‖x‖|Δf + y|/√n_eff over ``df_range`` (vertex included)."""
    df = _axis("df", *df_range, num)
    vertex = -params.y
    if df[0] < vertex < df[-1]:
        df = np.sort(np.append(df, vertex))
    return Curve(df, params.edge_lam(df))


def nullclines(params: MapParams, df_range, num: int = 801) -> dict[str, Curve]:
    """Nullclines of spec §2.3 sampled over ``df_range``.

    Returns a dict with ``"df"`` (Δf' = Δf: the parabola) and ``"lam"``
    (λ' = λ: the hyperbola, NaN at its pole Δf = 0 so the two branches stay
    apart).  Both also contain the line Δf = 0, returned separately as
    ``"zero"`` (a vertical segment at Δf = 0 over the allowed λ).  Points in
    the forbidden region are NaN.
    """
    df = _axis("df", *df_range, num)
    g = params.eta * params.x_norm ** 2 / params.n_eff
    parabola = g * df * (df + params.y)
    with np.errstate(divide="ignore", invalid="ignore"):
        hyper = 4.0 * (df + params.y) / (params.eta * df)
    hyper[df == 0.0] = np.nan
    # a sign change of Δf between samples is the pole: break the line there
    pole = np.nonzero(np.sign(df[:-1]) * np.sign(df[1:]) < 0)[0]
    df_h = np.insert(df, pole + 1, np.nan)
    hyper = np.insert(hyper, pole + 1, np.nan)

    def allowed(x, lam):
        lam = np.where(np.isfinite(lam) & (lam >= 0), lam, np.nan)
        bad = params.forbidden(np.nan_to_num(x), np.nan_to_num(lam))
        return np.where(bad, np.nan, lam)

    top = max(params.lam_min, float(np.nanmax(np.abs(parabola))), 1.0)
    return {
        "df": Curve(df, allowed(df, parabola)),
        "lam": Curve(df_h, allowed(df_h, hyper)),
        "zero": Curve(np.zeros(2), np.array([params.lam_min, top])),
    }


def fixed_points(params: MapParams) -> FixedPoints:
    """Points II, the origin and line I with analytic multipliers (spec §2.4)."""
    pts = []
    root = math.sqrt(params.n_eff)
    for sign, kind in ((1.0, "II+"), (-1.0, "II-")):
        df = sign * 2.0 * root / (params.eta * params.x_norm)
        lam = sign * 2.0 * params.x_norm * (df + params.y) / root
        if lam >= 0.0:
            pts.append(_point(kind, df, lam, params))
    pts.append(_point("origin", -params.y, 0.0, params))
    stable_max = 2.0 / params.eta
    return FixedPoints(tuple(pts), LineI(params.lam_min,
                                         stable_max if stable_max > params.lam_min else None))


def _point(kind, df, lam, params) -> FixedPoint:
    mu = np.linalg.eigvals(jacobian(df, lam, params))
    mu = tuple(sorted((complex(z) for z in mu), key=lambda z: (abs(z), z.imag)))
    stability, bif = classify_multipliers(mu)
    return FixedPoint(kind, float(df), float(lam), mu, stability, bif)


@dataclass(frozen=True)
class VectorField:
    """Unit arrows of the update G = (Δf' − Δf, λ' − λ) on a grid (spec §2.5).

    ``u``, ``v`` have shape (ny, nx) and are in data units, scaled so the
    longest arrow spans ``length`` of a grid cell; directions are computed in
    the window's own scaled coordinates so arrows are legible.  NaN where the
    point is forbidden or the update overflows.
    """

    df: np.ndarray
    lam: np.ndarray
    u: np.ndarray
    v: np.ndarray


def vector_field(params: MapParams, df_range, lam_range, grid: int = 25,
                 length: float = 0.8) -> VectorField:
    """Normalized update direction on a ``grid`` × ``grid`` lattice of the window."""
    xs, ys = window_axes(df_range, lam_range, grid)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        nx, ny = step(X, Y, params)
        wx, wy = xs[-1] - xs[0], ys[-1] - ys[0]
        gx, gy = (nx - X) / wx, (ny - Y) / wy
        norm = np.hypot(gx, gy)
        cell_x, cell_y = wx / (grid - 1), wy / (grid - 1)
        u = gx / norm * length * cell_x
        v = gy / norm * length * cell_y
    bad = params.forbidden(X, Y) | ~np.isfinite(u) | ~np.isfinite(v)
    u[bad] = np.nan
    v[bad] = np.nan
    return VectorField(X, Y, u, v)


@dataclass(frozen=True)
class RegionGrid:
    """Region code per cell (spec §2.5): see :data:`REGION_NAMES`.

    ``code`` has shape (len(lam), len(df)), dtype int8.
    """

    df: np.ndarray
    lam: np.ndarray
    code: np.ndarray


def regions(params: MapParams, df_range, lam_range, grid: int = 200) -> RegionGrid:
    """Classify every cell of the window into the regions of spec §2.5."""
    xs, ys = window_axes(df_range, lam_range, grid)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        ndf, nlam = step(X, Y, params)
    code = np.where(nlam < Y, REDUCTION, SHARPENING).astype(np.int8)
    code[~(np.abs(ndf) <= np.abs(X))] = CATAPULT  # overflow counts as loss growth
    code[params.forbidden(X, Y)] = FORBIDDEN
    return RegionGrid(xs, ys, code)
