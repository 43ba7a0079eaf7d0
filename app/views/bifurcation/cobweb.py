"""The cobweb of the EoS map z' = z(1 + c − z)² (spec §3) as a figure dict:
the map's curve, the diagonal, an orbit's cobweb, its attractor and the
fixed points z = 0, c, c + 2 (filled: stable)."""

from __future__ import annotations

import numpy as np

from ...core import theme
from ...core.figures import fmt_value, round_to_span

__all__ = ["COBWEB_STEPS", "ATTRACTOR_POINTS", "eos_map", "eos_slope", "cobweb_figure"]

#: Steps drawn as a cobweb, and late states marked as the attractor.
COBWEB_STEPS = 80
ATTRACTOR_POINTS = 64


_fmt = fmt_value


def eos_map(z, c: float) -> np.ndarray:
    """g(z) = z (1 + c − z)², the EoS map (spec §3)."""
    z = np.asarray(z, dtype=float)
    return z * (1.0 + c - z) ** 2


def eos_slope(z, c: float) -> np.ndarray:
    """g'(z) = (1 + c − z)(1 + c − 3z)."""
    z = np.asarray(z, dtype=float)
    return (1.0 + c - z) * (1.0 + c - 3.0 * z)


def _curve_traces(c: float, top: float, lw: float) -> list[dict]:
    grid = np.linspace(0.0, top, 400)
    curve = eos_map(grid, c)
    keep = curve <= 1.6 * top
    return [
        {"type": "scatter", "mode": "lines", "name": "g(z) = z(1+c−z)²",
         "x": round_to_span(grid[keep], top, 5), "y": round_to_span(curve[keep], top, 5),
         "line": {"color": theme.BLUE, "width": lw},
         "hovertemplate": "z = %{x:.4g}<br>g(z) = %{y:.4g}<extra></extra>"},
        {"type": "scatter", "mode": "lines", "name": "z′ = z", "x": [0.0, top],
         "y": [0.0, top], "line": {"color": "#888888", "width": lw * 0.6, "dash": "dash"},
         "hoverinfo": "skip"},
    ]


def _cobweb_trace(z: np.ndarray, top: float, lw: float) -> dict | None:
    """The first :data:`COBWEB_STEPS` steps as vertical-then-horizontal segments."""
    n = min(z.size - 1, COBWEB_STEPS)
    if n < 1:
        return None
    xs, ys = [float(z[0])], [0.0]
    for t in range(n):
        a, b = float(z[t]), float(z[t + 1])
        xs += [a, b]
        ys += [b, b]
    xs_a, ys_a = np.clip(xs, 0.0, top * 1.6), np.clip(ys, 0.0, top * 1.6)
    return {"type": "scatter", "mode": "lines", "name": f"cobweb ({n} steps)",
            "x": round_to_span(xs_a, top, 5), "y": round_to_span(ys_a, top, 5),
            "line": {"color": theme.VERMILLION, "width": lw * 0.55},
            "opacity": 0.85, "hoverinfo": "skip"}


def _fixed_points_trace(c: float, large: bool) -> dict:
    fx = [0.0, c, c + 2.0]
    names = ["z = 0", "z = c (the minimum, f = y)", "z = c + 2 (point II, escape threshold)"]
    slopes = eos_slope(np.array(fx), c)
    stable = [bool(abs(s) < 1.0) for s in slopes]
    return {"type": "scatter", "mode": "markers", "name": "fixed points (● stable)",
            "x": fx, "y": fx,
            "text": [f"{nm}<br>g′ = {s:.4g}: {'stable' if st else 'unstable'}"
                     for nm, s, st in zip(names, slopes, stable)],
            "hovertemplate": "%{text}<extra></extra>",
            "marker": {"symbol": ["circle" if st else "circle-open" for st in stable],
                       "size": 12 * (1.4 if large else 1), "color": theme.BLACK,
                       "line": {"color": theme.BLACK, "width": 2}}}


def cobweb_figure(c: float, z, *, eta: float, z0: float, start_label: str = "",
                  diverged_at: int | None = None, outcome: str = "",
                  large: bool = False) -> dict:
    """Cobweb of the EoS map z' = z(1 + c − z)² at one η.

    ``z`` is the orbit z₀, z₁, … (finite states, computed by uvcore); its
    first :data:`COBWEB_STEPS` steps are drawn as a cobweb and, for long
    orbits that did not diverge, its last :data:`ATTRACTOR_POINTS` states as
    the attractor.  Fixed points z = 0, c, c + 2 are marked (filled: stable).
    """
    c = abs(float(c))
    z = np.asarray(z, dtype=float)
    z = z[np.isfinite(z)]
    top = max(c + 2.0, float(z0)) * 1.08
    fs = theme.FONT_SIZE[large]
    lw = theme.LINE_WIDTH[large]
    data = _curve_traces(c, top, lw)
    web = _cobweb_trace(z, top, lw)
    if web is not None:
        data.append(web)
    data.append({"type": "scatter", "mode": "markers", "name": f"start z₀ = {_fmt(z0)}",
                 "x": [float(z0)], "y": [0.0],
                 "marker": {"symbol": "star", "size": 13 * (1.4 if large else 1),
                            "color": theme.VERMILLION, "line": {"color": theme.BLACK, "width": 1}},
                 "hovertemplate": f"start z₀ = {_fmt(z0)} {start_label}<extra></extra>"})
    if diverged_at is None and z.size > 4 * ATTRACTOR_POINTS:
        tail = z[-ATTRACTOR_POINTS - 1:]
        data.append({"type": "scatter", "mode": "markers",
                     "name": "attractor",
                     "x": round_to_span(tail[:-1], top, 6), "y": round_to_span(tail[1:], top, 6),
                     "marker": {"color": theme.GREEN, "size": 7 * (1.4 if large else 1),
                                "symbol": "diamond"},
                     "hovertemplate": "z = %{x:.6g} → %{y:.6g}<extra></extra>"})
    data.append(_fixed_points_trace(c, large))
    # in large type the title takes two lines: one would run past the edge
    title = f"EoS map at η = {_fmt(eta)}:{'<br>' if large else ' '}c = η/η_c = {_fmt(c, 5)}"
    if outcome:
        title += f"<br><span style='font-size:{fs - (4 if large else 2)}px'>{outcome}</span>"
    layout = theme.base_layout(large)
    layout.update({
        "xaxis": theme.axis("z = ηλ/2", large, range=[0.0, top], autorange=False,
                            constrain="domain"),
        "yaxis": theme.axis("z′", large, range=[0.0, top], autorange=False,
                            scaleanchor="x", scaleratio=1, constrain="domain"),
        "title": {"text": title, "x": 0.01, "xanchor": "left", "yref": "paper", "y": 1.0,
                  "yanchor": "bottom", "automargin": True, "pad": {"b": 8},
                  "font": {"size": fs - (3 if large else 1)}},
        # a column under the plot: the square plot is as wide as the column,
        # and the column has height to spare
        "legend": {**layout["legend"], "x": 0.0, "yref": "container", "y": 0.0,
                   "yanchor": "bottom", "font": {"size": fs - (5 if large else 3)},
                   "itemwidth": 30, "tracegroupgap": 0},
        "margin": {**layout["margin"], "t": 20, "r": 10},
        "uirevision": "cobweb",
    })
    return {"data": data, "layout": layout}
