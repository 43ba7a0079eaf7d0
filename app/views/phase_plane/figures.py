"""Pure functions from uvcore results to Plotly figures (plain dicts).

No Dash imports and no ``go.Figure`` here: building validated figure objects
costs ~10 ms, a dict ~1 ms.  Tests validate the dicts with
``plotly.graph_objects.Figure(fig)``.  Arrays stay numpy (rounded to what a
screen can show; NaN gaps become ``null`` when Dash serializes with orjson).
Colours and fonts come from :mod:`app.core.theme`.
"""

from __future__ import annotations

import copy
import html
from typing import Iterable, Sequence

import numpy as np

from uvcore.analysis import FORBIDDEN as FORBIDDEN_REGION
from uvcore.analysis import REGION_NAMES

from ...core import theme
from ...core.figures import (decimate_minmax, discrete_colorscale, empty_figure, fmt_value,
                             legend_dummy, note_annotation, round_to_span,
                             sig_round, trajectory_notes, trajectory_traces)
from .arrows import arrow_image

__all__ = ["phase_plane", "timeseries", "trajectory_csv", "imported_plane_traces",
           "add_imported_timeseries", "trace_timeseries", "series_xy", "IMPORTED_COLOR",
           "SERIES_MAX_POINTS", "REGION_LABELS"]

#: Time series longer than this are drawn as per-bucket min/max envelopes.
SERIES_MAX_POINTS = 4000
#: Time series up to this many states are drawn as one line; longer ones as
#: two lines, the even and the odd steps (see :func:`series_xy`).
SERIES_LINE_MAX = 150
#: Characters a line of the time series' note holds (its column is narrow).
TS_NOTE_LINE = {False: 36, True: 20}
#: Font sizes (px) of the time series' key and its panel titles in large font.
TS_LEGEND_FONT_LARGE = 13
#: Left end of the time series' key in large font, in plot widths from the plot
#: area's left edge (Plotly keeps it in the graph by widening the margin).
TS_LEGEND_X_LARGE = -0.3
TS_TITLE_FONT_LARGE = 16
#: Legend labels of the region codes of uvcore.regions (spec §2.5).
REGION_LABELS = {k: v for k, v in REGION_NAMES.items() if k != FORBIDDEN_REGION}


# -- helpers ------------------------------------------------------------------


def _fmt_complex(z: complex) -> str:
    if abs(z.imag) < 1e-12 * max(1.0, abs(z)):
        return fmt_value(z.real)
    return f"{z.real:.4g}{'+' if z.imag >= 0 else '−'}{abs(z.imag):.4g}i"


# -- phase plane ----------------------------------------------------------------

def _regions_trace(rg, shown: bool, spans) -> dict:
    colors = [theme.REGION_COLORS[k] if shown else "rgba(0,0,0,0)" for k in range(4)]
    return {
        "type": "heatmap", "name": "regions",
        "x": round_to_span(rg.df, spans[0], 6), "y": round_to_span(rg.lam, spans[1], 6),
        "z": np.asarray(rg.code, dtype=np.int8),
        "zmin": -0.5, "zmax": 3.5, "zsmooth": False,
        "colorscale": discrete_colorscale(colors), "showscale": False,
        # ≈: the cell's centre; a click starts at the pointer itself
        # (app/assets/plane_click.js), a fraction of a cell away
        "hovertemplate": "Δf ≈ %{x:.3g}<br>λ ≈ %{y:.3g}<br>click: start a trajectory here"
                         "<extra></extra>",
        "showlegend": False,
    }


def forbidden_hover(params) -> str:
    """Hover text of the forbidden cells: what the edge is there and that a
    click is refused (the edge from :meth:`uvcore.MapParams.edge_lam`)."""
    slope = float(params.edge_lam(1.0 - params.y))   # 2‖x‖/√n_eff: the edge at |f| = 1
    y = fmt_value(abs(params.y))
    shift = f"Δf {'+' if params.y >= 0 else '−'} {y}"
    # short lines: in large font the label must fit the plane on a 1280-pixel screen
    return ("Δf ≈ %{x:.3g}<br>λ ≈ %{y:.3g}<br>forbidden: λ < 2‖x‖|Δf + y|/√n_eff"
            f"<br>= {fmt_value(slope)}·|{shift}|: no weights give"
            "<br>this point: cannot start here<extra></extra>")


