"""The "η_max map" view: the largest non-diverging learning rate per start.

For every start (Δf₀, λ₀) of a grid over the phase plane's window, η_max is
the largest η whose orbit survives the state's ``steps`` steps (spec §3,
Corollary 5.1: the edge of stability needs η_max > η_c), located by
:func:`uvcore.eta_max_scan`: a log scan of :data:`SCAN_POINTS` values over
[η_c/100, 10 η_c] and a bisection of all starts in lockstep.

This is a background job (:mod:`app.shell.jobs`): the request returns at once,
the bar shows progress, Cancel stops it.  :func:`eta_max_map` is the plain
computation and :func:`map_figure` the pure figure builder; tests call both.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from dash import Input, Output, State, dcc, html

import uvcore


from ...core import ids, theme
from ...shell import jobs
from ...core.state import ViewParams, fmt, from_query, parse_number
from ...core.figures import empty_figure
from ...core import compute as shared
from ...core.registry import View

log = logging.getLogger(__name__)

__all__ = ["EtaMaxMap", "eta_max_map", "map_figure", "run_job", "make_layout",
           "register_callbacks", "GRID_RANGE", "DEFAULT_GRID", "SCAN_POINTS", "MAX_WORK"]

#: Side of the grid of starts (input ``eta-max-grid``): range and default.
GRID_RANGE = (8, 120)
DEFAULT_GRID = 40
#: Log-spaced η values of the scan, over uvcore's SCAN_SPAN = [η_c/100, 10 η_c]
#: (η_c := 1 when y = 0).
SCAN_POINTS = 48
SCAN_SPAN = uvcore.sweeps.SCAN_SPAN
#: Relative width of the bisection bracket at the end.
RTOL = 1e-3
#: Most map steps of one job (starts × (scan + bisection) × steps): ≈ 30 s here.
MAX_WORK = 3e10


@dataclass(frozen=True)
class EtaMaxMap:
    """η_max over a grid of starts (NaN in forbidden cells).

    ``eta_max[i, j]`` belongs to (``df[j]``, ``lam[i]``); ``capped`` marks
    starts that survived the whole scan (η_max ≥ the scan's top) and
    ``below`` those that diverged at every scanned η (η_max < its bottom).
    """

    df: np.ndarray
    lam: np.ndarray
    eta_max: np.ndarray
    capped: np.ndarray
    below: np.ndarray
    eta_c: float
    scan: tuple
    steps: int


def _rounds() -> int:
    """Bisection rounds that shrink one scan step to RTOL (relative)."""
    return uvcore.sweeps.bisection_rounds(SCAN_SPAN[0], SCAN_SPAN[1], SCAN_POINTS, RTOL)


def work(grid: int, steps: int) -> float:
    """Most map steps of one job: starts × (scan + bisection rounds) × steps."""
    return float(grid) ** 2 * (SCAN_POINTS + _rounds()) * float(steps)


def eta_max_map(p: ViewParams, grid: int,
                progress: Callable[[int, int], None] | None = None) -> EtaMaxMap:
    """η_max (:func:`uvcore.eta_max_scan`) for a ``grid`` × ``grid`` set of
    starts over the state's window; forbidden cells are NaN.

    Raises UVInputError when the job is larger than :data:`MAX_WORK`.
    """
    grid = int(grid)
    steps = int(p.steps)
    if not GRID_RANGE[0] <= grid <= GRID_RANGE[1]:
        raise uvcore.UVInputError(f"grid must be in [{GRID_RANGE[0]}, {GRID_RANGE[1]}]")
    if work(grid, steps) > MAX_WORK:
        raise uvcore.UVInputError(
            f"too much work: {grid}² starts × {steps} steps is above the limit "
            f"{MAX_WORK:.0e} map steps; lower the grid or the steps")
    (a, b), (c, d) = p.plot_window
    df = np.linspace(a, b, grid)
    lam = np.linspace(max(c, 0.0), d, grid + 1)[1:]           # λ > 0 only
    params = shared.map_params(*p.map_key)
    D, L = np.meshgrid(df, lam)
    ok = ~np.asarray(params.forbidden(D, L), dtype=bool)
    lo_eta, hi_eta = uvcore.sweeps.default_eta_scan(p.n_eff, p.x_norm, p.y)
    r = uvcore.eta_max_scan(D[ok], L[ok], n_eff=p.n_eff, x_norm=p.x_norm, y=p.y,
                            eta_lo=lo_eta, eta_hi=hi_eta, num=SCAN_POINTS, steps=steps,
                            rtol=RTOL, progress=progress)
    out = np.full(D.shape, np.nan)
    out[ok] = r.lo
    cap = np.zeros(D.shape, dtype=bool)
    cap[ok] = r.capped
    bel = np.zeros(D.shape, dtype=bool)
    bel[ok] = r.below
    return EtaMaxMap(df, lam, out, cap, bel, p.eta_c, r.scan, steps)


def _sig(a: np.ndarray, digits: int = 4) -> list:
    """Values rounded to ``digits`` significant digits, None for NaN (small JSON)."""
    out = []
    for row in np.atleast_2d(a):
        out.append([None if not math.isfinite(v) else float(f"{v:.{digits}g}") for v in row])
    return out


def map_figure(m: EtaMaxMap, p: ViewParams) -> dict:
    """Heatmap of log10 η_max with the η_c contour and the state's starts."""
    large = p.large
    z = np.log10(np.where(m.eta_max > 0, m.eta_max, np.nan))
    data = [{
        "type": "heatmap", "name": "η_max",
        "x": _sig(m.df, 6)[0], "y": _sig(m.lam, 6)[0], "z": _sig(z),
        "customdata": _sig(m.eta_max),
        "colorscale": "Viridis", "zsmooth": False,
        "colorbar": {"title": {"text": "log₁₀ η_max"}},
        "hovertemplate": "Δf₀ = %{x:.4g}<br>λ₀ = %{y:.4g}<br>η_max = %{customdata:.4g}"
                         "<extra></extra>",
    }]
    if math.isfinite(m.eta_c) and np.isfinite(z).any():
        level = math.log10(m.eta_c)
        data.append({
            "type": "contour", "name": "η_max = η_c", "showlegend": True, "showscale": False,
            "x": data[0]["x"], "y": data[0]["y"], "z": data[0]["z"],
            "contours": {"start": level, "end": level, "size": 1, "coloring": "lines"},
            "line": {"color": theme.BLACK, "width": theme.LINE_WIDTH[large], "dash": "dash"},
            "hoverinfo": "skip",
        })
    starts = shared.resolved_starts(p)
    if starts:
        data.append({
            "type": "scatter", "mode": "markers", "name": "trajectory starts",
            "x": [s[0] for s in starts], "y": [s[1] for s in starts],
            "marker": {"symbol": "x", "size": 11, "color": theme.VERMILLION},
        })
    lay = theme.base_layout(large)
    lay.update({
        "title": {"text": f"η_max per start ({m.steps} steps; scan "
                          f"{m.scan[0]:.3g} … {m.scan[1]:.3g})"},
        "xaxis": theme.axis("Δf₀", large),
        "yaxis": theme.axis("λ₀", large),
        "legend": {**lay["legend"], "x": 0.01, "y": 0.99},
    })
    return {"data": data, "layout": lay}


def summary(m: EtaMaxMap, p: ViewParams) -> str:
    ok = np.isfinite(m.eta_max)
    cells = int(ok.sum() + m.below.sum())
    if not cells:
        return "Every start of the window is in the forbidden region."
    parts = [f"{cells} starts; η_max from {np.nanmin(m.eta_max):.4g} to "
             f"{np.nanmax(m.eta_max):.4g}" if ok.any() else f"{cells} starts"]
    if math.isfinite(m.eta_c):
        frac = float(np.mean(m.eta_max[ok] > m.eta_c)) if ok.any() else 0.0
        parts.append(f"η_c = {m.eta_c:.4g}: η_max > η_c (edge of stability reachable) for "
                     f"{100 * frac:.0f} % of them")
    if m.capped.any():
        parts.append(f"{int(m.capped.sum())} survive the whole scan (η_max ≥ {m.scan[1]:.3g})")
    if m.below.any():
        parts.append(f"{int(m.below.sum())} diverge at every scanned η "
                     f"(η_max < {m.scan[0]:.3g})")
    parts.append(f"current η = {fmt(p.eta)}")
    return "; ".join(parts) + "."


def parse_grid(raw: Any) -> tuple[int | None, str | None]:
    v, err = parse_number("grid", raw)
    if err:
        return None, err
    if not GRID_RANGE[0] <= v <= GRID_RANGE[1]:
        return None, f"grid must be between {GRID_RANGE[0]} and {GRID_RANGE[1]}"
    return int(round(v)), None


def run_job(set_progress: Callable | None, n_clicks: Any, state: Any,
            grid_raw: Any) -> tuple[dict, str]:
    """The background job: (figure, summary).  Never raises."""
    try:
        p = from_query(state).params
        grid, err = parse_grid(grid_raw)
        if err:
            return empty_figure(f"⚠ {err}", p.large), f"⚠ {err}"

        def progress(done: int, total: int) -> None:
            if set_progress is not None:
                set_progress((str(done), str(total)))

        m = eta_max_map(p, grid, progress)
        return map_figure(m, p), summary(m, p)
    except uvcore.UVInputError as exc:
        return empty_figure(f"⚠ {exc}"), f"⚠ {exc}"
    except Exception:  # noqa: BLE001 — the job must always answer
        log.exception("eta_max job failed")
        msg = "Internal error while computing the η_max map (logged on the server)."
        return empty_figure(msg), msg


# -- layout and callbacks ----------------------------------------------------------

def make_layout() -> html.Div:
    return html.Div(className="eta-max-view", children=[
        html.P(className="hint", children=(
            "η_max is the largest learning rate whose orbit from a start (Δf₀, λ₀) survives "
            "the chosen number of steps. The edge of stability needs η_max > η_c (dashed "
            "contour). The map covers the phase plane's current window; it runs in the "
            "background and can be cancelled.")),
        html.Div(className="control-row", children=[
            html.Label("grid", htmlFor=ids.ETA_MAX_GRID, className="control-label"),
            dcc.Input(id=ids.ETA_MAX_GRID, type="number", value=DEFAULT_GRID,
                      min=GRID_RANGE[0], max=GRID_RANGE[1], step=1, debounce=True,
                      className="control-input"),
            html.Button("Compute η_max map", id=ids.ETA_MAX_RUN, n_clicks=0, className="btn"),
            html.Button("Cancel", id=ids.ETA_MAX_CANCEL, n_clicks=0, className="btn",
                        disabled=True),
            html.Progress(id=ids.ETA_MAX_PROGRESS, value="0", max="1"),
        ]),
        dcc.Graph(id=ids.ETA_MAX_GRAPH, className="graph",
                  config=theme.graph_config("eta-max-map"),
                  figure=empty_figure("Press “Compute η_max map”.")),
        html.Div(id=ids.ETA_MAX_SUMMARY, className="summary", role="status"),
    ])




def register_callbacks(app) -> None:
    @app.callback(
        Output(ids.ETA_MAX_GRAPH, "figure"), Output(ids.ETA_MAX_SUMMARY, "children"),
        Input(ids.ETA_MAX_RUN, "n_clicks"),
        State(ids.STATE, "data"), State(ids.ETA_MAX_GRID, "value"),
        prevent_initial_call=True,
        **jobs.background_kwargs(
            progress=[Output(ids.ETA_MAX_PROGRESS, "value"),
                      Output(ids.ETA_MAX_PROGRESS, "max")],
            cancel=[Input(ids.ETA_MAX_CANCEL, "n_clicks")],
            running=[(Output(ids.ETA_MAX_RUN, "disabled"), True, False),
                     (Output(ids.ETA_MAX_CANCEL, "disabled"), False, True)],
            failure=(ids.ETA_MAX_SUMMARY, "children")),
    )
    def _eta_max_job(set_progress, n_clicks, state, grid_raw):
        return run_job(set_progress, n_clicks, state, grid_raw)


VIEW = View("η_max map", "eta-max-tab", make_layout, register_callbacks,
            order=60)
