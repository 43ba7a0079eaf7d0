"""The Universality view's figure: Feigenbaum ratios of the cascades."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from uvcore.continuation import FEIGENBAUM_DELTA

from ...core import theme

__all__ = ["universality_figure"]


_SETS = ((theme.BLUE, "circle"), (theme.ORANGE, "diamond-open"), (theme.GREEN, "square-open"),
         (theme.VERMILLION, "triangle-up-open"), ("#332288", "x-thin-open"))


def _delta_traces(eos, uv, lw: float, ms: float) -> list[dict]:
    """δ_k of both maps and Feigenbaum's δ as a horizontal line (left panel)."""
    data: list[dict] = []
    ks_all: list[int] = []
    for (label, cas), (color, symbol) in zip((("EoS map", eos), ("2-D map", uv)), _SETS):
        if cas is None:
            continue
        d = np.asarray(cas.delta, dtype=float)
        k = np.arange(2, 2 + d.size)
        ks_all += k.tolist()
        data.append({"type": "scatter", "mode": "lines+markers", "name": f"δₖ, {label}",
                     "x": k.tolist(), "y": d.tolist(), "xaxis": "x", "yaxis": "y",
                     "customdata": [["delta", v] for v in np.abs(d - FEIGENBAUM_DELTA).tolist()],
                     "meta": {"panel": "delta", "map": cas.map},
                     "line": {"color": color, "width": lw * 0.6,
                              "dash": "solid" if cas.map == "eos" else "dot"},
                     "marker": {"color": color, "symbol": symbol,
                                "size": ms if cas.map == "eos" else ms + 5,
                                "line": {"color": color, "width": 2}},
                     "hovertemplate": f"{label}<br>k = %{{x}}<br>δₖ = %{{y:.10g}}"
                                      "<br>|δₖ − δ| = %{customdata[1]:.2e}<extra></extra>"})
    kmin, kmax = (min(ks_all), max(ks_all)) if ks_all else (2, 7)
    data.append({"type": "scatter", "mode": "lines", "name": "Feigenbaum δ = 4.6692016…",
                 "x": [kmin - 0.5, kmax + 0.5], "y": [FEIGENBAUM_DELTA] * 2,
                 "xaxis": "x", "yaxis": "y", "meta": {"panel": "delta", "feigenbaum": True},
                 "line": {"color": theme.BLACK, "width": lw * 0.6, "dash": "dash"},
                 "hovertemplate": f"δ = {FEIGENBAUM_DELTA:.12g}<extra></extra>"})
    return data


def _flip_traces(i: int, label: str, cas, current: bool, lw: float, ms: float) -> list[dict]:
    """The flip points of one parameter set in η (middle) and in c (right)."""
    color, symbol = _SETS[i]
    c = np.asarray(cas.c_flip, dtype=float)
    e = np.asarray(cas.eta_flip, dtype=float)
    k = np.arange(1, c.size + 1)
    # a plain η_k is a click target (current parameters); ["ref", η_k] is not
    cd = e.tolist() if current else [["ref", v] for v in e.tolist()]
    ecd = "%{customdata:.10g}" if current else "%{customdata[1]:.10g}"
    click = "<br>click: set η here" if current else ""
    common = {"mode": "lines+markers", "legendgroup": f"set{i}",
              "line": {"color": color, "width": lw * 0.5,
                       "dash": "solid" if i == 0 else "dot"},
              "marker": {"color": color, "symbol": symbol, "size": ms + 2 * i,
                         "line": {"color": color, "width": 2}}}
    return [
        {"type": "scatter", "name": f"η_k, {label}", **common,
         "x": k.tolist(), "y": e.tolist(), "xaxis": "x2", "yaxis": "y2",
         "customdata": cd, "showlegend": True,
         "meta": {"panel": "eta", "current": current, "map": cas.map},
         "hovertemplate": (f"{label}<br>level k = %{{x}}<br>η_k = %{{y:.10g}}"
                           f"<br>η_c = {cas.eta_c:.6g}" + click + "<extra></extra>")},
        {"type": "scatter", "name": f"cₖ, {label}", **common,
         "x": k.tolist(), "y": c.tolist(), "xaxis": "x3", "yaxis": "y3",
         "customdata": cd, "showlegend": False,
         "meta": {"panel": "c", "current": current, "map": cas.map},
         "hovertemplate": (f"{label}<br>level k = %{{x}}<br>cₖ = %{{y:.13g}}"
                           f"<br>η_k = {ecd}" + click + "<extra></extra>")},
    ]


def _eta_axis(data: list[dict]) -> dict:
    """Range (log10, padded) and ticks of the η_k panel: every label carries its
    decade (:func:`app.core.theme.log_ticks`)."""
    ys = [v for t in data if (t.get("meta") or {}).get("panel") == "eta"
          for v in t["y"] if v is not None and v > 0 and math.isfinite(v)]
    if not ys:
        return {}
    a, b = math.log10(min(ys)), math.log10(max(ys))
    pad = max(0.05 * (b - a), 0.05)
    rng = [a - pad, b + pad]
    return {"range": rng, "autorange": False, **theme.log_ticks(10 ** rng[0], 10 ** rng[1])}


