"""Pure builders of the η_max map's figure and summary line (plain dicts, text)."""

from __future__ import annotations

import math

import numpy as np

from ...core import compute as shared
from ...core import theme
from ...core.state import ViewParams, fmt
from .compute import EtaMaxMap

__all__ = ["map_figure", "summary"]


def _sig(a: np.ndarray, digits: int = 4) -> list:
    """Values rounded to ``digits`` significant digits, None for NaN (small JSON)."""
    out = []
    for row in np.atleast_2d(a):
        out.append([None if not math.isfinite(v) else float(f"{v:.{digits}g}") for v in row])
    return out


def _cell_text(m: EtaMaxMap) -> list:
    """Hover words of every cell: η_max, or what the scan found instead."""
    lo, hi = m.scan
    rows = []
    for vals, caps, bels in zip(m.eta_max.tolist(), m.capped.tolist(), m.below.tolist()):
        row = []
        for v, cap, bel in zip(vals, caps, bels):
            if bel:
                row.append(f"η_max < {lo:.3g}: diverges at every scanned η")
            elif cap:
                row.append(f"η_max ≥ {hi:.3g}: survives the whole scan")
            elif math.isfinite(v):
                row.append(f"η_max = {v:.4g}")
            else:
                row.append("forbidden: no weights give this start")
        rows.append(row)
    return rows


def map_figure(m: EtaMaxMap, p: ViewParams) -> dict:
    """Heatmap of log10 η_max with the η_c contour and the state's starts."""
    large = p.large
    z = np.log10(np.where(m.eta_max > 0, m.eta_max, np.nan))
    data = [{
        "type": "heatmap", "name": "η_max",
        "x": _sig(m.df, 6)[0], "y": _sig(m.lam, 6)[0], "z": _sig(z),
        "customdata": _sig(m.eta_max), "text": _cell_text(m),
        "colorscale": "Viridis", "zsmooth": False,
        "colorbar": {"title": {"text": "log₁₀ η_max"}},
        "hovertemplate": "Δf₀ = %{x:.4g}<br>λ₀ = %{y:.4g}<br>%{text}<extra></extra>",
    }]
    if math.isfinite(m.eta_c) and np.isfinite(z).any():
        level = math.log10(m.eta_c)
        data.append({
            "type": "contour", "name": "η_max = η_c", "showlegend": True, "showscale": False,
            "x": data[0]["x"], "y": data[0]["y"], "z": data[0]["z"],
            "contours": {"start": level, "end": level, "size": 1, "coloring": "lines"},
            "line": {"color": theme.BLACK, "width": theme.LINE_WIDTH[large], "dash": "dash"},
            "hoverinfo": "skip",
        })
    starts = shared.resolved_starts(p)
    if starts:
        data.append({
            "type": "scatter", "mode": "markers", "name": "trajectory starts",
            "x": [s[0] for s in starts], "y": [s[1] for s in starts],
            "marker": {"symbol": "x", "size": 11, "color": theme.VERMILLION},
        })
    lay = theme.base_layout(large)
    lay.update({
        "title": {"text": f"η_max per start ({m.steps} steps; scan "
                          f"{m.scan[0]:.3g} … {m.scan[1]:.3g})"},
        "xaxis": theme.axis("Δf₀", large),
        "yaxis": theme.axis("λ₀", large),
        "legend": {**lay["legend"], "x": 0.01, "y": 0.99},
        # room for the title's line: in the theme's top margin its box
        # reached 6 px above the graph in large font
        "margin": {**lay["margin"], "t": 52 if large else 36},
    })
    return {"data": data, "layout": lay}


def summary(m: EtaMaxMap, p: ViewParams) -> str:
    """One line: the range of η_max, the share above η_c, capped and below cells."""
    ok = np.isfinite(m.eta_max)
    cells = int(ok.sum() + m.below.sum())
    if not cells:
        return "Every start of the window is in the forbidden region."
    parts = [f"{cells} starts; η_max from {np.nanmin(m.eta_max):.4g} to "
             f"{np.nanmax(m.eta_max):.4g}" if ok.any() else f"{cells} starts"]
    if math.isfinite(m.eta_c):
        frac = float(np.mean(m.eta_max[ok] > m.eta_c)) if ok.any() else 0.0
        parts.append(f"η_c = {m.eta_c:.4g}: η_max > η_c (edge of stability reachable) for "
                     f"{100 * frac:.0f} % of them")
    if m.capped.any():
        parts.append(f"{int(m.capped.sum())} survive the whole scan (η_max ≥ {m.scan[1]:.3g})")
    if m.below.any():
        parts.append(f"{int(m.below.sum())} diverge at every scanned η "
                     f"(η_max < {m.scan[0]:.3g})")
    parts.append(f"current η = {fmt(p.eta)}")
    return "; ".join(parts) + "."