def _forbidden_cells_trace(rg, params, spans) -> dict:
    """The forbidden cells of the region grid as their own (invisible) heatmap,
    gaps elsewhere, listed before the region heatmap: its hover wins there
    and tells the truth, and a click on it still reaches the server (which
    refuses it with a message at the clicked point)."""
    code = np.asarray(rg.code)
    z = np.where(code == FORBIDDEN_REGION, 0.0, np.nan).astype(np.float32)
    return {
        "type": "heatmap", "name": "refused starts",
        "x": round_to_span(rg.df, spans[0], 6), "y": round_to_span(rg.lam, spans[1], 6),
        "z": z, "zmin": -0.5, "zmax": 0.5, "zsmooth": False, "hoverongaps": False,
        "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], "showscale": False,
        "hovertemplate": forbidden_hover(params), "showlegend": False,
    }


def _forbidden_traces(params, window, large: bool) -> list:
    (a, b), (c, d) = window
    vertex = -params.y
    xs = [a] + ([vertex] if a < vertex < b else []) + [b]
    edge = [float(v) for v in params.edge_lam(xs)]
    bottom = min(c, 0.0) - 0.05 * (d - c)
    poly_x = [a] + xs + [b, a]
    poly_y = [bottom] + edge + [bottom, bottom]
    lw = theme.LINE_WIDTH[large]
    return [
        {"type": "scatter", "name": "forbidden (λ < 2‖x‖|f|/√n_eff)", "x": poly_x, "y": poly_y,
         "mode": "lines", "fill": "toself", "fillcolor": theme.FORBIDDEN_FILL,
         "line": {"color": theme.FORBIDDEN_EDGE, "width": lw * 0.6},
         "hoverinfo": "skip"},
    ]


def _nullcline_traces(curves, window, large: bool) -> list:
    (a, b), (c, d) = window
    lw = theme.LINE_WIDTH[large]
    out = []
    for key, name, color, dash in (("df", "Δf′ = Δf nullcline (parabola)", theme.PARABOLA,
                                    "solid"),
                                   ("lam", "λ′ = λ nullcline (hyperbola)", theme.HYPERBOLA,
                                    "dashdot")):
        cv = curves[key]
        out.append({"type": "scatter", "name": name, "mode": "lines",
                    "x": round_to_span(cv.df, b - a, 5), "y": round_to_span(cv.lam, d - c, 5),
                    "line": {"color": color, "width": lw, "dash": dash},
                    "connectgaps": False,
                    "hovertemplate": name + "<br>Δf = %{x:.4g}<br>λ = %{y:.4g}<extra></extra>"})
    return out


def _line_i_traces(fixed, params, window, large: bool) -> list:
    (a, b), (c, d) = window
    line = fixed.line
    lw = theme.LINE_WIDTH[large] * 1.4
    top = max(d, line.lam_min)
    out = []
    if line.lam_stable_max is not None:
        out.append({"type": "scatter", "name": "line I, stable (ηλ < 2)", "mode": "lines",
                    "x": [0.0, 0.0], "y": [line.lam_min, line.lam_stable_max],
                    "line": {"color": theme.LINE_I, "width": lw},
                    "hovertemplate": "line I (zero loss), attracting: ηλ < 2"
                                     "<br>λ = %{y:.4g}<extra></extra>"})
        lo = line.lam_stable_max
    else:
        lo = line.lam_min
    out.append({"type": "scatter", "name": "line I, unstable (ηλ > 2)", "mode": "lines",
                "x": [0.0, 0.0], "y": [lo, max(top, lo)],
                "line": {"color": theme.LINE_I, "width": lw, "dash": "dash"},
                "hovertemplate": "line I (zero loss), repelling: ηλ > 2"
                                 "<br>λ = %{y:.4g}<extra></extra>"})
    return out


