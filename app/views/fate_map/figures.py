"""Pure figure builders of the fate-map view (plain dicts).

No Dash imports.  Colours come from :mod:`app.core.theme` (Okabe–Ito, safe for the
common forms of colour blindness); trajectories are drawn exactly as on the
phase plane (:mod:`app.core.figures`), over a white halo so they stay visible on
every category colour.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from uvcore.outcomes import KIND_NAMES, Kind, classify

from ...core import theme
from ...core.figures import (discrete_colorscale, legend_dummy, note_annotation,
                             round_to_span, trajectory_notes, trajectory_traces)

__all__ = ["FATE_CATEGORIES", "fate_categories", "fate_figure",
           "fate_counts", "fate_summary", "fate_csv"]

#: Categories of a fate map, in colour-scale order: (key, legend label, colour).
#: A category per kind of uvcore.outcomes.classify, periodic ones split by period.
FATE_CATEGORIES = (
    ("forbidden", "forbidden (no weights)", theme.FORBIDDEN_FILL),
    ("diverged", "diverged", theme.BLACK),
    ("stalled", "stalled (fixed point off line I)", theme.PURPLE),
    ("converged", "converged (line I)", theme.GREEN),
    ("period-2", "EoS period 2", theme.SKY_BLUE),
    ("period-4", "EoS period 4", theme.BLUE),
    ("period-k", "EoS, other period", theme.ORANGE),
    ("chaotic", "chaotic (Λ > 0)", theme.VERMILLION),
    ("aperiodic", "aperiodic (Λ ≈ 0)", theme.YELLOW),
)
_INDEX = {key: i for i, (key, _, _) in enumerate(FATE_CATEGORIES)}


#: Category of each kind (periodic: "period-k" unless the period is 2 or 4).
_KIND_CATEGORY = {Kind.FORBIDDEN: "forbidden", Kind.DIVERGED: "diverged",
                  Kind.STALLED: "stalled", Kind.CONVERGED: "converged",
                  Kind.PERIODIC: "period-k", Kind.CHAOTIC: "chaotic",
                  Kind.APERIODIC: "aperiodic"}
_KIND_INDEX = np.array([_INDEX[_KIND_CATEGORY[k]] for k in Kind], dtype=np.int8)


def fate_categories(period: np.ndarray, lyapunov: np.ndarray, chaos_tol: float) -> np.ndarray:
    """Category index (into :data:`FATE_CATEGORIES`) of every cell, int8."""
    period = np.asarray(period)
    kind = classify(period, lyapunov, chaos_tol)
    out = _KIND_INDEX[kind]
    periodic = kind == Kind.PERIODIC
    out[periodic & (period == 2)] = _INDEX["period-2"]
    out[periodic & (period == 4)] = _INDEX["period-4"]
    return out


#: Words of each category in hover texts (EoS ones add "period k"); never a
#: period code (converged and stalled are fixed points, chaotic and aperiodic
#: orbits have no period).
_HOVER_KIND = {"forbidden": "forbidden", "diverged": "diverged",
               "stalled": "stalled at a fixed point off line I",
               "converged": "converged to line I", "period-2": "EoS", "period-4": "EoS",
               "period-k": "EoS", "chaotic": "chaotic", "aperiodic": "aperiodic"}
_EOS = {_INDEX["period-2"], _INDEX["period-4"], _INDEX["period-k"]}


def _cell_text(cat: np.ndarray, period: np.ndarray, lyap: np.ndarray) -> list:
    """Hover text of every cell: what the start does, its period on the EoS and
    its Lyapunov exponent (kept short: the text is most of the figure's payload)."""
    kinds = [_HOVER_KIND[key] for key, _, _ in FATE_CATEGORIES]
    forbidden = _INDEX["forbidden"]
    rows = []
    for crow, prow, lrow in zip(cat.tolist(), period.tolist(), lyap.tolist()):
        row = []
        for c, k, ly in zip(crow, prow, lrow):
            if c == forbidden:              # a gap of the allowed cells: never shown
                row.append("")
                continue
            text = kinds[c]
            if c in _EOS:
                text += f", period {k}"
            if ly == ly:                                    # not NaN
                text += f"<br>Lyapunov Λ = {ly:.3g}"
            row.append(text)
        rows.append(row)
    return rows


def fate_counts(cat: np.ndarray) -> dict:
    """Number of cells per category key (categories with no cell are left out)."""
    counts = np.bincount(np.asarray(cat, dtype=np.int64).ravel(), minlength=len(FATE_CATEGORIES))
    return {key: int(n) for (key, _, _), n in zip(FATE_CATEGORIES, counts) if n}


def fate_summary(cat: np.ndarray, grid: int, steps: int) -> str:
    """One line: the share of the allowed starts in each category."""
    counts = fate_counts(cat)
    allowed = sum(n for k, n in counts.items() if k != "forbidden")
    head = f"{grid}×{grid} starts, {steps} steps each"
    if not allowed:
        return head + ": every start of this window is forbidden."
    labels = {key: label for key, label, _ in FATE_CATEGORIES}
    parts = [f"{labels[k]} {100.0 * n / allowed:.3g}%"
             for k, n in sorted(counts.items(), key=lambda kv: -kv[1]) if k != "forbidden"]
    return head + " — of the allowed starts: " + ", ".join(parts) + "."


#: Hover text of the cells a click starts a trajectory from, and of the
#: forbidden cells (the phase plane refuses those starts).
_HOVER_ALLOWED = ("start Δf₀ = %{x:.4g}, λ₀ = %{y:.4g}<br>%{text}"
                  "<br>click: start a trajectory here<extra></extra>")
_HOVER_FORBIDDEN = ("start Δf₀ = %{x:.4g}, λ₀ = %{y:.4g}<br>forbidden: no weights give this "
                    "start<br>a click here is refused<extra></extra>")


def _masked(cat: np.ndarray, keep: np.ndarray) -> list:
    """Category indices where ``keep``, None (a gap: not drawn, no hover) elsewhere."""
    return [[c if k else None for c, k in zip(crow, krow)]
            for crow, krow in zip(cat.tolist(), keep.tolist())]


def _heatmap(name: str, x, y, z: list, text, hover: str) -> dict:
    """One categorical heatmap of the map's cells; None cells are gaps."""
    n = len(FATE_CATEGORIES)
    out = {"type": "heatmap", "name": name, "x": x, "y": y, "z": z,
           "zmin": -0.5, "zmax": n - 0.5, "zsmooth": False, "hoverongaps": False,
           "colorscale": discrete_colorscale([color for _, _, color in FATE_CATEGORIES]),
           "showscale": False, "hovertemplate": hover, "showlegend": False}
    if text is not None:
        out["text"] = text
    return out


def _halo(trace: dict, large: bool) -> dict:
    """A white copy under a trajectory line, so it reads on any category colour."""
    width = trace.get("line", {}).get("width", theme.LINE_WIDTH[large]) + 3.0
    return {"type": "scatter", "mode": "lines", "x": trace["x"], "y": trace["y"],
            "line": {"color": "white", "width": width}, "hoverinfo": "skip",
            "showlegend": False, "name": "halo", "legendgroup": trace.get("legendgroup")}


def fate_figure(fm, window, *, steps: int, chaos_tol: float, trajectories: Sequence = (),
                large: bool = False) -> dict:
    """The fate map as a categorical heatmap with a legend and trajectories on top.

    The allowed and the forbidden cells are two heatmaps (each with gaps
    where the other has cells), so that each hover text tells what a click
    does there: start a trajectory, or be refused.

    Parameters
    ----------
    fm : uvcore.FateMap (``df``, ``lam`` cell centres; ``period``, ``lyapunov``)
    window : ((Δf_lo, Δf_hi), (λ_lo, λ_hi)) shown
    steps : steps each start ran
    chaos_tol : uvcore.CHAOS_TOL (exponent above which "not periodic" is chaotic)
    trajectories : ((Δf₀, λ₀), uvcore.Trajectory or None) pairs, oldest first
    """
    (a, b), (c, d) = window
    cat = fate_categories(fm.period, fm.lyapunov, chaos_tol)
    lyap = np.round(np.asarray(fm.lyapunov, dtype=float), 4)
    x, y = round_to_span(fm.df, b - a, 6), round_to_span(fm.lam, d - c, 6)
    forbidden = cat == _INDEX["forbidden"]
    text = _cell_text(cat, np.asarray(fm.period), lyap)
    data: list[dict] = [_heatmap("fate", x, y, _masked(cat, ~forbidden),
                                 [[t if not f else "" for t, f in zip(trow, frow)]
                                  for trow, frow in zip(text, forbidden.tolist())],
                                 _HOVER_ALLOWED)]
    if forbidden.any():
        # a separate trace, so that its hover text can say that a click is refused
        data.append(_heatmap("forbidden starts", x, y, _masked(cat, forbidden), None,
                             _HOVER_FORBIDDEN))
    present = fate_counts(cat)
    data += [legend_dummy(label, color, "fate")
             for key, label, color in FATE_CATEGORIES if key in present]
    traj_notes = []
    count = len(trajectories)
    for i, (start, traj) in enumerate(trajectories):
        if traj is None:
            continue
        traces, note = trajectory_traces(i, start, traj, window, i == count - 1, large)
        data += [_halo(traces[0], large)] + traces
        if note:
            traj_notes.append(note)
    notes = trajectory_notes(traj_notes)
    params = fm.params
    layout = theme.base_layout(large)
    layout.update({
        "xaxis": theme.axis("Δf₀ = f₀ − y (start)", large, range=[a, b], autorange=False),
        "yaxis": theme.axis("λ₀ (start)", large, range=[c, d], autorange=False),
        "uirevision": f"fate|{a}|{b}|{c}|{d}",
        "dragmode": False,
        # a key of one or two lines under the map, in small type
        "legend": {**layout["legend"], "orientation": "h", "x": 0.0, "xanchor": "left",
                   "yref": "container", "y": 0.0, "yanchor": "bottom", "tracegroupgap": 0,
                   "itemwidth": 30,
                   "font": {"size": theme.FONT_SIZE[large] - (4 if large else 2)}},
        "margin": {**layout["margin"], "r": 10},
        "title": {"text": (f"Fate of every start after {steps} steps: η = "
                           f"{params.eta:.4g}, n_eff = {params.n_eff:.4g}, ‖x‖ = "
                           f"{params.x_norm:.4g}, y = {params.y:.4g}"),
                  "x": 0.01, "xanchor": "left",
                  "font": {"size": theme.FONT_SIZE[large] - (2 if large else 0)}},
        "annotations": [note_annotation(notes, large)] if notes else [],
    })
    return {"data": data, "layout": layout}


def fate_csv(fm, *, steps: int, chaos_tol: float) -> str:
    """CSV of a fate map: one row per start (full precision).

    Columns ``df0, lam0, kind, period, lyapunov``: ``period`` is uvcore's
    code (−3 stalled, −2 forbidden, −1 diverged, 0 not periodic, 1 converged,
    k periodic), ``kind`` its name (chaotic if not periodic and Lyapunov >
    CHAOS_TOL), ``lyapunov`` empty where undefined.  A last comment line
    records the parameters.
    """
    kinds = [KIND_NAMES[k] for k in Kind]
    cat = classify(fm.period, fm.lyapunov, chaos_tol)
    lines = ["df0,lam0,kind,period,lyapunov"]
    dfs = [repr(float(v)) for v in fm.df]
    for i, lam in enumerate(np.asarray(fm.lam, dtype=float).tolist()):
        lam_s = repr(lam)
        for j, (c, k, ly) in enumerate(zip(cat[i].tolist(), fm.period[i].tolist(),
                                           fm.lyapunov[i].tolist())):
            lines.append(f"{dfs[j]},{lam_s},{kinds[c]},{k},"
                         f"{repr(float(ly)) if math.isfinite(ly) else ''}")
    p = fm.params
    lines.append(f"# eta={p.eta!r}, n_eff={p.n_eff!r}, x_norm={p.x_norm!r}, y={p.y!r}, "
                 f"steps={int(steps)}, grid={len(fm.df)}x{len(fm.lam)}")
    return "\n".join(lines) + "\n"