#: The three panels' x domains; the gaps between them hold the next panel's
#: tick labels (the panels' names are titles above them, not y-axis titles,
#: which would run into the panel on their left).
_DOMAINS = ([0.0, 0.28], [0.37, 0.64], [0.73, 1.0])
_PANEL_TITLES = ("δₖ → Feigenbaum's δ", "flip points ηₖ", "flip points cₖ = ηₖ/η_c")


def _layout(params_label: str, large: bool, eta_axis: dict) -> dict:
    fs = theme.FONT_SIZE[large]
    layout = theme.base_layout(large)
    # in large type the panels' titles say it all: the heading is left out
    heading = "" if large else ("Universality: δₖ → Feigenbaum's δ, and the flip points "
                                "in η and in c = η/η_c (they collapse in c)")
    layout.update({
        "xaxis": theme.axis("k", large, domain=_DOMAINS[0], anchor="y", dtick=1),
        "yaxis": theme.axis("", large, anchor="x"),
        "xaxis2": theme.axis("level k", large, domain=_DOMAINS[1], anchor="y2", dtick=1),
        "yaxis2": theme.axis("", large, anchor="x2", type="log", **eta_axis),
        "xaxis3": theme.axis("level k", large, domain=_DOMAINS[2], anchor="y3", dtick=1),
        "yaxis3": theme.axis("", large, anchor="x3"),
        "annotations": [{"text": t, "xref": "paper", "yref": "paper", "x": d[0], "y": 1.0,
                         "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                         "font": {"size": fs - 2}} for t, d in zip(_PANEL_TITLES, _DOMAINS)],
        # two entries a row under the panels, in small type
        "legend": {**layout["legend"], "orientation": "h", "x": 0.0, "yref": "container",
                   "y": 0.0, "yanchor": "bottom", "entrywidth": 330 if large else 260,
                   "entrywidthmode": "pixels", "itemwidth": 30, "tracegroupgap": 0,
                   "font": {"size": fs - (6 if large else 2)}},
        "margin": {**layout["margin"], "t": 20, "r": 15},
        # above the panels' titles; the top margin grows to hold it (automargin)
        "title": {"text": "<br>".join(t for t in (heading, params_label and (
                      f"<span style='font-size:{fs - 2}px'>current: {params_label}</span>")) if t),
                  "x": 0.01, "xanchor": "left", "yref": "paper", "y": 1.0,
                  "yanchor": "bottom", "automargin": True, "pad": {"b": fs + 12},
                  "font": {"size": fs - (2 if large else 0)}},
    })
    return layout


def universality_figure(eos=None, uv=None, references: Sequence[tuple[str, object]] = (),
                        *, params_label: str = "", large: bool = False) -> dict:
    """δ_k against k, and the flip points against level in η and in c.

    ``eos`` and ``uv`` are :class:`uvcore.Cascade` results for the current
    (n_eff, ‖x‖, y); ``references`` are (label, EoS cascade) pairs at other
    parameters.  Left: δ_k = (c_k − c_{k−1})/(c_{k+1} − c_k), k = 2 … L−1, for
    both maps, with Feigenbaum's δ.  Middle: the flip points η_k (log axis;
    each parameter set on its own scale).  Right: the same points in
    c = η/η_c — they collapse onto one curve.  Points of the current
    parameters carry ``customdata`` = η_k (click: set η); the others
    ``["ref", η_k]`` and ``["delta", |δ_k − δ|]`` (not click targets).
    """
    lw = theme.LINE_WIDTH[large]
    ms = 9 * (1.4 if large else 1)
    data = _delta_traces(eos, uv, lw, ms)
    sets = []
    if eos is not None:
        # the title names the current parameters: the key stays short
        sets.append(("current, EoS map", eos, True))
    if uv is not None:
        sets.append(("current, 2-D map", uv, True))
    sets += [(label, cas, False) for label, cas in references if cas is not None]
    for i, (label, cas, current) in enumerate(sets[:len(_SETS)]):
        data += _flip_traces(i, label, cas, current, lw, ms)
    ref = eos if eos is not None else uv
    if ref is not None:
        n = len(ref.c_flip)
        data.append({"type": "scatter", "mode": "lines", "name": "c∞ (accumulation point)",
                     "x": [0.5, n + 0.5], "y": [ref.c_inf] * 2, "xaxis": "x3", "yaxis": "y3",
                     "meta": {"panel": "c", "c_inf": True},
                     "line": {"color": theme.GUIDE_COLOR, "width": lw * 0.6, "dash": "dashdot"},
                     "hovertemplate": f"c∞ = {ref.c_inf:.12g}<extra></extra>"})
    return {"data": data, "layout": _layout(params_label, large, _eta_axis(data))}
