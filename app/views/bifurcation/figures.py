"""Figures of the Bifurcation and Universality views (plain dicts, no Dash).

Pure functions from :mod:`uvcore` results to Plotly figure dicts, in the
style of :mod:`app.figures`: numpy arrays rounded to what a screen shows,
colours from :mod:`app.core.theme`, no ``go.Figure`` (tests validate the dicts).

* :func:`bifurcation_figure` — late-time λ (or ηλ) against η for the 2-D map
  and the EoS map, coloured by period class; an outcome strip (one cell per
  η and map, diverged included); the Lyapunov exponents beneath, all on one
  shared η axis; diverged η shaded, never drawn as points; η_c, the current
  η and the route-to-chaos guides (:func:`route_guides`) as vertical lines.
* :func:`cobweb_figure` — the EoS map z' = z(1 + c − z)² (spec §3) with the
  diagonal, an orbit's cobweb and the fixed points z = 0, c, c + 2.
* :func:`universality_figure` — δ_k against k for the EoS and 2-D maps, and
  the flip points against level in η and in c = η/η_c.
* :func:`bifurcation_csv` — the diagram as CSV text.

Diagram inputs are :class:`uvcore.BifurcationDiagram` objects or anything
with the same attributes (``eta``, ``lam`` of shape (K, M), ``period``,
``lyapunov``, ``map``); cascades are :class:`uvcore.Cascade` objects.
"""

from __future__ import annotations

import base64
import math
from typing import Iterable, Sequence

import numpy as np

from uvcore.outcomes import Kind, PeriodCode, classify, kind_name
from uvcore.params import MapParams

from ...core import theme
from ...core.figures import round_to_span

__all__ = ["PLOT_KEEP", "CLASSES", "CLASS_LABELS", "CLASS_COLORS", "DIVERGED", "APERIODIC",
           "period_classes", "points_by_class", "diverged_runs",
           "route_guides", "bifurcation_figure", "cobweb_figure",
           "bifurcation_csv", "eos_map", "eos_slope", "subscript", "raster", "RASTER_ROWS", "EMPTY",
           "typed_array", "decode_array", "image_codes"]

#: Late-time values drawn per η: the last PLOT_KEEP of an aperiodic orbit; a
#: period-k orbit is drawn as its k distinct values, a converged one as one.
PLOT_KEEP = 64

#: Period classes, in legend order: (key, legend label, colour).  Okabe–Ito
#: colours plus Paul Tol's indigo and wine (colour-blind safe); the current η
#: keeps the app's η colour (purple), so no class uses it.
CLASSES = (
    ("p1", "period 1", theme.BLUE),
    ("p2", "period 2", theme.ORANGE),
    ("p4", "period 4", theme.GREEN),
    ("p8", "period 8", theme.VERMILLION),
    ("p16", "period 2ᵏ ≥ 16", "#332288"),
    ("other", "other period", theme.SKY_BLUE),
    ("aperiodic", "aperiodic/chaotic", theme.GRAY),
    ("stalled", "stalled", "#882255"),
    ("diverged", "diverged", "#303030"),
)
CLASS_LABELS = tuple(label for _, label, _ in CLASSES)
CLASS_COLORS = tuple(color for _, _, color in CLASSES)
#: Class codes of the two special outcomes.
APERIODIC = 6
STALLED = 7
DIVERGED = 8
#: Code of an empty cell of the diagram image (drawn transparent; hovering
#: and clicking it still give its η).
EMPTY = -1
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
#: Value bins of the diagram image (per map row).
RASTER_ROWS = 300
#: Periodic values are drawn 2·THICKEN + 1 bins tall (≈ 1.7 % of the row).
THICKEN = 2
#: Points drawn along each vertical guide (so hovering anywhere on it works).
GUIDE_POINTS = 9
#: Cobweb: steps drawn as a cobweb, and late states marked as the attractor.
COBWEB_STEPS = 80
ATTRACTOR_POINTS = 64

_MAP_NAMES = {"uv": "2-D map", "eos": "EoS map"}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(k: int) -> str:
    """``12`` → ``₁₂``."""
    return str(int(k)).translate(_SUB)


def _fmt(v: float, digits: int = 4) -> str:
    return f"{v:.{digits}g}"


def _sig(v: float, digits: int = 6) -> float:
    return float(f"{v:.{digits}g}")


# -- classes and points -------------------------------------------------------------

