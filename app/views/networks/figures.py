"""Figures of the "Real networks" view: plain Plotly figure dicts (no Dash, no
``go.Figure``), colours from :mod:`app.core.theme`.

Every builder takes a *payload*: the JSON-ready result of one job of
:mod:`app.views.networks` (lists of numbers, ``None`` for a missing value),
so a cached result is drawn exactly like a fresh one.

* ``single`` / ``fig1`` — :func:`training_figure`: training loss (log scale)
  and Hessian sharpness λᴴ against the GD step, one colour per network, the
  2/η line of each dashed, the matched UV model dashed (paper Fig 1).
* ``fig5`` — :func:`fig5_figure`: late-time λᴴ against c (bifurcation
  diagram) with the 2/η curve, late-time λᴴ trajectories at three c, and
  their power spectra; the UV model beside (open markers / dashed).
* ``fig4`` — :func:`fig4_figure`: heatmaps over (σ_w², c) of the final
  ηλᴴ/2 of the networks, of the UV model, and of the test accuracy.

The UV model's sharpness is drawn on the network's scale: λᴴ_UV · η_UV/η
(both then share the 2/η line; the factor is 1 for the calibrated matching,
which runs the UV model at the network's own η).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from uvcore.continuation import C_CRISIS

from ...core import theme
from ...core.figures import empty_figure

__all__ = [
    "ACCURACY_COLORSCALE",
    "ETA_HALF_COLORSCALE",
    "RUN_COLORS",
    "fig4_figure",
    "fig5_figure",
    "result_figure",
    "summary",
    "training_figure",
]

#: One colour per network of a figure (Okabe–Ito: vermillion, blue, green).
RUN_COLORS = (theme.VERMILLION, theme.BLUE, theme.GREEN)
#: ηλᴴ/2 (diverging at the edge of stability, ηλᴴ/2 = 1, drawn white) on [0, 2].
ETA_HALF_COLORSCALE = [[0.0, theme.BLUE], [0.5, "#ffffff"], [1.0, theme.VERMILLION]]
ETA_HALF_RANGE = (0.0, 2.0)
ACCURACY_COLORSCALE = [[0.0, "#ffffff"], [1.0, theme.GREEN]]
#: Gap between side-by-side panels (fraction of the width).
GAP = 0.08


def _f(v: Any) -> float:
    """A payload number as a float (None → NaN)."""
    return math.nan if v is None else float(v)


def _finite(v: Any) -> bool:
    return v is not None and math.isfinite(float(v))


def _scaled(values: Sequence, factor: float) -> list:
    return [None if v is None else float(v) * factor for v in values]


def _domains(n: int, gap: float = GAP, right: float = 1.0) -> list[list[float]]:
    width = (right - gap * (n - 1)) / n
    return [[i * (width + gap), i * (width + gap) + width] for i in range(n)]


def _axis_names(i: int) -> tuple[str, str, str, str]:
    """("x", "y", "xaxis", "yaxis") of the i-th panel (0 → x/y, 1 → x2/y2 …)."""
    s = "" if i == 0 else str(i + 1)
    return f"x{s}", f"y{s}", f"xaxis{s}", f"yaxis{s}"


def _line(color: str, large: bool, dash: str = "solid", width: float | None = None) -> dict:
    return {"color": color, "width": theme.LINE_WIDTH[large] if width is None else width,
            "dash": dash}


def _uv_factor(run: dict) -> float:
    uv = run.get("uv") or {}
    if not _finite(uv.get("eta")) or not _finite(run.get("eta")) or not run["eta"] > 0:
        return 1.0
    return float(uv["eta"]) / float(run["eta"])


def _layout(large: bool, title: str, height: int | None = None) -> dict:
    lay = theme.base_layout(large)
    lay.update({"title": {"text": title}, "showlegend": True,
                "legend": {**lay["legend"], "orientation": "h", "x": 0.0, "y": -0.18,
                           "xanchor": "left", "yanchor": "top"}})
    lay["margin"] = {**lay["margin"], "b": 120 if large else 100}
    if height is not None:
        lay["height"] = height
    return lay


# -- Fig 1 and single runs --------------------------------------------------------------

def _positive(values) -> list[float]:
    return [float(v) for v in values or [] if _finite(v) and float(v) > 0]


def _loss_range(net: list[float], uv: list[float]) -> list[float] | None:
    """log10 range of the loss axis: the networks' values, and the UV model's within
    three decades of them (a UV curve that falls to 1e-30 or diverges leaves the view)."""
    if not net:
        return None
    lo, hi = min(net), max(net)
    near = [v for v in uv if lo * 1e-3 <= v <= hi * 1e3]
    lo, hi = min([lo] + near), max([hi] + near)
    a, b = math.log10(lo), math.log10(hi)
    pad = max(0.1 * (b - a), 0.2)
    return [a - pad, b + pad]


def _style_legend(large: bool) -> list[dict]:
    """Legend entries explaining the line styles (one per style, not per run)."""
    out = []
    for name, dash in (("network (solid)", "solid"), ("UV model (dashed)", "dash"),
                       ("2/η (dash-dot)", "dashdot")):
        out.append({"type": "scatter", "mode": "lines", "name": name, "x": [None],
                    "y": [None], "xaxis": "x", "yaxis": "y", "hoverinfo": "skip",
                    "legendgroup": "styles", "line": _line(theme.GRAY, large, dash)})
    return out


def training_figure(payload: dict, large: bool = False) -> dict:
    """Loss and λᴴ against step for the run(s) of a ``single`` or ``fig1`` payload."""
    runs = payload.get("runs") or []
    if not runs:
        return empty_figure("No run to draw.", large)
    lw = theme.LINE_WIDTH[large]
    data: list[dict] = []
    last = 1
    net_loss, uv_loss_all, lam_top = [], [], [0.0]
    for i, run in enumerate(runs):
        color = RUN_COLORS[i % len(RUN_COLORS)]
        label = run.get("label") or f"run {i + 1}"
        group = f"run{i}"
        loss = run.get("loss") or []
        sharp = run.get("sharpness") or []
        net_loss += _positive(loss)
        lam_top += _positive(sharp)
        last = max(last, len(loss) - 1, *(run.get("step") or [0]))
        data.append({"type": "scatter", "mode": "lines", "name": label,
                     "legendgroup": group, "x": list(range(len(loss))), "y": loss,
                     "xaxis": "x", "yaxis": "y", "line": _line(color, large),
                     "hovertemplate": "step %{x}<br>loss %{y:.4g}<extra>" + label + "</extra>"})
        data.append({"type": "scatter", "mode": "lines", "name": f"{label}: λᴴ",
                     "legendgroup": group, "showlegend": False, "x": run.get("step") or [],
                     "y": sharp, "xaxis": "x2", "yaxis": "y2", "line": _line(color, large),
                     "hovertemplate": "step %{x}<br>λᴴ %{y:.4g}<extra>" + label + "</extra>"})
        uv = run.get("uv")
        if uv:
            factor = _uv_factor(run)
            uv_loss = uv.get("loss") or []
            uv_loss_all += _positive(uv_loss)
            # every step of the UV model, dashed: loss (panel 1) and λᴴ on the
            # network's η scale (panel 2)
            for what, ys, axis, hover in (
                    ("loss", uv_loss, "", "UV loss"),
                    ("λᴴ", _scaled(uv.get("lam_h") or [], factor), "2", "UV λᴴ·η_UV/η")):
                data.append({"type": "scatter", "mode": "lines",
                             "name": f"{label}: UV model {what}", "legendgroup": group,
                             "showlegend": False, "x": list(range(len(ys))), "y": ys,
                             "xaxis": "x" + axis, "yaxis": "y" + axis, "opacity": 0.85,
                             "line": _line(color, large, "dash", lw * 0.8),
                             "hovertemplate": f"step %{{x}}<br>{hover} %{{y:.4g}}<extra>"
                                              f"{label}</extra>"})
    net_top = max(lam_top)
    for i, run in enumerate(runs):
        if _finite(run.get("eta")) and run["eta"] > 0:
            two = 2.0 / float(run["eta"])
            lam_top.append(two)
            data.append({"type": "scatter", "mode": "lines", "name": f"{run.get('label')}: 2/η",
                         "legendgroup": f"run{i}", "showlegend": False, "x": [0, last],
                         "y": [two, two], "xaxis": "x2", "yaxis": "y2",
                         "line": _line(RUN_COLORS[i % len(RUN_COLORS)], large, "dashdot",
                                       lw * 0.7),
                         "hovertemplate": f"2/η = {two:.4g}<extra></extra>"})
    # the UV model's λᴴ is in view up to 3× the networks' largest value
    net_lams = [v for v in lam_top if v > 0]
    for tr in data:
        if tr.get("yaxis") == "y2" and "UV" in tr.get("name", ""):
            lam_top += [v for v in _positive(tr["y"]) if v <= 3 * max(net_top, 1e-300)]
    data += _style_legend(large)
    left, right = _domains(2)
    lay = _layout(large, payload.get("title") or "Real networks")
    loss_range = _loss_range(net_loss, uv_loss_all)
    # several networks have sharpness on different scales (Fig 1: σ_w² = 0.5 vs 2):
    # a log axis keeps each one's 2/η line readable
    lam_axis = {"range": [0, 1.12 * max(lam_top) if max(lam_top) > 0 else 1]}
    if len(runs) > 1 and net_lams:
        lam_axis = {"type": "log", "exponentformat": "power",
                    "range": _loss_range(net_lams, [v for v in lam_top if v > 0])}
    lay.update({
        "xaxis": theme.axis("step", large, domain=left, anchor="y"),
        "yaxis": theme.axis("training loss", large, type="log", anchor="x",
                            exponentformat="power",
                            **({"range": loss_range} if loss_range else {})),
        "xaxis2": theme.axis("step", large, domain=right, anchor="y2"),
        "yaxis2": theme.axis("sharpness λᴴ", large, anchor="x2", **lam_axis),
    })
    return {"data": data, "layout": lay}


# -- Fig 5 ------------------------------------------------------------------------------

#: Late-time steps of Fig 5's trajectory panel: few enough that a period-2 or
#: period-4 orbit reads as such (the spectra use the whole spectrum window).
FIG5_WINDOW = 48


def fig5_figure(payload: dict, large: bool = False) -> dict:
    """Bifurcation diagram, late-time trajectories and power spectra (paper Fig 5)."""
    c = [_f(v) for v in payload.get("c") or []]
    if not c:
        return empty_figure("No c values to draw.", large)
    lw = theme.LINE_WIDTH[large]
    msize = 6 if large else 4
    bif_eta = [_f(v) for v in payload.get("bif_eta") or []]
    uv_eta = [_f(v) for v in payload.get("uv_eta") or []]
    data: list[dict] = []
    bx, by, ux, uy = [], [], [], []
    for j, cj in enumerate(c):
        row = (payload.get("bif") or [[]] * len(c))[j] or []
        bx += [cj] * len(row)
        by += row
        urow = (payload.get("uv_bif") or [[]] * len(c))[j] or []
        f = uv_eta[j] / bif_eta[j] if j < len(uv_eta) and j < len(bif_eta) and bif_eta[j] > 0 \
            else 1.0
        ux += [cj] * len(urow)
        uy += _scaled(urow, f if math.isfinite(f) else 1.0)
    data.append({"type": "scatter", "mode": "markers", "name": "network",
                 "x": bx, "y": by, "xaxis": "x", "yaxis": "y",
                 "marker": {"color": theme.BLACK, "size": msize, "opacity": 0.6},
                 "hovertemplate": "c = %{x:.4g}<br>λᴴ = %{y:.4g}<extra>network</extra>"})
    data.append({"type": "scatter", "mode": "markers", "name": "UV model",
                 "x": ux, "y": uy, "xaxis": "x", "yaxis": "y",
                 "marker": {"color": theme.ORANGE, "size": msize + 2, "symbol": "circle-open"},
                 "hovertemplate": "c = %{x:.4g}<br>λᴴ = %{y:.4g}<extra>UV model</extra>"})
    data.append({"type": "scatter", "mode": "lines", "name": "2/η",
                 "x": c, "y": [2.0 / e if e > 0 else None for e in bif_eta],
                 "xaxis": "x", "yaxis": "y", "line": _line(theme.PURPLE, large, "dash")})
    traj_c = [_f(v) for v in payload.get("traj_c") or []]
    steps = int(payload.get("steps") or 0)
    late = int((payload.get("sizes") or {}).get("spectrum_last") or steps)
    start = max(0, steps - min(late, FIG5_WINDOW))
    tstep = payload.get("traj_step") or []
    traj_eta = [_f(v) for v in payload.get("traj_eta") or []]
    freq = payload.get("freq") or []
    for k, ck in enumerate(traj_c):
        color = RUN_COLORS[k % len(RUN_COLORS)]
        group = f"c{k}"
        name = f"c = {ck:g}"
        row = (payload.get("traj") or [[]] * len(traj_c))[k] or []
        xs = [s for s in tstep[:len(row)] if s >= start]
        ys = [v for s, v in zip(tstep, row) if s >= start]
        data.append({"type": "scatter", "mode": "lines+markers", "name": name,
                     "legendgroup": group, "x": xs, "y": ys, "xaxis": "x2", "yaxis": "y2",
                     "line": _line(color, large), "marker": {"color": color, "size": msize}})
        eta = traj_eta[k] if k < len(traj_eta) else math.nan
        uv_k = _uv_eta_at(payload, ck)
        factor = uv_k / eta if math.isfinite(uv_k) and eta > 0 else 1.0
        urow = (payload.get("uv_traj") or [[]] * len(traj_c))[k] or []
        data.append({"type": "scatter", "mode": "lines", "name": f"{name}: UV model",
                     "legendgroup": group, "showlegend": False, "x": list(range(start, len(urow))),
                     "y": _scaled(urow[start:], factor), "xaxis": "x2", "yaxis": "y2",
                     "line": _line(color, large, "dash", lw * 0.7)})
        if eta > 0:
            data.append({"type": "scatter", "mode": "lines", "name": f"{name}: 2/η",
                         "legendgroup": group, "showlegend": False,
                         "x": [start, steps], "y": [2.0 / eta] * 2, "xaxis": "x2",
                         "yaxis": "y2", "line": _line(color, large, "dashdot", lw * 0.6)})
        prow = (payload.get("power") or [[]] * len(traj_c))[k] or []
        upow = (payload.get("uv_power") or [[]] * len(traj_c))[k] or []
        data.append({"type": "scatter", "mode": "lines", "name": f"{name}: spectrum",
                     "legendgroup": group, "showlegend": False,
                     "x": freq[1:len(prow)], "y": [v if _finite(v) and v > 0 else None
                                                   for v in prow[1:]],
                     "xaxis": "x3", "yaxis": "y3", "line": _line(color, large)})
        data.append({"type": "scatter", "mode": "lines", "name": f"{name}: UV spectrum",
                     "legendgroup": group, "showlegend": False,
                     "x": freq[1:len(upow)], "y": [v if _finite(v) and v > 0 else None
                                                   for v in upow[1:]],
                     "xaxis": "x3", "yaxis": "y3", "line": _line(color, large, "dash", lw * 0.7)})
    data += _style_legend(large)[:2]
    d = _domains(3)
    lay = _layout(large, payload.get("title") or "Fig 5: route to chaos")
    lay.update({
        "xaxis": theme.axis("c = η λ₀ᴴ", large, domain=d[0], anchor="y"),
        "yaxis": theme.axis("late-time λᴴ", large, anchor="x"),
        "xaxis2": theme.axis(f"step (the last {min(late, FIG5_WINDOW)})", large, domain=d[1],
                             anchor="y2"),
        "yaxis2": theme.axis("λᴴ", large, anchor="x2"),
        "xaxis3": theme.axis("frequency (cycles/step)", large, domain=d[2], anchor="y3",
                             range=[0, 0.5]),
        "yaxis3": theme.axis("power of λᴴ", large, anchor="x3", type="log",
                             exponentformat="power", **_power_range(data)),
    })
    return {"data": data, "layout": lay}


#: Decades of the spectrum shown below its peak (a converged orbit's spectrum is
#: rounding noise, 1e-30 and below: it stays at the bottom of the view).
POWER_DECADES = 14


def _power_range(data: list[dict]) -> dict:
    vals = [v for tr in data if tr.get("yaxis") == "y3" for v in _positive(tr.get("y"))]
    if not vals:
        return {}
    top = math.log10(max(vals))
    return {"range": [max(math.log10(min(vals)) - 0.5, top - POWER_DECADES), top + 0.5]}


def _uv_eta_at(payload: dict, c: float) -> float:
    """η of the UV model at c (η_UV is proportional to c: read it off the grid)."""
    for cj, e in zip(payload.get("c") or [], payload.get("uv_eta") or []):
        if _finite(cj) and _finite(e) and cj > 0:
            return float(e) / float(cj) * c
    return math.nan


# -- Fig 4 ------------------------------------------------------------------------------

def _heatmap(x, y, z, axis: int, scale, zrange, colorbar: dict | None, name: str,
             hover: str) -> dict:
    xa, ya, _, _ = _axis_names(axis)
    out = {"type": "heatmap", "name": name, "x": x, "y": y, "z": z, "xaxis": xa, "yaxis": ya,
           "colorscale": scale, "zmin": zrange[0], "zmax": zrange[1], "zsmooth": False,
           "showscale": colorbar is not None, "hoverongaps": False,
           "hovertemplate": hover + "<extra>" + name + "</extra>"}
    if colorbar is not None:
        out["colorbar"] = colorbar
    return out


def _diverged_marks(x, y, mask, axis: int, large: bool, name: str, coupling=None) -> dict:
    """Crosses on the diverged cells; with ``coupling`` (rows × c), each says its c_UV."""
    xa, ya, _, _ = _axis_names(axis)
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
        out["hovertemplate"] = "UV model diverged, c_UV = %{customdata:.3g}<extra></extra>"
    return out


def _cell(grid, i: int, j: int) -> float | None:
    try:
        v = grid[i][j]
    except (IndexError, KeyError, TypeError):
        return None
    return float(v) if _finite(v) else None


def fig4_figure(payload: dict, large: bool = False) -> dict:
    """Final ηλᴴ/2 of the networks and of the UV model, and test accuracy, over
    (row, c): rows are σ_w² (panel A) or the SP→μP interpolation s (panel B),
    named by the payload's ``row_label``."""
    x = [_f(v) for v in payload.get("c") or []]
    y = [_f(v) for v in payload.get("rows") or []]
    label = str(payload.get("row_label") or "σ_w²")
    if not x or not y:
        return empty_figure("No grid to draw.", large)
    # categorical-looking axes: evenly spaced cells labelled with the values
    xi, yi = list(range(len(x))), list(range(len(y)))
    d = _domains(3, gap=0.11, right=0.93)
    hover = "c = %{customdata[0]:.4g}<br>" + label + " = %{customdata[1]:.4g}<br>%{z:.4g}"
    coupling = payload.get("uv_coupling")
    cd = [[[x[j], y[i], _cell(coupling, i, j)] for j in xi] for i in yi]
    bar = {"title": {"text": "ηλᴴ/2"}, "x": d[1][1] + 0.01, "len": 0.9}
    acc_bar = {"title": {"text": "test acc."}, "x": 1.0, "len": 0.9}
    acc = payload.get("test_acc") or []
    acc_vals = [v for row in acc for v in (row or []) if _finite(v)]
    acc_range = (min(acc_vals), max(acc_vals)) if acc_vals else (0.0, 1.0)
    if acc_range[1] - acc_range[0] < 1e-9:
        acc_range = (acc_range[0] - 0.05, acc_range[1] + 0.05)
    data = [
        {**_heatmap(xi, yi, payload.get("half_sharp"), 0, ETA_HALF_COLORSCALE, ETA_HALF_RANGE,
                    None, "network ηλᴴ/2", hover), "customdata": cd},
        {**_heatmap(xi, yi, payload.get("uv_half_sharp"), 1, ETA_HALF_COLORSCALE,
                    ETA_HALF_RANGE, bar, "UV model ηλᴴ/2",
                    hover + "<br>c_UV = %{customdata[2]:.3g}"), "customdata": cd},
        {**_heatmap(xi, yi, acc, 2, ACCURACY_COLORSCALE, acc_range, acc_bar,
                    "network test accuracy", hover), "customdata": cd},
        _diverged_marks(xi, yi, payload.get("diverged"), 0, large, "diverged"),
        _diverged_marks(xi, yi, payload.get("uv_diverged"), 1, large, "UV model diverged",
                        coupling if coupling is not None else []),
        _diverged_marks(xi, yi, payload.get("diverged"), 2, large, "diverged"),
    ]
    ticks = {"x": {"tickmode": "array", "tickvals": xi, "ticktext": [f"{v:g}" for v in x]},
             "y": {"tickmode": "array", "tickvals": yi, "ticktext": [f"{v:g}" for v in y]}}
    lay = _layout(large, payload.get("title") or "Fig 4: phase diagram")
    titles = ("network: final ηλᴴ/2", "UV model: final ηλᴴ/2", "network: test accuracy")
    annotations = []
    for k in range(3):
        _, _, xk, yk = _axis_names(k)
        lay[xk] = theme.axis("c = η λ₀ᴴ", large, domain=d[k], anchor=_axis_names(k)[1],
                             zeroline=False, showgrid=False, **ticks["x"])
        lay[yk] = theme.axis(label if k == 0 else "", large, anchor=_axis_names(k)[0],
                             zeroline=False, showgrid=False, **ticks["y"])
        annotations.append({"text": titles[k], "xref": "paper", "yref": "paper",
                            "x": (d[k][0] + d[k][1]) / 2, "y": 1.0, "xanchor": "center",
                            "yanchor": "bottom", "showarrow": False,
                            "font": {"size": theme.FONT_SIZE[large]}})
    lay["annotations"] = annotations
    lay["margin"] = {**lay["margin"], "t": 70 if large else 60}
    return {"data": data, "layout": lay}


