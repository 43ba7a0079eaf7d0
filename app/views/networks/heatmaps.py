"""Fig 4 of the Real networks view: heatmaps over (row, c) of the final ηλᴴ/2
of the networks and of the UV model, and of the test accuracy; rows are σ_w²
(panel A) or the SP→μP interpolation s (panel B).  Plain figure dicts."""

from __future__ import annotations

from ...core import theme
from ...core.figures import empty_figure
from .figparts import (ACCURACY_COLORSCALE, ETA_HALF_COLORSCALE, ETA_HALF_RANGE, axis_names,
                       domains, finite, legend_below, num, panel_layout)

__all__ = ["fig4_figure"]

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
    d = domains(3, gap=0.11, right=0.93)
    hover = "ηλ₀ᴴ = %{customdata[0]:.4g}<br>" + label + " = %{customdata[1]:.4g}<br>%{z:.4g}"
    coupling = payload.get("uv_coupling")
    cd = [[[x[j], y[i], _cell(coupling, i, j)] for j in xi] for i in yi]
    bar = {"title": {"text": "ηλᴴ/2"}, "x": d[1][1] + 0.01, "len": 0.9}
    acc_bar = {"title": {"text": "test acc."}, "x": 1.0, "len": 0.9}
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
    ticks = {"x": {"tickmode": "array", "tickvals": xi, "ticktext": [f"{v:g}" for v in x]},
             "y": {"tickmode": "array", "tickvals": yi, "ticktext": [f"{v:g}" for v in y]}}
    lay = panel_layout(large, payload.get("title") or "Fig 4: phase diagram")
    titles = ("network: final ηλᴴ/2", "UV model: final ηλᴴ/2", "network: test accuracy")
    annotations = []
    for k in range(3):
        _, _, xk, yk = axis_names(k)
        lay[xk] = theme.axis("learning rate ηλ₀ᴴ", large, domain=d[k], anchor=axis_names(k)[1],
                             zeroline=False, showgrid=False, **ticks["x"])
        lay[yk] = theme.axis(label if k == 0 else "", large, anchor=axis_names(k)[0],
                             zeroline=False, showgrid=False, **ticks["y"])
        annotations.append({"text": titles[k], "xref": "paper", "yref": "paper",
                            "x": (d[k][0] + d[k][1]) / 2, "y": 1.0, "xanchor": "center",
                            "yanchor": "bottom", "showarrow": False,
                            "font": {"size": theme.FONT_SIZE[large]}})
    lay["annotations"] = annotations
    lay["margin"] = {**lay["margin"], "t": 70 if large else 60}
    return {"data": data, "layout": legend_below(lay, data, large)}