def period_classes(period) -> np.ndarray:
    """Class code (index into :data:`CLASSES`) of each period code.

    The kind comes from :func:`uvcore.outcomes.classify`: converged → period 1;
    periodic 2, 4, 8 → their classes, 16, 32, 64 … → "2ᵏ ≥ 16", other k ≥ 3 →
    "other period"; not periodic → aperiodic/chaotic; stalled; diverged
    (forbidden, which diagrams never hold, is counted as "other").
    """
    p = np.asarray(period, dtype=np.int64)
    kind = classify(p)
    periodic = kind == Kind.PERIODIC
    out = np.full(p.shape, 5, dtype=np.int8)
    out[kind == Kind.CONVERGED] = 0
    out[periodic & (p == 2)] = 1
    out[periodic & (p == 4)] = 2
    out[periodic & (p == 8)] = 3
    out[periodic & (p >= 16) & ((p & (p - 1)) == 0)] = 4
    out[kind == Kind.APERIODIC] = APERIODIC
    out[kind == Kind.STALLED] = STALLED
    out[kind == Kind.DIVERGED] = DIVERGED
    return out


def _values(diagram, quantity: str) -> np.ndarray:
    lam = np.asarray(diagram.lam, dtype=float)
    if lam.ndim != 2:
        lam = lam.reshape(np.asarray(diagram.eta).size, -1)
    lam = lam[:, -PLOT_KEEP:]
    if quantity == "eta-lam":
        lam = lam * np.asarray(diagram.eta, dtype=float)[:, None]
    return lam


def _drawn(diagram, quantity: str):
    """(values (K, M), mask of the values drawn, class per η)."""
    period = np.asarray(diagram.period, dtype=np.int64)
    vals = _values(diagram, quantity)
    m = vals.shape[1]
    count = np.where(period >= 1, np.minimum(period, m),
                     np.where(period == PeriodCode.STALLED, 1,
                              np.where(period == PeriodCode.NOT_PERIODIC, m, 0)))
    mask = (np.arange(m)[None, :] >= (m - count)[:, None]) & np.isfinite(vals)
    return vals, mask, period_classes(period)


def points_by_class(diagram, quantity: str = "lam") -> dict:
    """{class code: (η, value, period, exponent)} of the values drawn.

    Per η: a period-k orbit gives its last k values (its distinct points), a
    converged or stalled one its last value, an aperiodic one its last
    :data:`PLOT_KEEP` values, a diverged one nothing.  Non-finite values
    are never returned.
    """
    eta = np.asarray(diagram.eta, dtype=float)
    period = np.asarray(diagram.period, dtype=np.int64)
    lyap = np.asarray(diagram.lyapunov, dtype=float)
    vals, mask, cls = _drawn(diagram, quantity)
    out = {}
    for code in range(len(CLASSES) - 1):
        i, j = np.nonzero(mask & (cls == code)[:, None])
        if i.size:
            out[code] = (eta[i], vals[i, j], period[i], lyap[i])
    return out


def diverged_runs(diverged) -> list[tuple[int, int]]:
    """Index ranges (first, last) of consecutive True entries."""
    d = np.asarray(diverged, dtype=bool).astype(np.int8)
    if not d.size:
        return []
    edges = np.diff(np.concatenate([[0], d, [0]]))
    starts = np.nonzero(edges == 1)[0]
    ends = np.nonzero(edges == -1)[0] - 1
    return list(zip(starts.tolist(), ends.tolist()))


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

_ROWS = {  # row: (y axis, domain)
    "uv": ("y", [0.70, 1.0]),
    "eos": ("y2", [0.37, 0.66]),
    "strip": ("y3", [0.265, 0.325]),
    "lyap": ("y4", [0.0, 0.22]),
}