# -- dispatch and text --------------------------------------------------------------------

def result_figure(payload: dict, large: bool = False) -> dict:
    """The figure of any payload (by its ``experiment``)."""
    kind = payload.get("experiment") if isinstance(payload, dict) else None
    if kind in ("single", "fig1"):
        return training_figure(payload, large)
    if kind == "fig5":
        return fig5_figure(payload, large)
    if kind in ("fig4", "fig4s"):
        return fig4_figure(payload, large)
    return empty_figure("Nothing to draw.", large)


def _g(v: Any, digits: int = 4) -> str:
    return "–" if not _finite(v) else f"{float(v):.{digits}g}"


def _run_text(run: dict) -> str:
    parts = [(f"{run.get('label') or 'run'}: η = {_g(run.get('eta'))}, c = {_g(run.get('c'))}, "
              f"λ₀ᴴ = {_g(run.get('lam0_h'))}")]
    sharp = [v for v in run.get("sharpness") or [] if _finite(v)]
    if run.get("diverged_at") is not None:
        parts.append(f"diverged at step {run['diverged_at']}")
    elif sharp:
        loss = run.get("loss") or [None]
        parts.append(f"final loss {_g(loss[-1])}, final λᴴ {_g(sharp[-1])} "
                     f"(ηλᴴ/2 = {_g(float(run['eta']) * sharp[-1] / 2, 3)})")
    uv = run.get("uv")
    if uv:
        fit = "" if uv.get("calibrated", True) else ", fit not exact"
        parts.append(f"UV model ({uv.get('method')}, n_eff = {_g(uv.get('n_eff'))}{fit}, "
                     f"c_UV = {_g(uv.get('coupling'), 3)}): {uv.get('outcome')}"
                     + _crisis_note(uv.get("coupling"), uv.get("outcome") == "diverged"))
    elif run.get("uv_note"):
        parts.append(str(run["uv_note"]))
    return "; ".join(parts)


