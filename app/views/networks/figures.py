"""Figures of the "Real networks" view: plain Plotly figure dicts (no Dash, no
``go.Figure``), colours from :mod:`app.core.theme`.

Every builder takes a *payload*: the JSON-ready result of one job
(:func:`app.views.networks.compute.run_experiment`: lists of numbers,
``None`` for a missing value), so a cached result is drawn exactly like a
fresh one.

* ``single`` / ``fig1`` — :func:`training_figure`: training loss (log scale)
  and Hessian sharpness λᴴ against the GD step, one colour per network, the
  2/η line of each dashed, the matched UV model dashed (paper Fig 1).
* ``fig5`` — :func:`fig5_figure`: late-time λᴴ against c (bifurcation
  diagram) with the 2/η curve, late-time λᴴ trajectories at three c, and
  their power spectra; the UV model beside (open markers / dashed).
* ``fig4`` — :func:`fig4_figure` (:mod:`.heatmaps`): heatmaps over (σ_w², c)
  of the final ηλᴴ/2 of the networks, of the UV model, and of the test
  accuracy.

The UV model's sharpness is drawn on the network's scale: λᴴ_UV · η_UV/η
(both then share the 2/η line; the factor is 1 for the calibrated matching,
which runs the UV model at the network's own η).
"""

from __future__ import annotations

import math

from ...core import theme
from ...core.figures import empty_figure
from .figparts import (ACCURACY_COLORSCALE, ETA_HALF_COLORSCALE, GAP_TITLED, RUN_COLORS, domains,
                       finite, legend_below, line_style, log_axis, num, panel_layout, positive,
                       scaled, style_legend, uv_factor)
from .heatmaps import fig4_figure

__all__ = [
    "ACCURACY_COLORSCALE",
    "ETA_HALF_COLORSCALE",
    "FIG5_WINDOW",
    "RUN_COLORS",
    "fig4_figure",
    "fig5_figure",
    "result_figure",
    "training_figure",
]


# -- Fig 1 and single runs --------------------------------------------------------------

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


def _run_traces(i: int, run: dict, large: bool) -> list[dict]:
    """Loss and λᴴ of run ``i`` (solid), and its UV model's (dashed) if it has one."""
    lw = theme.LINE_WIDTH[large]
    color = RUN_COLORS[i % len(RUN_COLORS)]
    label = run.get("label") or f"run {i + 1}"
    group = f"run{i}"
    loss = run.get("loss") or []
    out = [{"type": "scatter", "mode": "lines", "name": label,
            "legendgroup": group, "x": list(range(len(loss))), "y": loss,
            "xaxis": "x", "yaxis": "y", "line": line_style(color, large),
            "hovertemplate": "step %{x}<br>loss %{y:.4g}<extra>" + label + "</extra>"},
           {"type": "scatter", "mode": "lines", "name": f"{label}: λᴴ",
            "legendgroup": group, "showlegend": False, "x": run.get("step") or [],
            "y": run.get("sharpness") or [], "xaxis": "x2", "yaxis": "y2",
            "line": line_style(color, large),
            "hovertemplate": "step %{x}<br>λᴴ %{y:.4g}<extra>" + label + "</extra>"}]
    uv = run.get("uv")
    if not uv:
        return out
    # every step of the UV model, dashed: loss (panel 1) and λᴴ on the
    # network's η scale (panel 2)
    for what, ys, axis, hover in (
            ("loss", uv.get("loss") or [], "", "UV loss"),
            ("λᴴ", scaled(uv.get("lam_h") or [], uv_factor(run)), "2", "UV λᴴ·η_UV/η")):
        out.append({"type": "scatter", "mode": "lines",
                    "name": f"{label}: UV model {what}", "legendgroup": group,
                    "showlegend": False, "x": list(range(len(ys))), "y": ys,
                    "xaxis": "x" + axis, "yaxis": "y" + axis, "opacity": 0.85,
                    "line": line_style(color, large, "dash", lw * 0.8),
                    "hovertemplate": f"step %{{x}}<br>{hover} %{{y:.4g}}<extra>"
                                     f"{label}</extra>"})
    return out