def raster(diagram, quantity: str, y_range: tuple[float, float], rows: int = RASTER_ROWS):
    """The points of a diagram as a (rows × K) image: bin centres and codes.

    Cell (r, i) holds the class code of η_i where one of its drawn values
    (:func:`points_by_class`) falls in λ bin r of ``y_range``, :data:`EMPTY`
    elsewhere (drawn transparent; values outside the range are left out).  Periodic branches are
    thickened by :data:`THICKEN` bins up and down so a single value per η stays
    visible (the browser draws no cell thinner than a pixel).
    Columns of diverged η are empty.
    """
    eta = np.asarray(diagram.eta, dtype=float)
    y0, y1 = float(y_range[0]), float(y_range[1])
    z = np.full((rows, eta.size), EMPTY, dtype=np.int8)
    centres = y0 + (np.arange(rows) + 0.5) * (y1 - y0) / rows
    vals, mask, cls = _drawn(diagram, quantity)
    col, j = np.nonzero(mask)
    with np.errstate(all="ignore"):
        b = np.floor((vals[col, j] - y0) / (y1 - y0) * rows)
    inside = (b >= 0) & (b < rows)
    b, col = b[inside].astype(np.int64), col[inside]
    code = cls[col]
    thick = code != APERIODIC
    for d in [d for d in range(-THICKEN, THICKEN + 1) if d]:
        bd = b[thick] + d
        ok = (bd >= 0) & (bd < rows)
        z[bd[ok], col[thick][ok]] = code[thick][ok]
    z[b, col] = code
    return centres, z


def typed_array(a: np.ndarray) -> dict:
    """Plotly's base64 typed-array spec of an (u)int8/float array (what
    ``go.Figure`` itself sends; plotly.js decodes it): 1 byte per cell of the
    diagram image instead of 2–4 characters of JSON."""
    a = np.ascontiguousarray(a)
    return {"dtype": {"int8": "i1", "uint8": "u1", "float32": "f4",
                      "float64": "f8"}[a.dtype.name],
            "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
            "shape": ", ".join(str(n) for n in a.shape)}


def image_codes(trace: dict) -> np.ndarray:
    """Class codes (:data:`EMPTY` where nothing is drawn) of a diagram-image trace."""
    return decode_array(trace["z"]).astype(np.int16) + EMPTY


def decode_array(spec) -> np.ndarray:
    """Inverse of :func:`typed_array` (plain lists pass through)."""
    if isinstance(spec, dict) and "bdata" in spec:
        shape = tuple(int(n) for n in str(spec.get("shape", "-1")).split(","))
        return np.frombuffer(base64.b64decode(spec["bdata"]),
                             dtype=np.dtype(spec["dtype"])).reshape(shape)
    return np.asarray(spec)


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


def _describe(period: int, lyap: float) -> str:
    kind = kind_name(period, lyap)
    if kind == "diverged":
        return kind
    if kind == "stalled":
        return "stalled off line I"
    if kind == "converged":
        kind = "converged (period 1)"
    elif kind == "periodic":
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
        text.append([f"{name}: {_describe(int(p), float(v))}" for p, v in zip(period, lyap)])
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
    for i0, i1 in diverged_runs(ok):          # runs of finite exponents, broken at gaps
        if xs:
            xs.append(None), ys.append(None), cd.append(None)
        xs += round_to_span(eta[i0:i1 + 1], window[1] - window[0], 7).tolist()
        ys += round_to_span(lyap[i0:i1 + 1], 1.0, 4).tolist()
        cd += period[i0:i1 + 1].tolist()
    name = _MAP_NAMES.get(diagram.map, diagram.map)
    which = "largest exponent" if diagram.map == "uv" else "in-edge exponent"
    return {"type": "scatter", "mode": "lines", "name": f"exponent, {name}",
            "yaxis": "y4", "x": xs, "y": ys, "customdata": cd,
            "meta": {"map": diagram.map, "lyapunov": True},
            "line": {"color": EXPONENT_COLORS.get(diagram.map, theme.BLACK),
                     "width": theme.LINE_WIDTH[large] * 0.6,
                     "dash": "solid" if diagram.map == "uv" else "dash"},
            "hovertemplate": f"{name}, {which}<br>η = %{{x:.6g}}<br>exponent = %{{y:.4g}}"
                             "<br>period %{customdata} (0: not periodic)<extra></extra>"}