def _crisis_note(coupling: Any, diverged: bool) -> str:
    """Why a UV model diverged, from its coupling (spec §3)."""
    if not (diverged and _finite(coupling)):
        return ""
    cu = float(coupling)
    if cu > C_CRISIS:
        return (f" (c_UV > {C_CRISIS:g}: past the one-example model's EoS crisis, where "
                "it has no edge-of-stability attractor while a network can still sit at the edge)")
    if cu > 1.0:
        return (f" (1 < c_UV ≤ {C_CRISIS:g}: the model has an edge-of-stability attractor, "
                "but its start lies outside that attractor's basin)")
    return " (c_UV ≤ 1: its start lies outside the basin of its minima)"


def summary(payload: dict) -> str:
    """One paragraph describing a payload (shown under the figure)."""
    kind = payload.get("experiment")
    notes = list(payload.get("notes") or [])
    if kind in ("single", "fig1"):
        text = " | ".join(_run_text(r) for r in payload.get("runs") or [])
    elif kind == "fig5":
        c = payload.get("c") or []
        div = sum(1 for row in payload.get("bif") or [] if not row or row[0] is None)
        cu = [v for v in payload.get("uv_coupling") or [] if _finite(v)]
        text = (f"{len(c)} values of c in [{_g(c[0] if c else None)}, {_g(c[-1] if c else None)}]"
                f", {payload.get('steps')} steps each; {div} diverged; UV model "
                f"({payload.get('matching')}, n_eff = {_g(payload.get('uv_n_eff'))}"
                + ("" if payload.get("uv_calibrated", True) else ", fit not exact")
                + (f", c_UV from {_g(min(cu), 3)} to {_g(max(cu), 3)}" if cu else "") + ")")
    elif kind in ("fig4", "fig4s"):
        div = sum(1 for row in payload.get("diverged") or [] for v in row if v)
        cells = sum(len(row) for row in payload.get("diverged") or [])
        uv_div = sum(1 for row in payload.get("uv_diverged") or [] for v in row if v)
        past = sum(1 for row_d, row_c in zip(payload.get("uv_diverged") or [],
                                             payload.get("uv_coupling") or [])
                   for d, cu in zip(row_d or [], row_c or [])
                   if d and _finite(cu) and float(cu) > C_CRISIS)
        label = payload.get("row_label") or "σ_w²"
        inexact = [f"{float(r):g}" for r, ok in zip(payload.get("rows") or [],
                                                    payload.get("uv_calibrated") or [])
                   if _finite(r) and ok is False]
        text = (f"{cells} networks, {payload.get('steps')} steps each; {div} diverged; "
                f"UV model: {payload.get('matching')} matching per {label} row, "
                f"{uv_div} diverged"
                + (f" ({past} past its EoS crisis c_UV > {C_CRISIS:g}; hover for c_UV)"
                   if past else "")
                + (f"; fit not exact (no n_eff reproduces the network's NTK ratio, the "
                   f"closest is drawn) for {label.split(' ')[0]} = {', '.join(inexact)}"
                   if inexact else ""))
    else:
        text = ""
    return " ".join([text] + [f"({n})" for n in notes]).strip()