def _two_over_eta(i: int, run: dict, last: int, large: bool) -> dict | None:
    """The dash-dot 2/η line of run ``i`` across the λᴴ panel (None without an η)."""
    if not (finite(run.get("eta")) and run["eta"] > 0):
        return None
    two = 2.0 / float(run["eta"])
    return {"type": "scatter", "mode": "lines", "name": f"{run.get('label')}: 2/η",
            "legendgroup": f"run{i}", "showlegend": False, "x": [0, last],
            "y": [two, two], "xaxis": "x2", "yaxis": "y2",
            "line": line_style(RUN_COLORS[i % len(RUN_COLORS)], large, "dashdot",
                               theme.LINE_WIDTH[large] * 0.7),
            "hovertemplate": f"2/η = {two:.4g}<extra></extra>"}


def _lam_axis(runs: list[dict], data: list[dict], twos: list[float]) -> dict:
    """Range (and type) of the λᴴ axis: the networks, their 2/η lines, and the UV
    model's λᴴ up to 3× the networks' largest value."""
    sharp = [v for run in runs for v in positive(run.get("sharpness"))]
    net_top = max([0.0] + sharp)
    lam_top = [0.0] + sharp + twos
    net_lams = [v for v in lam_top if v > 0]
    for tr in data:
        if tr.get("yaxis") == "y2" and "UV" in tr.get("name", ""):
            lam_top += [v for v in positive(tr["y"]) if v <= 3 * max(net_top, 1e-300)]
    # several networks have sharpness on different scales (Fig 1: σ_w² = 0.5 vs 2):
    # a log axis keeps each one's 2/η line readable
    if len(runs) > 1 and net_lams:
        return log_axis(_loss_range(net_lams, [v for v in lam_top if v > 0]))
    return {"range": [0, 1.12 * max(lam_top) if max(lam_top) > 0 else 1]}


def training_figure(payload: dict, large: bool = False) -> dict:
    """Loss and λᴴ against step for the run(s) of a ``single`` or ``fig1`` payload."""
    runs = payload.get("runs") or []
    if not runs:
        return empty_figure("No run to draw.", large)
    data: list[dict] = []
    for i, run in enumerate(runs):
        data += _run_traces(i, run, large)
    if len(runs) == 1:
        # one run: its colour names nothing, and its key ("network") said
        # again what the styles' key says ("network (solid)")
        data[0]["showlegend"] = False
    last = max([1] + [max(len(r.get("loss") or []) - 1, *(r.get("step") or [0])) for r in runs])
    lines = [t for i, run in enumerate(runs) if (t := _two_over_eta(i, run, last, large))]
    data += lines
    lam_axis = _lam_axis(runs, data, [t["y"][0] for t in lines])
    net_loss = [v for r in runs for v in positive(r.get("loss"))]
    uv_loss = [v for r in runs for v in positive((r.get("uv") or {}).get("loss"))]
    data += style_legend(large)
    left, right = domains(2, GAP_TITLED[large])
    lay = panel_layout(large, payload.get("title") or "Real networks")
    loss_range = _loss_range(net_loss, uv_loss)
    lay.update({
        "xaxis": theme.axis("step", large, domain=left, anchor="y"),
        "yaxis": theme.axis("training loss", large, anchor="x", **log_axis(loss_range)),
        "xaxis2": theme.axis("step", large, domain=right, anchor="y2"),
        "yaxis2": theme.axis("sharpness λᴴ", large, anchor="x2", **lam_axis),
    })
    return {"data": data, "layout": legend_below(lay, data, large)}


# -- Fig 5 ------------------------------------------------------------------------------