def _extent(diagram, quantity: str) -> tuple[float, float] | None:
    if diagram is None:
        return None
    vals = _values(diagram, quantity)
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
    column per η, :data:`RASTER_ROWS` value bins, coloured by period class):
    its cost does not grow with the number of points, and it needs no
    WebGL.  Diverged η are shaded in their row (and dark in the strip);
    their columns are empty.
    """
    lo, hi = float(window[0]), float(window[1])
    win = (lo, hi)
    sym = "λ" if quantity == "lam" else "ηλ"
    data: list[dict] = []
    shapes: list[dict] = []
    classes_seen: set = set()
    yfixed: dict = {}
    guide_rows = []
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
    data += _class_legend(classes_seen, large)
    diverged_any = any((d is not None and bool(np.any(np.asarray(d.period) == PeriodCode.DIVERGED)))
                       for d in (uv, eos))
    if diverged_any:
        data.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers",
                     "name": "diverged (shaded)", "yaxis": "y",
                     "marker": {"symbol": "square", "size": 14, "color": DIVERGED_FILL,
                                "line": {"color": "#888888", "width": 1}},
                     "hoverinfo": "skip", "showlegend": True, "legendgroup": "diverged"})
    if uv is not None or eos is not None:
        data.append(_strip_trace(uv, eos, win, large))
    lyap_ext = [float(np.nanmin(d.lyapunov)) for d in (uv, eos)
                if d is not None and np.isfinite(np.asarray(d.lyapunov, dtype=float)).any()]
    lyap_top = [float(np.nanmax(d.lyapunov)) for d in (uv, eos)
                if d is not None and np.isfinite(np.asarray(d.lyapunov, dtype=float)).any()]
    for diag in (uv, eos):
        if diag is not None:
            data.append(_lyap_trace(diag, win, large))
    if lyap_ext:
        l0, l1 = _padded((min(lyap_ext + [0.0]), max(lyap_top + [0.0])))
        guide_rows.append(("y4", l0, l1))
    data += _guide_traces(guides, guide_rows, win, large)

    annotations = []
    lw = theme.LINE_WIDTH[large]
    if math.isfinite(eta_c) and lo <= eta_c <= hi:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": eta_c, "x1": eta_c,
                       "y0": 0, "y1": 1, "line": {"color": theme.BLACK, "width": lw * 0.7,
                                                  "dash": "dash"}, "name": "eta-c"})
        annotations.append({"text": "η_c", "x": eta_c, "xref": "x", "y": 1.0, "yref": "paper",
                            "yanchor": "bottom", "showarrow": False,
                            "font": {"size": theme.FONT_SIZE[large] - 1}})
    if lo <= eta <= hi:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": eta, "x1": eta,
                       "y0": 0, "y1": 1, "line": {"color": theme.ETA_LINE, "width": lw},
                       "name": "current-eta"})
        annotations.append({"text": f"η = {_fmt(eta)}", "x": eta, "xref": "x", "y": 1.0,
                            "yref": "paper", "yanchor": "bottom", "xanchor": "left",
                            "showarrow": False,
                            "font": {"size": theme.FONT_SIZE[large] - 1,
                                     "color": theme.ETA_LINE}})
    if notes:
        annotations.append({"text": "<br>".join(list(notes)[:4]), "xref": "paper",
                            "yref": "paper", "x": 0.01, "y": 0.99, "xanchor": "left",
                            "yanchor": "top", "showarrow": False, "align": "left",
                            "bgcolor": "rgba(255,255,255,0.85)", "bordercolor": theme.VERMILLION,
                            "borderwidth": 1, "font": {"size": theme.FONT_SIZE[large] - 1,
                                                       "color": theme.VERMILLION}})

    layout = theme.base_layout(large)
    fs = theme.FONT_SIZE[large]
    layout.update({
        "xaxis": theme.axis("learning rate η", large, range=[lo, hi], autorange=False,
                            anchor="y4", domain=[0.0, 1.0], mirror=False),
        "yaxis": theme.axis(f"{sym}, 2-D" + ("" if large else " map"), large,
                            domain=_ROWS["uv"][1], anchor="x",
                            **({"range": yfixed["y"], "autorange": False}
                               if "y" in yfixed else {})),
        "yaxis2": theme.axis(f"{sym}, EoS" + ("" if large else " map"), large,
                             domain=_ROWS["eos"][1], anchor="x",
                             **({"range": yfixed["y2"], "autorange": False}
                                if "y2" in yfixed else {})),
        "yaxis3": {"domain": _ROWS["strip"][1], "anchor": "x", "range": [-0.5, 1.5],
                   "fixedrange": True, "showgrid": False, "zeroline": False,
                   "tickvals": [0, 1], "ticktext": ["EoS", "2-D"],
                   "tickfont": {"size": fs - 3}, "automargin": True},
        "yaxis4": theme.axis("Λ" if large else "exponent", large, domain=_ROWS["lyap"][1],
                             anchor="x"),
        "shapes": shapes,
        "annotations": annotations,
        "dragmode": "zoom",
        # hovering any row shows every row's value at that η (both exponents
        # with their periods included); a click anywhere gives that η
        "hovermode": "x",
        "hoversubplots": "axis",
        "uirevision": uirevision or "bifurcation",
        "legend": {**layout["legend"], "orientation": "h", "x": 0.0, "xanchor": "left",
                   "yref": "container", "y": 0.0, "yanchor": "bottom", "tracegroupgap": 0,
                   "itemsizing": "constant"},
        "margin": {**layout["margin"], "r": 15, "t": 64 if not large else 84},
        "title": {"text": subtitle, "x": 0.01, "xanchor": "left", "yref": "container",
                  "y": 0.995, "yanchor": "top", "font": {"size": fs - 2}},
    })
    return {"data": data, "layout": layout}


# -- cobweb -----------------------------------------------------------------------------------

def eos_map(z, c: float) -> np.ndarray:
    """g(z) = z (1 + c − z)², the EoS map (spec §3)."""
    z = np.asarray(z, dtype=float)
    return z * (1.0 + c - z) ** 2


def eos_slope(z, c: float) -> np.ndarray:
    """g'(z) = (1 + c − z)(1 + c − 3z)."""
    z = np.asarray(z, dtype=float)
    return (1.0 + c - z) * (1.0 + c - 3.0 * z)


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
    grid = np.linspace(0.0, top, 400)
    curve = eos_map(grid, c)
    keep = curve <= 1.6 * top
    data = [
        {"type": "scatter", "mode": "lines", "name": "g(z) = z(1+c−z)²",
         "x": round_to_span(grid[keep], top, 5), "y": round_to_span(curve[keep], top, 5),
         "line": {"color": theme.BLUE, "width": lw},
         "hovertemplate": "z = %{x:.4g}<br>g(z) = %{y:.4g}<extra></extra>"},
        {"type": "scatter", "mode": "lines", "name": "z′ = z", "x": [0.0, top],
         "y": [0.0, top], "line": {"color": "#888888", "width": lw * 0.6, "dash": "dash"},
         "hoverinfo": "skip"},
    ]
    n = min(z.size - 1, COBWEB_STEPS)
    if n >= 1:
        xs, ys = [float(z[0])], [0.0]
        for t in range(n):
            a, b = float(z[t]), float(z[t + 1])
            xs += [a, b]
            ys += [b, b]
        xs_a, ys_a = np.clip(xs, 0.0, top * 1.6), np.clip(ys, 0.0, top * 1.6)
        data.append({"type": "scatter", "mode": "lines", "name": f"cobweb ({n} steps)",
                     "x": round_to_span(xs_a, top, 5), "y": round_to_span(ys_a, top, 5),
                     "line": {"color": theme.VERMILLION, "width": lw * 0.55},
                     "opacity": 0.85, "hoverinfo": "skip"})
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
    fx = [0.0, c, c + 2.0]
    names = ["z = 0", "z = c (the minimum, f = y)", "z = c + 2 (point II, escape threshold)"]
    slopes = eos_slope(np.array(fx), c)
    stable = [bool(abs(s) < 1.0) for s in slopes]
    data.append({"type": "scatter", "mode": "markers", "name": "fixed points (● stable)",
                 "x": fx, "y": fx,
                 "text": [f"{nm}<br>g′ = {s:.4g}: {'stable' if st else 'unstable'}"
                          for nm, s, st in zip(names, slopes, stable)],
                 "hovertemplate": "%{text}<extra></extra>",
                 "marker": {"symbol": ["circle" if st else "circle-open" for st in stable],
                            "size": 12 * (1.4 if large else 1), "color": theme.BLACK,
                            "line": {"color": theme.BLACK, "width": 2}}})
    title = f"EoS map at η = {_fmt(eta)}: c = η/η_c = {_fmt(c, 5)}"
    if outcome:
        title += f"<br><span style='font-size:{fs - 2}px'>{outcome}</span>"
    layout = theme.base_layout(large)
    layout.update({
        "xaxis": theme.axis("z = ηλ/2", large, range=[0.0, top], autorange=False,
                            constrain="domain"),
        "yaxis": theme.axis("z′", large, range=[0.0, top], autorange=False,
                            scaleanchor="x", scaleratio=1, constrain="domain"),
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": fs - 1}},
        "legend": {**layout["legend"], "orientation": "h", "x": 0.0, "yref": "container",
                   "y": 0.0, "yanchor": "bottom", "font": {"size": fs - 3}},
        "margin": {**layout["margin"], "t": 62 if not large else 84},
        "uirevision": "cobweb",
    })
    return {"data": data, "layout": layout}


# -- universality --------------------------------------------------------------------------


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