def _fixed_point_trace(fixed, large: bool) -> dict:
    xs, ys, symbols, sizes, texts = [], [], [], [], []
    for pt in fixed.points:
        xs.append(pt.df)
        ys.append(pt.lam)
        symbols.append(theme.STABILITY_SYMBOLS.get(pt.stability, "circle-open"))
        sizes.append(theme.STABILITY_SIZES.get(pt.stability, 13) * (1.4 if large else 1.0))
        name = "origin of parameter space (f = 0, λ = 0)" if pt.kind == "origin" \
            else f"point {pt.kind}"
        mus = ", ".join(_fmt_complex(z) for z in pt.eigenvalues)
        texts.append(f"{name}<br>Δf = {fmt_value(pt.df)}, λ = {fmt_value(pt.lam)}"
                     f"<br>{pt.stability}; multipliers μ = {mus}"
                     f"<br>bifurcation: {pt.bifurcation}")
    return {"type": "scatter", "name": "fixed points (● stable ○ unstable × saddle ◇ marginal)",
            "mode": "markers", "x": xs, "y": ys, "text": texts,
            "hovertemplate": "%{text}<extra></extra>",
            "marker": {"symbol": symbols, "size": sizes, "color": theme.BLACK,
                       "line": {"color": theme.BLACK, "width": 2}}}


def _eta_line_trace(params, window, large: bool) -> dict:
    (a, b), _ = window
    lam = 2.0 / params.eta
    return {"type": "scatter", "name": "ηλ = 2 (λ = 2/η)", "mode": "lines",
            "x": [a, b], "y": [lam, lam],
            "line": {"color": theme.ETA_LINE, "width": theme.LINE_WIDTH[large], "dash": "dot"},
            "hovertemplate": f"ηλ = 2: λ = 2/η = {fmt_value(lam)}<extra></extra>"}


def phase_plane(params, window, *, layers: Iterable[str], regions=None, field=None,
                curves=None, fixed=None, trajectories: Sequence = (), notes: Sequence = (),
                large: bool = False) -> dict:
    """The (Δf, λ) phase plane (spec §2) as a figure dict.

    Parameters
    ----------
    params : uvcore.MapParams
    window : ((Δf_lo, Δf_hi), (λ_lo, λ_hi))
        Axis ranges; grid layers must have been computed for this window.
    layers : names from :data:`app.core.state.LAYERS` to draw.  The region heatmap
        is always present (transparent when "regions" is off) because clicks
        on it start trajectories; "legend" draws the key (and the region
        colours' entries in it); "arrows" is ``layout.images[0]``
        (:func:`.arrows.arrow_image`), not a trace.
    regions : uvcore.RegionGrid;  field : uvcore.VectorField;
    curves : dict of uvcore nullclines;  fixed : uvcore.FixedPoints
    trajectories : sequence of ((Δf₀, λ₀), uvcore.Trajectory or None), oldest
        first; the last one is the selected one.
    notes : extra lines shown on the figure (e.g. refused starts).
    """
    layers = set(layers)
    (a, b), (c, d) = window
    spans = (b - a, d - c)
    data: list[dict] = []
    if regions is not None:
        data.append(_regions_trace(regions, "regions" in layers, spans))
        if np.any(np.asarray(regions.code) == FORBIDDEN_REGION):
            data.append(_forbidden_cells_trace(regions, params, spans))
    if "regions" in layers and "legend" in layers:
        data += [legend_dummy(REGION_LABELS[k], theme.REGION_COLORS[k], "regions")
                 for k in (1, 2, 3)]
    if "forbidden" in layers:
        data += _forbidden_traces(params, window, large)
    if "nullclines" in layers and curves is not None:
        data += _nullcline_traces(curves, window, large)
    if "eta-line" in layers:
        data.append(_eta_line_trace(params, window, large))
    if "fixed" in layers and fixed is not None:
        data += _line_i_traces(fixed, params, window, large)
        data.append(_fixed_point_trace(fixed, large))
    traj_notes = []
    n = len(trajectories)
    for i, (start, traj) in enumerate(trajectories):
        if traj is None:
            continue
        traces, note = trajectory_traces(i, start, traj, window, i == n - 1, large)
        data += traces
        if note:
            traj_notes.append(note)
    all_notes = list(notes) + trajectory_notes(traj_notes)

    layout = theme.base_layout(large)
    layout.update({
        "xaxis": theme.axis("Δf = f − y", large, range=[a, b], autorange=False),
        "yaxis": theme.axis("λ (NTK sharpness)", large, range=[c, d], autorange=False),
        "uirevision": f"{a}|{b}|{c}|{d}",
        "dragmode": "zoom",
        # the key floats in the plot's top right corner (clear of the notes at
        # the top left), drawn only with the "legend" layer: inside the plot it
        # reserves no margin, so the plot keeps its area
        "showlegend": "legend" in layers,
        "legend": {**layout["legend"], "x": 0.995, "xanchor": "right", "y": 0.995,
                   "yanchor": "top", "bgcolor": "rgba(255,255,255,0.92)", "tracegroupgap": 0,
                   "font": {"size": theme.FONT_SIZE[large] - (6 if large else 2)}},
        "margin": {**layout["margin"], "r": 15},
        "title": {"text": (f"η = {fmt_value(params.eta)}, n_eff = {fmt_value(params.n_eff)}, "
                           f"‖x‖ = {fmt_value(params.x_norm)}, y = {fmt_value(params.y)}"),
                  "x": 0.01, "xanchor": "left", "font": {"size": theme.FONT_SIZE[large]}},
        "annotations": [note_annotation(all_notes, large)] if all_notes else [],
        # the vector field is a picture below the traces (.arrows): one SVG
        # element where a trace made one per arrow
        "images": [arrow_image(field, window, large)]
        if "arrows" in layers and field is not None else [],
    })
    return {"data": data, "layout": layout}