#: Late-time steps of Fig 5's trajectory panel: few enough that a period-2 or
#: period-4 orbit reads as such (the spectra use the whole spectrum window).
FIG5_WINDOW = 48
#: Decades of the spectrum shown below its peak (a converged orbit's spectrum is
#: rounding noise, 1e-30 and below: it stays at the bottom of the view).
POWER_DECADES = 14


def _row(payload: dict, key: str, k: int, n: int) -> list:
    """Row ``k`` of the payload's list of rows ``key`` ([] when missing)."""
    return (payload.get(key) or [[]] * n)[k] or []


def _bifurcation_traces(payload: dict, c: list[float], large: bool) -> list[dict]:
    """Late-time λᴴ of the networks and of the UV model (on the network's η scale)
    against c, and the 2/η curve."""
    msize = 6 if large else 4
    bif_eta = [num(v) for v in payload.get("bif_eta") or []]
    uv_eta = [num(v) for v in payload.get("uv_eta") or []]
    bx, by, ux, uy = [], [], [], []
    for j, cj in enumerate(c):
        row = _row(payload, "bif", j, len(c))
        bx += [cj] * len(row)
        by += row
        urow = _row(payload, "uv_bif", j, len(c))
        f = uv_eta[j] / bif_eta[j] if j < len(uv_eta) and j < len(bif_eta) and bif_eta[j] > 0 \
            else 1.0
        ux += [cj] * len(urow)
        uy += scaled(urow, f if math.isfinite(f) else 1.0)
    return [
        {"type": "scatter", "mode": "markers", "name": "network",
         "x": bx, "y": by, "xaxis": "x", "yaxis": "y",
         "marker": {"color": theme.BLACK, "size": msize, "opacity": 0.6},
         "hovertemplate": "ηλ₀ᴴ = %{x:.4g}<br>λᴴ = %{y:.4g}<extra>network</extra>"},
        {"type": "scatter", "mode": "markers", "name": "UV model",
         "x": ux, "y": uy, "xaxis": "x", "yaxis": "y",
         "marker": {"color": theme.ORANGE, "size": msize + 2, "symbol": "circle-open"},
         "hovertemplate": "ηλ₀ᴴ = %{x:.4g}<br>λᴴ = %{y:.4g}<extra>UV model</extra>"},
        {"type": "scatter", "mode": "lines", "name": "2/η",
         "x": c, "y": [2.0 / e if e > 0 else None for e in bif_eta],
         "xaxis": "x", "yaxis": "y", "line": line_style(theme.PURPLE, large, "dash")}]


def _trajectory_traces(payload: dict, k: int, ck: float, start: int, large: bool) -> list[dict]:
    """The late-time λᴴ of trajectory ``k`` (at c = ``ck``), its UV model and 2/η,
    and both power spectra."""
    lw = theme.LINE_WIDTH[large]
    n = len(payload.get("traj_c") or [])
    steps = int(payload.get("steps") or 0)
    color = RUN_COLORS[k % len(RUN_COLORS)]
    group, name = f"c{k}", f"ηλ₀ᴴ = {ck:g}"
    tstep = payload.get("traj_step") or []
    row = _row(payload, "traj", k, n)
    out = [{"type": "scatter", "mode": "lines+markers", "name": name,
            "legendgroup": group, "x": [s for s in tstep[:len(row)] if s >= start],
            "y": [v for s, v in zip(tstep, row) if s >= start], "xaxis": "x2", "yaxis": "y2",
            "line": line_style(color, large),
            "marker": {"color": color, "size": 6 if large else 4}}]
    traj_eta = [num(v) for v in payload.get("traj_eta") or []]
    eta = traj_eta[k] if k < len(traj_eta) else math.nan
    uv_k = _uv_eta_at(payload, ck)
    factor = uv_k / eta if math.isfinite(uv_k) and eta > 0 else 1.0
    urow = _row(payload, "uv_traj", k, n)
    out.append({"type": "scatter", "mode": "lines", "name": f"{name}: UV model",
                "legendgroup": group, "showlegend": False, "x": list(range(start, len(urow))),
                "y": scaled(urow[start:], factor), "xaxis": "x2", "yaxis": "y2",
                "line": line_style(color, large, "dash", lw * 0.7)})
    if eta > 0:
        out.append({"type": "scatter", "mode": "lines", "name": f"{name}: 2/η",
                    "legendgroup": group, "showlegend": False,
                    "x": [start, steps], "y": [2.0 / eta] * 2, "xaxis": "x2",
                    "yaxis": "y2", "line": line_style(color, large, "dashdot", lw * 0.6)})
    freq = payload.get("freq") or []
    for key, what, dash, width in (("power", "spectrum", "solid", None),
                                   ("uv_power", "UV spectrum", "dash", lw * 0.7)):
        prow = _row(payload, key, k, n)
        out.append({"type": "scatter", "mode": "lines", "name": f"{name}: {what}",
                    "legendgroup": group, "showlegend": False,
                    "x": freq[1:len(prow)], "y": [v if finite(v) and v > 0 else None
                                                  for v in prow[1:]],
                    "xaxis": "x3", "yaxis": "y3", "line": line_style(color, large, dash, width)})
    return out


