"""Figures of the Bifurcation view (plain dicts, no Dash).

Pure functions from :mod:`uvcore` results to Plotly figure dicts: numpy
arrays rounded to what a screen shows, colours from :mod:`app.core.theme`,
no ``go.Figure`` (tests validate the dicts).

* :func:`bifurcation_figure` — late-time λ (or ηλ) against η for the 2-D map
  and the EoS map, drawn as images (:mod:`.raster`) coloured by period
  class; an outcome strip (one cell per η and map, diverged included); the
  Lyapunov exponents beneath, all on one shared η axis; diverged η shaded,
  never drawn as points; η_c, the current η and the route-to-chaos guides
  (:func:`route_guides`) as vertical lines.
* :func:`bifurcation_csv` — the diagram as CSV text.

The cobweb is in :mod:`.cobweb`.  Diagram inputs are
:class:`uvcore.BifurcationDiagram` objects or anything with the same
attributes (``eta``, ``lam`` of shape (K, M), ``period``, ``lyapunov``,
``map``); cascades are :class:`uvcore.Cascade` objects.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

from uvcore.outcomes import KIND_NAMES, Kind, PeriodCode, classify
from uvcore.params import MapParams

from ...core import theme
from ...core.figures import fmt_value, round_to_span
from .raster import (CLASS_COLORS, CLASSES, DIVERGED, EMPTY, PLOT_KEEP, diverged_runs,
                     period_classes, raster, typed_array, values)

__all__ = ["DIVERGED_FILL", "GUIDE_STYLES", "GUIDE_POINTS", "subscript", "route_guides",
           "bifurcation_figure", "bifurcation_csv"]

#: Shading of diverged η in the diagram rows.
DIVERGED_FILL = "rgba(48,48,48,0.14)"
#: Colours of the Lyapunov rows and of the guides.
EXPONENT_COLORS = {"uv": theme.BLACK, "eos": "#666666"}
GUIDE_STYLES = {  # kind: (legend label, dash, width factor)
    "flip": ("flip points cₖ", "dot", 1.0),
    "accumulation": ("c∞", "dashdot", 1.0),
    "crisis": ("crisis", "dash", 1.0),
    "fold": ("period-3 folds", "longdashdot", 0.8),
}
#: Points drawn along each vertical guide (so hovering anywhere on it works).
GUIDE_POINTS = 9

_MAP_NAMES = {"uv": "2-D map", "eos": "EoS map"}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(k: int) -> str:
    """``12`` → ``₁₂``."""
    return str(int(k)).translate(_SUB)


_fmt = fmt_value



def _run_bounds(eta: np.ndarray, i0: int, i1: int) -> tuple[float, float]:
    """η interval covered by grid points i0 … i1 (halfway to the neighbours)."""
    n = eta.size
    step = float(eta[1] - eta[0]) if n > 1 else 0.0
    lo = 0.5 * (eta[i0 - 1] + eta[i0]) if i0 > 0 else eta[0] - 0.5 * step
    hi = 0.5 * (eta[i1] + eta[i1 + 1]) if i1 < n - 1 else eta[-1] + 0.5 * step
    return float(lo), float(hi)



# -- route-to-chaos guides ---------------------------------------------------------------

def route_guides(cascade, eta_c: float) -> list[dict]:
    """Vertical guides of a cascade located in c, rescaled to η = c · η_c.

    ``cascade`` is a :class:`uvcore.Cascade` (in c it does not depend on
    n_eff, ‖x‖, y; only η_c = √n_eff/(‖x‖|y|) does).  Returns dicts with
    ``kind`` (flip, accumulation, crisis, fold), ``label``, ``c`` and ``eta``;
    empty when η_c is not finite (y = 0).
    """
    if cascade is None or not (math.isfinite(eta_c) and eta_c > 0):
        return []
    out = []
    for k, c in enumerate(cascade.c_flip, start=1):
        extra = " = 1: η_c, the minimum z = c loses stability" if k == 1 else \
            f": period {2 ** (k - 1)} → {2 ** k}"
        out.append({"kind": "flip", "label": f"c{subscript(k)}{extra}", "c": float(c)})
    out.append({"kind": "accumulation", "label": "c∞: accumulation of the flips (onset of chaos)",
                "c": float(cascade.c_inf)})
    out.append({"kind": "crisis", "label": "crisis: the EoS attractor escapes beyond",
                "c": float(cascade.c_crisis)})
    for w in cascade.windows:
        out.append({"kind": "fold", "label": f"fold opening a period-{w.period} window",
                    "c": float(w.c_fold)})
    for g in out:
        g["eta"] = g["c"] * eta_c
    return out


def _guide_traces(guides: Sequence[dict], rows: Sequence[tuple[str, float, float]],
                  window, large: bool) -> list[dict]:
    """One trace per (guide kind, row): vertical lines with hover and click points."""
    lo, hi = window
    shown = [g for g in guides if lo <= g["eta"] <= hi]
    lw = theme.LINE_WIDTH[large] * 0.6
    data = []
    for kind, (label, dash, wf) in GUIDE_STYLES.items():
        gs = [g for g in shown if g["kind"] == kind]
        if not gs:
            continue
        for r, (yaxis, y0, y1) in enumerate(rows):
            ys = np.linspace(y0, y1, GUIDE_POINTS)
            xs, yy, text = [], [], []
            for g in gs:
                xs += [g["eta"]] * GUIDE_POINTS + [None]
                yy += list(ys) + [None]
                t = f"{g['label']}<br>η = {g['eta']:.6g}, c = η/η_c = {g['c']:.10g}"
                text += [t] * GUIDE_POINTS + [None]
            trace = {
                "type": "scatter", "mode": "lines", "name": label, "x": xs, "y": yy,
                "yaxis": yaxis, "legendgroup": f"guide-{kind}",
                "showlegend": r == 0, "meta": {"guide": kind, "count": len(gs)},
                # in large type the key of the guides (named on hover and in the
                # help) is a hidden second legend: the period key keeps 3 rows
                "legend": "legend2" if large else "legend",
                "line": {"color": theme.GUIDE_COLOR, "width": lw * wf, "dash": dash},
            }
            if r == 0:      # one hover label per guide (the axis is shared by the rows)
                trace.update(text=text, customdata=[None if x is None else ["guide", x]
                                                    for x in xs],
                             hovertemplate="%{text}<br>click: set η here<extra></extra>")
            else:
                trace["hoverinfo"] = "skip"
            data.append(trace)
    return data


# -- the orbit diagram -----------------------------------------------------------------------

_ROWS = {  # row: (y axis, domain): three rows of equal height, a thin strip
    "uv": ("y", [0.734, 1.0]),
    "eos": ("y2", [0.438, 0.704]),
    "strip": ("y3", [0.326, 0.408]),
    "lyap": ("y4", [0.0, 0.266]),
}



def _raster_trace(diagram, quantity: str, row_axis: str, window, y_range, large: bool) -> dict:
    name = _MAP_NAMES.get(diagram.map, diagram.map)
    sym = "λ" if quantity == "lam" else "ηλ"
    centres, z = raster(diagram, quantity, y_range)
    # sent as class code + 1 in uint8 (EMPTY → 0, transparent): runs of zero
    # bytes stay short in base64 and never produce "/", which JSON escapes
    colors = ("rgba(0,0,0,0)",) + CLASS_COLORS
    n = len(colors)
    scale = []
    for i, c in enumerate(colors):
        scale += [[i / n, c], [(i + 1) / n, c]]
    return {"type": "heatmap", "name": f"late-time {sym}, {name}", "yaxis": row_axis,
            "x": round_to_span(diagram.eta, window[1] - window[0], 7),
            "y": round_to_span(centres, y_range[1] - y_range[0], 5),
            "z": typed_array((z.astype(np.int16) - EMPTY).astype(np.uint8)),
            "zmin": -0.5, "zmax": n - 0.5, "zsmooth": False, "colorscale": scale,
            "showscale": False, "showlegend": False,
            "meta": {"map": diagram.map, "raster": True},
            "hovertemplate": f"{name}<br>η = %{{x:.6g}}<br>{sym} ≈ %{{y:.4g}}<br>"
                             "click: set η here<extra></extra>"}


def _class_legend(codes: Iterable[int], large: bool) -> list[dict]:
    out = []
    for code in sorted(set(codes)):
        key, label, color = CLASSES[code]
        out.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers",
                    "name": label, "legendgroup": key, "showlegend": True,
                    "marker": {"symbol": "square", "size": 12 * (1.4 if large else 1),
                               "color": color}, "hoverinfo": "skip",
                    "meta": {"legend": key}})
    return out


#: Hover words of an orbit's outcome in the exponent rows (periodic ones: "period k").
_OUTCOME_WORDS = {Kind.FORBIDDEN: "forbidden", Kind.DIVERGED: "diverged",
                  Kind.STALLED: "stalled off line I", Kind.CONVERGED: "converged",
                  Kind.PERIODIC: "periodic", Kind.CHAOTIC: "chaotic (not periodic)",
                  Kind.APERIODIC: "aperiodic (not periodic, Λ ≈ 0)"}


def _describe(kind: str, period: int, lyap: float) -> str:
    """Hover words of one cell, from its kind (:data:`uvcore.KIND_NAMES`)."""
    if kind == "diverged":
        return kind
    if kind == "stalled":
        return "stalled off line I"
    if kind == "periodic":
        kind = f"period {period}"
    return f"{kind}, exponent {lyap:.3g}"


def _strip_trace(uv, eos, window, large: bool) -> dict:
    """One heatmap, two rows (y = 0: EoS map, y = 1: 2-D map): a cell per η,
    coloured by class, diverged included (a map not computed: empty row)."""
    ref = uv if uv is not None else eos
    eta = np.asarray(ref.eta, dtype=float)
    z, text = [], []
    for diag in (eos, uv):
        if diag is None or np.asarray(diag.eta).shape != eta.shape:
            z.append([None] * eta.size)
            text.append(["not computed"] * eta.size)
            continue
        period = np.asarray(diag.period, dtype=np.int64)
        lyap = np.asarray(diag.lyapunov, dtype=float)
        z.append(period_classes(period).tolist())
        name = _MAP_NAMES.get(diag.map, diag.map)
        kinds = classify(period, lyap)                # one vectorized pass per row
        text.append([f"{name}: {_describe(KIND_NAMES[Kind(int(k))], int(p), float(v))}"
                     for k, p, v in zip(kinds, period, lyap)])
    n = len(CLASSES)
    scale = []
    for i, c in enumerate(CLASS_COLORS):
        scale += [[i / n, c], [(i + 1) / n, c]]
    return {"type": "heatmap", "name": "outcome per η", "yaxis": "y3",
            "x": round_to_span(eta, window[1] - window[0], 7), "y": [0, 1], "z": z,
            "text": text, "zmin": -0.5, "zmax": n - 0.5, "zsmooth": False,
            "colorscale": scale, "showscale": False, "showlegend": False,
            "meta": {"strip": True},
            "hovertemplate": "η = %{x:.6g}<br>%{text}<br>click: set η here<extra></extra>"}


def _lyap_trace(diagram, window, large: bool) -> dict:
    eta = np.asarray(diagram.eta, dtype=float)
    lyap = np.asarray(diagram.lyapunov, dtype=float)
    period = np.asarray(diagram.period, dtype=np.int64)
    ok = (period != PeriodCode.DIVERGED) & np.isfinite(lyap)
    xs: list = []
    ys: list = []
    cd: list = []
    words = _OUTCOME_WORDS
    kinds = classify(period, lyap)
    for i0, i1 in diverged_runs(ok):          # runs of finite exponents, broken at gaps
        if xs:
            xs.append(None), ys.append(None), cd.append(None)
        xs += round_to_span(eta[i0:i1 + 1], window[1] - window[0], 7).tolist()
        ys += round_to_span(lyap[i0:i1 + 1], 1.0, 4).tolist()
        cd += [f"period {int(p)}" if Kind(int(k)) == Kind.PERIODIC else words[Kind(int(k))]
               for k, p in zip(kinds[i0:i1 + 1], period[i0:i1 + 1])]
    name = _MAP_NAMES.get(diagram.map, diagram.map)
    which = "largest exponent" if diagram.map == "uv" else "in-edge exponent"
    return {"type": "scatter", "mode": "lines", "name": f"exponent, {name}",
            "yaxis": "y4", "x": xs, "y": ys, "customdata": cd,
            "meta": {"map": diagram.map, "lyapunov": True},
            "line": {"color": EXPONENT_COLORS.get(diagram.map, theme.BLACK),
                     "width": theme.LINE_WIDTH[large] * 0.6,
                     "dash": "solid" if diagram.map == "uv" else "dash"},
            "hovertemplate": f"{name}, {which}<br>η = %{{x:.6g}}<br>exponent = %{{y:.4g}}"
                             "<br>%{customdata}<extra></extra>"}


def _extent(diagram, quantity: str) -> tuple[float, float] | None:
    if diagram is None:
        return None
    vals = values(diagram, quantity)
    vals = vals[np.isfinite(vals)]
    if not vals.size:
        return None
    return float(vals.min()), float(vals.max())


def _padded(ext, pad: float = 0.04) -> tuple[float, float]:
    if ext is None:
        return 0.0, 1.0
    lo, hi = ext
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span



def _map_rows(uv, eos, quantity: str, win, yranges: dict | None, large: bool):
    """The two map rows: image traces, diverged shading, the classes seen, the
    fixed value ranges and the (axis, lo, hi) of each row for the guides."""
    data, shapes, guide_rows = [], [], []
    classes_seen: set = set()
    yfixed: dict = {}
    for key, diag in (("uv", uv), ("eos", eos)):
        yaxis, _ = _ROWS[key]
        if diag is None:
            continue
        yr = (yranges or {}).get(yaxis)
        y0, y1 = (float(yr[0]), float(yr[1])) if yr else _padded(_extent(diag, quantity))
        data.append(_raster_trace(diag, quantity, yaxis, win, (y0, y1), large))
        classes_seen.update(int(c) for c in np.unique(period_classes(diag.period))
                            if c != DIVERGED)
        guide_rows.append((yaxis, y0, y1))
        if yr:
            yfixed[yaxis] = [y0, y1]
        eta_grid = np.asarray(diag.eta, dtype=float)
        ref = "y domain" if yaxis == "y" else f"{yaxis} domain"
        for i0, i1 in diverged_runs(np.asarray(diag.period) == PeriodCode.DIVERGED):
            a, b = _run_bounds(eta_grid, i0, i1)
            shapes.append({"type": "rect", "xref": "x", "yref": ref, "x0": a, "x1": b,
                           "y0": 0, "y1": 1, "fillcolor": DIVERGED_FILL, "line": {"width": 0},
                           "layer": "below", "name": f"diverged-{key}"})
    return data, shapes, classes_seen, yfixed, guide_rows


def _diverged_legend(uv, eos) -> list[dict]:
    if not any(d is not None and bool(np.any(np.asarray(d.period) == PeriodCode.DIVERGED))
               for d in (uv, eos)):
        return []
    return [{"type": "scatter", "x": [None], "y": [None], "mode": "markers",
             "name": "diverged (shaded)", "yaxis": "y",
             "marker": {"symbol": "square", "size": 14, "color": DIVERGED_FILL,
                        "line": {"color": "#888888", "width": 1}},
             "hoverinfo": "skip", "showlegend": True, "legendgroup": "diverged"}]


def _lyap_rows(uv, eos, win, large: bool) -> tuple[list[dict], tuple | None]:
    """The exponent traces and the (axis, lo, hi) of their row (None: no finite one)."""
    finite = [d for d in (uv, eos)
              if d is not None and np.isfinite(np.asarray(d.lyapunov, dtype=float)).any()]
    data = [_lyap_trace(d, win, large) for d in (uv, eos) if d is not None]
    if not finite:
        return data, None
    lo = min([float(np.nanmin(d.lyapunov)) for d in finite] + [0.0])
    hi = max([float(np.nanmax(d.lyapunov)) for d in finite] + [0.0])
    l0, l1 = _padded((lo, hi))
    return data, ("y4", l0, l1)


def _eta_lines(eta: float, eta_c: float, win, large: bool) -> tuple[list, list]:
    """Shapes and labels of η_c (black dashed) and the current η (purple)."""
    lo, hi = win
    shapes, annotations = [], []
    lw = theme.LINE_WIDTH[large]
    # the two labels lean away from each other; when the lines are too close
    # for that, the η label goes just inside the top row instead
    left = eta < eta_c
    near = math.isfinite(eta_c) and abs(eta - eta_c) < 0.08 * (hi - lo)
    if math.isfinite(eta_c) and lo <= eta_c <= hi:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": eta_c, "x1": eta_c,
                       "y0": 0, "y1": 1, "line": {"color": theme.BLACK, "width": lw * 0.7,
                                                  "dash": "dash"}, "name": "eta-c"})
        annotations.append({"text": "η_c", "x": eta_c, "xref": "x", "y": 1.0, "yref": "paper",
                            "yanchor": "bottom", "showarrow": False,
                            "xanchor": "left" if left else "right",
                            "font": {"size": theme.FONT_SIZE[large] - 1}})
    if lo <= eta <= hi:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": eta, "x1": eta,
                       "y0": 0, "y1": 1, "line": {"color": theme.ETA_LINE, "width": lw},
                       "name": "current-eta"})
        annotations.append({"text": f"η = {_fmt(eta)}", "x": eta, "xref": "x", "y": 1.0,
                            "yref": "paper", "yanchor": "top" if near else "bottom",
                            "xanchor": "left" if near or not left else "right",
                            **({"bgcolor": "rgba(255,255,255,0.85)"} if near else {}),
                            "showarrow": False,
                            "font": {"size": theme.FONT_SIZE[large] - 1,
                                     "color": theme.ETA_LINE}})
    return shapes, annotations


def _notes_annotation(notes: Sequence[str], large: bool) -> dict:
    return {"text": "<br>".join(list(notes)[:4]), "xref": "paper",
            "yref": "paper", "x": 0.01, "y": 0.99, "xanchor": "left",
            "yanchor": "top", "showarrow": False, "align": "left",
            "bgcolor": "rgba(255,255,255,0.85)", "bordercolor": theme.VERMILLION,
            "borderwidth": 1, "font": {"size": theme.FONT_SIZE[large] - 1,
                                       "color": theme.VERMILLION}}


def _wrapped(subtitle: str) -> str:
    """The subtitle on two lines, the window first (one line runs past the
    figure's edge at 1280 px, in large type at any width)."""
    parts = subtitle.split(" · ")
    return "<br>".join([parts[0], " · ".join(parts[1:])] if len(parts) > 1 else parts)


def _layout(win, sym: str, yfixed: dict, shapes: list, annotations: list, subtitle: str,
            large: bool, uirevision: str | None) -> dict:
    layout = theme.base_layout(large)
    fs = theme.FONT_SIZE[large]
    # rows are short: in large type at most 4 tick labels each, so they never touch
    rows = {"nticks": 4} if large else {}
    layout.update({
        "xaxis": theme.axis("learning rate η", large, range=[win[0], win[1]], autorange=False,
                            anchor="y4", domain=[0.0, 1.0], mirror=False),
        "yaxis": theme.axis(f"{sym}, 2-D" + ("" if large else " map"), large,
                            domain=_ROWS["uv"][1], anchor="x", **rows,
                            **({"range": yfixed["y"], "autorange": False}
                               if "y" in yfixed else {})),
        "yaxis2": theme.axis(f"{sym}, EoS" + ("" if large else " map"), large,
                             domain=_ROWS["eos"][1], anchor="x", **rows,
                             **({"range": yfixed["y2"], "autorange": False}
                                if "y2" in yfixed else {})),
        "yaxis3": {"domain": _ROWS["strip"][1], "anchor": "x", "range": [-0.5, 1.5],
                   "fixedrange": True, "showgrid": False, "zeroline": False,
                   "tickvals": [0, 1], "ticktext": ["EoS", "2-D"],
                   "tickfont": {"size": min(fs - 3, 11)}, "automargin": True},
        "yaxis4": theme.axis("Λ" if large else "exponent", large, domain=_ROWS["lyap"][1],
                             anchor="x", **rows),
        "shapes": shapes,
        "annotations": annotations,
        "dragmode": "zoom",
        # hovering any row shows every row's value at that η (both exponents
        # with their periods included); a click anywhere gives that η
        "hovermode": "x",
        "hoversubplots": "axis",
        "uirevision": uirevision or "bifurcation",
        # a compact key under the η axis: small type, short symbols, no gaps
        "legend": {**layout["legend"], "orientation": "h", "x": 0.0, "xanchor": "left",
                   "yref": "container", "y": 0.0, "yanchor": "bottom", "tracegroupgap": 0,
                   "itemsizing": "constant", "itemwidth": 30,
                   "font": {"size": fs - 6 if large else fs - 2}},
        "legend2": {"visible": False},
        # t, b: the title, the η axis and the key reserve their own room (automargin)
        "margin": {**layout["margin"], "r": 15, "t": 20, "b": 20},
        # above the η labels; the top margin grows to hold it (automargin)
        "title": {"text": _wrapped(subtitle), "x": 0.01,
                  "xanchor": "left", "yref": "paper", "y": 1.0, "yanchor": "bottom",
                  "automargin": True, "pad": {"b": fs + 8},
                  "font": {"size": fs - 6 if large else fs - 2}},
    })
    return layout


def bifurcation_figure(uv=None, eos=None, *, window, eta: float, eta_c: float,
                       guides: Sequence[dict] = (), quantity: str = "lam",
                       yranges: dict | None = None, subtitle: str = "",
                       notes: Sequence[str] = (), large: bool = False,
                       uirevision: str | None = None) -> dict:
    """The orbit diagram against η (spec §3) as a figure dict.

    Parameters
    ----------
    uv, eos : diagrams of the 2-D map and of the EoS map on the same η grid
        (either may be None: not computed).
    window : (η_lo, η_hi), the x range shown.
    eta, eta_c : the current η (purple line) and η_c (black dashed line).
    guides : from :func:`route_guides` (drawn where inside the window).
    quantity : ``"lam"`` (λ) or ``"eta-lam"`` (ηλ).
    yranges : optional {"y": (lo, hi), "y2": (lo, hi)}: value ranges of the
        2-D and EoS rows (a zoom); default: the data's range, padded.
    subtitle, notes : text for the title and a notes box.

    Rows (top to bottom, one shared η axis): 2-D map, EoS map, outcome strip
    (one cell per η and map, diverged included), Lyapunov exponents.  The
    late-time values of each map are drawn as an image (:func:`raster`, one
    column per η, :data:`raster.RASTER_ROWS` value bins, coloured by period class):
    its cost does not grow with the number of points, and it needs no
    WebGL.  Diverged η are shaded in their row (and dark in the strip);
    their columns are empty.
    """
    win = (float(window[0]), float(window[1]))
    sym = "λ" if quantity == "lam" else "ηλ"
    data, shapes, classes_seen, yfixed, guide_rows = _map_rows(uv, eos, quantity, win,
                                                               yranges, large)
    data += _class_legend(classes_seen, large)
    data += _diverged_legend(uv, eos)
    if uv is not None or eos is not None:
        data.append(_strip_trace(uv, eos, win, large))
    lyap, lyap_row = _lyap_rows(uv, eos, win, large)
    data += lyap
    if lyap_row is not None:
        guide_rows.append(lyap_row)
    data += _guide_traces(guides, guide_rows, win, large)
    lines, annotations = _eta_lines(eta, eta_c, win, large)
    if notes:
        annotations.append(_notes_annotation(notes, large))
    layout = _layout(win, sym, yfixed, shapes + lines, annotations, subtitle, large,
                     uirevision)
    return {"data": data, "layout": layout}


# -- CSV --------------------------------------------------------------------------------------

def bifurcation_csv(diagrams: Iterable, *, x_norm: float, n_eff: float, y: float,
                    lam_digits: int = 7) -> str:
    """CSV of diagrams: ``map, eta, c, period, lyapunov, lam_0 … lam_{M−1}``.

    One row per (map, η); ``lam_*`` are the last M values of λ (empty cells
    where diverged; ``lyapunov`` likewise), ``c`` = η‖x‖|y|/√n_eff.  λ is
    written with ``lam_digits`` significant digits (7: the dashboard keeps it
    in float32), everything else in full.
    """
    diagrams = [d for d in diagrams if d is not None]
    m = max((np.asarray(d.lam).shape[1] for d in diagrams), default=0)
    m = min(m, PLOT_KEEP)
    lines = ["map,eta,c,period,lyapunov," + ",".join(f"lam_{j}" for j in range(m))]
    scale = abs(MapParams(1.0, n_eff, x_norm, y).c)            # c per unit η

    def cell(v: float, digits: int = 17) -> str:
        return f"{v:.{digits}g}" if math.isfinite(v) else ""

    for d in diagrams:
        lam = np.asarray(d.lam, dtype=float)[:, -m:] if m else np.empty((len(d.eta), 0))
        for i, (e, p, ly) in enumerate(zip(np.asarray(d.eta, dtype=float),
                                           np.asarray(d.period), np.asarray(d.lyapunov,
                                                                            dtype=float))):
            vals = ",".join(cell(float(v), lam_digits) for v in lam[i])
            e = float(e)
            lines.append(f"{d.map},{e!r},{e * scale!r},{int(p)},{cell(float(ly))},{vals}")
    return "\n".join(lines) + "\n"