# -- time series --------------------------------------------------------------------

#: A run has settled when Δf and λ stay within this fraction of their range over
#: the run of their final orbit (a screen cannot show less).
SETTLE_TOL = 1e-3
#: Room shown beyond the settling step, as a fraction of it (and at least 10 steps).
SETTLE_MARGIN = 0.25


def settled_step(traj) -> int | None:
    """The step from which a run is settled for the eye, or None when it never is.

    Diverged: the step it diverged at.  Converged (period 1) or periodic
    (period k): the first step after which Δf and λ stay within
    :data:`SETTLE_TOL` × their range of the state k steps later in the final
    orbit (the same phase of it).  Chaotic, aperiodic and still converging runs
    never settle (None).
    """
    if traj.diverged:
        return int(traj.diverged_at)
    oc = traj.outcome
    if oc.kind not in ("converged", "stalled", "periodic") or traj.df.size < 2:
        return None
    k = int(oc.period or 1)
    n = traj.df.size
    phase = (n - 1) - ((n - 1 - np.arange(n)) % k)          # same phase in the last period
    dev = np.zeros(n)
    for v in (traj.df, traj.lam):
        span = float(np.max(v) - np.min(v)) or 1.0
        dev = np.maximum(dev, np.abs(v - v[phase]) / span)
    off = np.nonzero(dev > SETTLE_TOL)[0]
    return int(off[-1] + 1) if off.size else 0


def shown_steps(traj) -> float:
    """Right end of the step axis: where the run settled or diverged, with
    :data:`SETTLE_MARGIN` of room; every step when that is most of the run."""
    last = max(traj.df.size - 1, 1)
    settle = settled_step(traj)
    if settle is None:
        return last
    end = settle + max(10.0, SETTLE_MARGIN * settle)
    return last if end >= 0.8 * last else end