def fig5_figure(payload: dict, large: bool = False) -> dict:
    """Bifurcation diagram, late-time trajectories and power spectra (paper Fig 5)."""
    c = [num(v) for v in payload.get("c") or []]
    if not c:
        return empty_figure("No ηλ₀ᴴ values to draw.", large)
    data = _bifurcation_traces(payload, c, large)
    steps = int(payload.get("steps") or 0)
    late = int((payload.get("sizes") or {}).get("spectrum_last") or steps)
    start = max(0, steps - min(late, FIG5_WINDOW))
    for k, ck in enumerate(num(v) for v in payload.get("traj_c") or []):
        data += _trajectory_traces(payload, k, ck, start, large)
    data += style_legend(large)[:2]
    # the spectrum's axis title, centred under the last panel, is wider than
    # the panel in large font: a little room right of it keeps it in the graph
    d = domains(3, GAP_TITLED[large], right=0.97 if large else 1.0)
    lay = panel_layout(large, payload.get("title") or "Fig 5: route to chaos")
    lay.update({
        "xaxis": theme.axis("learning rate ηλ₀ᴴ", large, domain=d[0], anchor="y"),
        "yaxis": theme.axis("late-time λᴴ", large, anchor="x"),
        "xaxis2": theme.axis(f"step (the last {min(late, FIG5_WINDOW)})", large, domain=d[1],
                             anchor="y2"),
        "yaxis2": theme.axis("λᴴ", large, anchor="x2"),
        "xaxis3": theme.axis("frequency (1/step)", large, domain=d[2], anchor="y3",
                             range=[0, 0.5]),
        "yaxis3": theme.axis("power of λᴴ", large, anchor="x3",
                             **log_axis(_power_range(data))),
    })
    return {"data": data, "layout": legend_below(lay, data, large)}


def _power_range(data: list[dict]) -> list[float] | None:
    """log10 range of the spectra: the peak and POWER_DECADES below (None: no value)."""
    vals = [v for tr in data if tr.get("yaxis") == "y3" for v in positive(tr.get("y"))]
    if not vals:
        return None
    top = math.log10(max(vals))
    return [max(math.log10(min(vals)) - 0.5, top - POWER_DECADES), top + 0.5]


def _uv_eta_at(payload: dict, c: float) -> float:
    """η of the UV model at c (η_UV is proportional to c: read it off the grid)."""
    for cj, e in zip(payload.get("c") or [], payload.get("uv_eta") or []):
        if finite(cj) and finite(e) and cj > 0:
            return float(e) / float(cj) * c
    return math.nan


# -- dispatch -----------------------------------------------------------------------------

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
