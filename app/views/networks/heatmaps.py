"""Fig 4 of the Real networks view: heatmaps over (row, c) of the final ηλᴴ/2
of the networks and of the UV model, and of the test accuracy; rows are σ_w²
(panel A) or the SP→μP interpolation s (panel B).  Plain figure dicts."""

from __future__ import annotations

import math

from ...core import theme
from ...core.figures import empty_figure
from .figparts import (ACCURACY_COLORSCALE, ETA_HALF_COLORSCALE, ETA_HALF_RANGE, LINE_EM,
                       axis_names, finite, legend_below, num, panel_layout)

__all__ = ["fig4_figure"]

#: Paper x-domains of the three panels: the colour bars of the shared ηλᴴ/2
#: scale and of the accuracy stand right of the second and the third.
PANELS = ([0.0, 0.27], [0.30, 0.57], [0.71, 0.93])
#: Short titles above the panels (the figure's title names the experiment).
PANEL_TITLES = ("network ηλᴴ/2", "UV model ηλᴴ/2", "test accuracy")
#: Pixels between a panel's top and its title.
PANEL_TITLE_SHIFT = 4
#: Most labelled ticks on a panel's ηλ₀ᴴ axis (a panel is narrow: the others
#: keep their tick mark, unlabelled, rather than tilt every label).
X_LABELS = {False: 8, True: 4}
#: Colour bars' thickness (px); each stands 0.01 of the width right of its
#: panel, its ticks' labels and title in the room before the next panel.
BAR_PX = {False: 10, True: 12}

def _heatmap(x, y, z, axis: int, scale, zrange, colorbar: dict | None, name: str,
             hover: str) -> dict:
    xa, ya, _, _ = axis_names(axis)
    out = {"type": "heatmap", "name": name, "x": x, "y": y, "z": z, "xaxis": xa, "yaxis": ya,
           "colorscale": scale, "zmin": zrange[0], "zmax": zrange[1], "zsmooth": False,
           "showscale": colorbar is not None, "hoverongaps": False,
           "hovertemplate": hover + "<extra>" + name + "</extra>"}
    if colorbar is not None:
        out["colorbar"] = colorbar
    return out


def _diverged_marks(x, y, mask, axis: int, large: bool, name: str, coupling=None) -> dict:
    """Crosses on the diverged cells; with ``coupling`` (rows × c), each says its c_UV."""
    xa, ya, _, _ = axis_names(axis)
    xs, ys, cd = [], [], []
    for i, row in enumerate(mask or []):
        for j, flag in enumerate(row or []):
            if flag:
                xs.append(x[j])
                ys.append(y[i])
                cd.append(_cell(coupling, i, j))
    out = {"type": "scatter", "mode": "markers", "name": name, "x": xs, "y": ys,
           "xaxis": xa, "yaxis": ya, "showlegend": axis == 0,
           "marker": {"symbol": "x-thin-open", "size": 14 if large else 10,
                      "color": theme.BLACK, "line": {"width": 2}},
           "hovertemplate": "diverged<extra></extra>"}
    if coupling is not None:
        out["customdata"] = cd
        out["hovertemplate"] = ("UV model diverged, c_UV = η/η_c = %{customdata:.3g}"
                                "<extra></extra>")
    return out


def _colorbar(title: str, right: float, large: bool) -> dict:
    """A colour bar just right of the panel ending at paper x ``right``."""
    return {"title": {"text": title, "side": "top"}, "x": right + 0.01, "xanchor": "left",
            "len": 0.9, "thickness": BAR_PX[large], "xpad": 4}