def series_xy(t: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of one time-series line.

    Up to :data:`SERIES_LINE_MAX` states: the series itself.  Longer: the
    even steps, a gap (NaN), then the odd steps, each min/max-decimated to
    half of :data:`SERIES_MAX_POINTS`.  A period-2 orbit then shows its two
    branches as two flat lines instead of a zigzag band, and the whole series
    is two SVG paths (a marker per step was thousands of SVG nodes, the
    slowest drawing of the page).
    """
    if t.size <= SERIES_LINE_MAX:
        return t, v
    xs, ys = [], []
    for r in (0, 1):
        tr, (vr,) = decimate_minmax(t[r::2], [v[r::2]], SERIES_MAX_POINTS // 2)
        xs += [tr, [np.nan]]
        ys += [vr, [np.nan]]
    return np.concatenate(xs[:-1]), np.concatenate(ys[:-1])



def timeseries(traj, *, start=None, paramspace=None, paramspace_label: str = "",
               notes: Sequence[str] = (), large: bool = False) -> dict:
    """Loss (log scale) and λ, λ^H with the 2/η line, sharing the step axis.

    ``paramspace`` is an optional (df, lam) pair of arrays from a
    parameter-space run, overlaid dashed.
    """
    if traj is None:
        return empty_figure("No trajectory: click the phase plane or press “Sample init”.",
                            large)
    eta = traj.params.eta
    lw = theme.LINE_WIDTH[large]
    n = traj.df.size
    t = np.arange(n, dtype=float)
    with np.errstate(all="ignore"):
        loss_full = np.where(traj.loss > 0, traj.loss, np.nan)
    ts, loss = series_xy(t, loss_full)
    tl, lam = series_xy(t, traj.lam)
    th, lam_h = series_xy(t, traj.lam_h)
    data = [
        {"type": "scatter", "name": "loss ½Δf²", "x": ts, "y": sig_round(loss),
         "mode": "lines", "line": {"color": theme.BLACK, "width": lw}, "xaxis": "x", "yaxis": "y",
         "hovertemplate": "step %{x}<br>loss = %{y:.4g}<extra></extra>"},
        {"type": "scatter", "name": "λ (NTK)", "x": tl, "y": sig_round(lam), "mode": "lines",
         "line": {"color": theme.BLUE, "width": lw}, "xaxis": "x2", "yaxis": "y2",
         "hovertemplate": "step %{x}<br>λ = %{y:.5g}<extra></extra>"},
        {"type": "scatter", "name": "λᴴ (Hessian)", "x": th, "y": sig_round(lam_h),
         "mode": "lines", "line": {"color": theme.VERMILLION, "width": lw, "dash": "dash"},
         "xaxis": "x2", "yaxis": "y2",
         "hovertemplate": "step %{x}<br>λᴴ = %{y:.5g}<extra></extra>"},
        _two_over_eta(eta, n - 1, lw),
    ]
    if paramspace is not None:
        pdf, plam = (np.asarray(v, dtype=float) for v in paramspace)
        m = min(pdf.size, plam.size)
        pt = np.arange(m, dtype=float)
        with np.errstate(all="ignore"):
            ploss = 0.5 * pdf[:m] ** 2
            ploss = np.where(ploss > 0, ploss, np.nan)
        pt1, ploss = series_xy(pt, ploss)
        pt2, plam = series_xy(pt, plam[:m])
        style = {"type": "scatter", "mode": "lines",
                 "line": {"color": theme.PARAMSPACE, "width": lw, "dash": "dash"}}
        # the key's entry short (the full label ran past the key's box and
        # the graph's edge); the hover names the width and the start
        data += [{**style, "name": f"{what}, weights", "x": x, "y": sig_round(y),
                  "xaxis": "x" + axis, "yaxis": "y" + axis,
                  "hovertemplate": f"{what}, {paramspace_label}<br>step %{{x}}<br>"
                                   f"{what} = %{{y:.5g}}<extra></extra>"}
                 for what, x, y, axis in (("loss", pt1, ploss, ""), ("λ", pt2, plam, "2"))]
    all_notes = list(notes)
    if traj.diverged:
        all_notes.append(f"diverged at step {traj.diverged_at}: shown up to the last finite state")
    xmax = shown_steps(traj)
    settled = None if traj.diverged else settled_step(traj)
    # read by the page (app/assets/player.js) to say which steps the series
    # shows after every draw: a zoom, the player's widening, a double-click
    meta = {"steps": int(n - 1), "settled": settled, "first": [0, float(xmax)]}
    layout = _series_layout(xmax, loss_full, all_notes, large, meta)
    return {"data": data, "layout": layout}


def _series_layout(xmax: float, loss, notes: Sequence[str], large: bool, meta: dict) -> dict:
    """The layout of the two panels (loss above λ) over steps 0…``xmax``;
    ``loss``: the values the loss axis' ticks are chosen for (its positive ones)."""
    layout = theme.base_layout(large)
    loss = np.asarray(loss, dtype=float)
    with np.errstate(invalid="ignore"):
        finite_loss = loss[np.isfinite(loss) & (loss > 0)]
    # at most four labels: the loss panel is short (half the column, less in large font)
    ticks = theme.log_ticks(float(finite_loss.min()), float(finite_loss.max()), max_ticks=4) \
        if finite_loss.size else {}
    layout.update({
        "xaxis": theme.axis("", large, anchor="y", matches="x2", showticklabels=False,
                            range=[0, xmax]),
        "yaxis": theme.axis("loss", large, type="log", domain=[0.54, 1.0],
                            **{"exponentformat": "power", **ticks}),
        "xaxis2": theme.axis("step", large, anchor="y2", range=[0, xmax]),
        "yaxis2": theme.axis("sharpness", large, domain=[0.0, 0.46], exponentformat="power"),
        # two entries a row above the loss panel, so the panels keep the height;
        # in large font in a smaller font, starting left of the plot area, over
        # the tick labels: half a 1280-pixel screen's plot area is narrower
        # than "λᴴ (Hessian)", and a diverged run's wide ticks (4×10¹⁷) narrow
        # it more (entries of a fixed width then stacked over the loss panel)
        # (a little above the loss panel: its top tick label reaches over its top)
        "legend": {**layout["legend"], "orientation": "h", "y": 1.03, "yref": "paper",
                   "yanchor": "bottom", "tracegroupgap": 0, "entrywidth": 0.5,
                   "entrywidthmode": "fraction",
                   **({"x": TS_LEGEND_X_LARGE, "font": {"size": TS_LEGEND_FONT_LARGE}}
                      if large else {"x": 0})},
        "margin": {**layout["margin"], "t": 60 if not large else 56, "r": 15},
        "annotations": [{**note_annotation(notes, large, TS_NOTE_LINE[large]), "x": 0.99,
                         "xanchor": "right",
                         "y": 0.44, "bordercolor": "#888888",
                         "font": {"size": theme.FONT_SIZE[large] - 1, "color": "#222222"}}]
        if notes else [],
        "meta": meta,
    })
    if large:
        # the panels can be short (a lesson card above them on a projector's
        # screen): smaller titles, so "sharpness" stays beside its own panel
        for key in ("yaxis", "yaxis2"):
            layout[key]["title"]["font"] = {"size": TS_TITLE_FONT_LARGE}
    return layout


def _two_over_eta(eta: float, last: float, lw: float) -> dict:
    """The 2/η line of the sharpness panel over steps 0…``last``."""
    return {"type": "scatter", "name": "2/η", "x": [0, max(last, 1)], "y": [2 / eta, 2 / eta],
            "mode": "lines", "line": {"color": theme.ETA_LINE, "width": lw, "dash": "dot"},
            "xaxis": "x2", "yaxis": "y2",
            "hovertemplate": f"2/η = {fmt_value(2 / eta)}<extra></extra>"}


def trace_timeseries(stored, eta: float, large: bool = False) -> dict:
    """The two panels with an imported trace alone (no trajectory selected):
    its loss, λ (and λᴴ) over its own steps beside the 2/η line of this η."""
    last = max(float(t[-1]) for t, _ in stored.series.values())
    loss = stored.series["loss"][1] if "loss" in stored.series else []
    layout = _series_layout(last, loss, [], large, {})
    fig = {"data": [_two_over_eta(eta, last, theme.LINE_WIDTH[large])], "layout": layout}
    return add_imported_timeseries(fig, stored, large)


def trajectory_csv(traj) -> str:
    """CSV text of a trajectory: step, Δf, λ, λ^H, loss, ηλ (full precision)."""
    lines = ["step,df,lam,lam_hessian,loss,eta_lam"]
    arr = np.column_stack([np.arange(traj.df.size), traj.df, traj.lam, traj.lam_h, traj.loss,
                           traj.eta_lam])
    for row in arr:
        lines.append(f"{int(row[0])}," + ",".join(repr(float(v)) for v in row[1:]))
    if traj.diverged:
        lines.append(f"# diverged at step {traj.diverged_at}")
    return "\n".join(lines) + "\n"


#: Colour of imported (measured) traces on the phase plane and the time series.
IMPORTED_COLOR = theme.GREEN


def _label(stored) -> str:
    return "imported: " + html.escape(stored.name, quote=False)


def imported_plane_traces(stored, window, large: bool = False) -> list:
    """Phase-plane traces of an imported trace (:class:`app.core.traces.StoredTrace`)."""
    (a, b), (c, d) = window
    step, df, lam = (np.asarray(v, dtype=float) for v in stored.plane)
    if stored.gap:
        step, df, lam = (np.insert(v, stored.gap, np.nan) for v in (step, df, lam))
    label = _label(stored)
    lw = theme.LINE_WIDTH[large]
    return [{
        "type": "scatter", "name": label, "mode": "lines+markers",
        "x": round_to_span(df, b - a, 6), "y": round_to_span(lam, d - c, 6),
        "customdata": step,
        "line": {"color": IMPORTED_COLOR, "width": lw, "dash": "dash"},
        "marker": {"symbol": "diamond", "size": 6 if not large else 9,
                   "color": IMPORTED_COLOR},
        "hovertemplate": f"{label}<br>step %{{customdata:.6g}}<br>Δf = %{{x:.5g}}<br>"
                         "λ = %{y:.5g}<extra></extra>",
        "legendgroup": "imported",
    }, {
        "type": "scatter", "name": f"{label} start", "mode": "markers",
        "x": [float(df[0])], "y": [float(lam[0])],
        "marker": {"symbol": "diamond", "size": 15 if not large else 20,
                   "color": IMPORTED_COLOR, "line": {"color": theme.BLACK, "width": 1}},
        "hovertemplate": f"{label}: first step<extra></extra>",
        "legendgroup": "imported", "showlegend": False,
    }]


def add_imported_timeseries(fig: dict, stored, large: bool = False) -> dict:
    """A copy of a time-series figure (:func:`app.figures.timeseries`) with an
    imported trace's loss, λ (and λᴴ) added and the step axes widened to hold
    its steps.  A figure without the two panels (a message) is returned as is.
    """
    layout = fig.get("layout", {})
    if "xaxis2" not in layout:
        return fig
    out = {"data": list(fig["data"]), "layout": copy.deepcopy(layout)}
    label = _label(stored)
    lw = theme.LINE_WIDTH[large]
    styles = {"loss": ("loss", "x", "y", "solid"), "lam": ("λ", "x2", "y2", "dash"),
              "lam_h": ("λᴴ", "x2", "y2", "dot")}
    top = 0.0
    for key, (what, xa, ya, dash) in styles.items():
        if key not in stored.series:
            continue
        t, v = stored.series[key]
        if key == "loss":
            v = np.where(v > 0, v, np.nan)
        top = max(top, float(t[-1]))
        out["data"].append({
            # the key's entry short (half the column: a file's name would be cut
            # there); the hover names the file
            "type": "scatter", "name": f"{what}, trace", "x": t, "y": v,
            "mode": "lines", "line": {"color": IMPORTED_COLOR, "width": lw, "dash": dash},
            # no legend group: a horizontal key stacks a group's entries in one
            # column, and the key then takes the loss panel's height
            "xaxis": xa, "yaxis": ya,
            "hovertemplate": f"{label}<br>step %{{x:.6g}}<br>{what} = %{{y:.5g}}<extra></extra>",
        })
    for axis in ("xaxis", "xaxis2"):
        rng = out["layout"][axis].get("range")
        if isinstance(rng, list) and len(rng) == 2 and top > rng[1]:
            out["layout"][axis]["range"] = [rng[0], top]
    meta = out["layout"].get("meta")
    if meta and "first" in meta:
        meta["first"] = list(out["layout"]["xaxis2"]["range"])
    return out


def with_refusal(fig: dict, df: float, lam: float, text: str, window, large: bool = False) -> dict:
    """A copy of a phase-plane figure with a refusal pinned at the clicked
    point (Δf, λ): an arrow from the reason to the point.  The reason sits
    centred across the plot (so it is never cut at a side), above the point
    in the lower half of the window and below it in the upper half; the next
    rendered figure no longer has it."""
    (a, b), (c, d) = window
    top = (lam - c) > 0.5 * (d - c)
    shift = 70 if not large else 90
    note = {
        "name": "refusal", "text": text, "x": df, "y": lam, "xref": "x", "yref": "y",
        "showarrow": True, "arrowhead": 2, "arrowwidth": 1.5, "arrowcolor": theme.VERMILLION,
        "axref": "x", "ax": 0.5 * (a + b), "ay": shift if top else -shift,
        "xanchor": "center", "yanchor": "top" if top else "bottom",
        "align": "center", "bgcolor": "rgba(255,255,255,0.95)", "bordercolor": theme.VERMILLION,
        "borderwidth": 2, "borderpad": 4,
        "font": {"size": theme.FONT_SIZE[large], "color": theme.VERMILLION},
    }
    layout = dict(fig["layout"])
    layout["annotations"] = [*layout.get("annotations", []), note]
    return {"data": fig["data"], "layout": layout}