def _ticks(values, labelled: int) -> dict:
    """Ticks at every cell index, at most ``labelled`` of them with their value
    (evenly spaced, the first always)."""
    every = max(1, -(-len(values) // max(1, labelled)))
    return {"tickmode": "array", "tickvals": list(range(len(values))),
            "ticktext": [f"{v:g}" if i % every == 0 else "" for i, v in enumerate(values)]}


def _cell(grid, i: int, j: int) -> float | None:
    try:
        v = grid[i][j]
    except (IndexError, KeyError, TypeError):
        return None
    return float(v) if finite(v) else None


def fig4_figure(payload: dict, large: bool = False) -> dict:
    """Final ηλᴴ/2 of the networks and of the UV model, and test accuracy, over
    (row, c): rows are σ_w² (panel A) or the SP→μP interpolation s (panel B),
    named by the payload's ``row_label``."""
    x = [num(v) for v in payload.get("c") or []]
    y = [num(v) for v in payload.get("rows") or []]
    label = str(payload.get("row_label") or "σ_w²")
    if not x or not y:
        return empty_figure("No grid to draw.", large)
    # categorical-looking axes: evenly spaced cells labelled with the values
    xi, yi = list(range(len(x))), list(range(len(y)))
    d = PANELS
    hover = "ηλ₀ᴴ = %{customdata[0]:.4g}<br>" + label + " = %{customdata[1]:.4g}<br>%{z:.4g}"
    coupling = payload.get("uv_coupling")
    cd = [[[x[j], y[i], _cell(coupling, i, j)] for j in xi] for i in yi]
    # the network's and the UV model's ηλᴴ/2 share one scale: its bar stands
    # right of the UV model's panel, in the room left before the accuracy's
    bar = _colorbar("ηλᴴ/2", d[1][1], large)
    acc_bar = _colorbar("test acc.", d[2][1], large)
    acc = payload.get("test_acc") or []
    acc_vals = [v for row in acc for v in (row or []) if finite(v)]
    acc_range = (min(acc_vals), max(acc_vals)) if acc_vals else (0.0, 1.0)
    if acc_range[1] - acc_range[0] < 1e-9:
        acc_range = (acc_range[0] - 0.05, acc_range[1] + 0.05)
    data = [
        {**_heatmap(xi, yi, payload.get("half_sharp"), 0, ETA_HALF_COLORSCALE, ETA_HALF_RANGE,
                    None, "network ηλᴴ/2", hover), "customdata": cd},
        {**_heatmap(xi, yi, payload.get("uv_half_sharp"), 1, ETA_HALF_COLORSCALE,
                    ETA_HALF_RANGE, bar, "UV model ηλᴴ/2",
                    hover + "<br>c_UV = η/η_c = %{customdata[2]:.3g}"), "customdata": cd},
        {**_heatmap(xi, yi, acc, 2, ACCURACY_COLORSCALE, acc_range, acc_bar,
                    "network test accuracy", hover), "customdata": cd},
        _diverged_marks(xi, yi, payload.get("diverged"), 0, large, "diverged"),
        _diverged_marks(xi, yi, payload.get("uv_diverged"), 1, large, "UV model diverged",
                        coupling if coupling is not None else []),
        _diverged_marks(xi, yi, payload.get("diverged"), 2, large, "diverged"),
    ]
    ticks = {"x": _ticks(x, X_LABELS[large]), "y": _ticks(y, len(y))}
    size = theme.FONT_SIZE[large] - (2 if large else 0)
    # the panels' titles take a row of their own under the figure's title
    lay = panel_layout(large, payload.get("title") or "Fig 4: phase diagram",
                       row_above=math.ceil(LINE_EM * size) + PANEL_TITLE_SHIFT)
    annotations = lay["annotations"]
    for k in range(3):
        _, _, xk, yk = axis_names(k)
        lay[xk] = theme.axis("learning rate ηλ₀ᴴ" if k == 1 else "ηλ₀ᴴ", large, domain=d[k],
                             anchor=axis_names(k)[1], zeroline=False, showgrid=False,
                             tickangle=0, **ticks["x"])
        # the three panels share their rows: only the first labels them
        lay[yk] = theme.axis(label if k == 0 else "", large, anchor=axis_names(k)[0],
                             zeroline=False, showgrid=False, showticklabels=k == 0,
                             **ticks["y"])
        annotations.append({"text": PANEL_TITLES[k], "xref": "paper", "yref": "paper",
                            "x": (d[k][0] + d[k][1]) / 2, "y": 1.0, "xanchor": "center",
                            "yanchor": "bottom", "yshift": PANEL_TITLE_SHIFT,
                            "showarrow": False, "font": {"size": size}})
    return {"data": data, "layout": legend_below(lay, data, large)}
