"""The "Fate map" view: the outcome of every start of the phase plane's window.

At the current η, every start (Δf₀, λ₀) of a grid over the phase plane's
visible window runs ``steps`` GD steps (:func:`uvcore.fate_map`) and is
classified: converged, stalled, EoS period k, chaotic, aperiodic, diverged or
forbidden.  The map is a categorical heatmap (:mod:`app.figures_fate`) with
the state's trajectories on top; clicking it starts a trajectory there (the
phase plane's rule: refused in the forbidden region, with a message).

* The interactive map is :data:`GRID` × :data:`GRID` (≈ 30 ms at 1000 steps)
  and is computed only while its tab is open.
* "Fine fate map" computes :data:`FINE_GRID` × :data:`FINE_GRID` as a
  background job (:mod:`app.shell.jobs`) in :data:`BANDS` bands of rows, with a
  progress bar and a Cancel button.
* "Download CSV" saves the map shown (one row per start, see
  :func:`app.figures_fate.fate_csv`).

A click adds the start to the state and writes it to the URL (a history
entry), which the phase-plane callback reads like an opened link.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable

from dash import Input, Output, State, dcc, html, no_update
from plotly.io.json import to_json_plotly

import uvcore
from . import figures as figures_fate
from ...core import ids, theme
from ...shell import jobs, memo
from ...core.state import ViewParams, from_query, parse_number, point_from_click, to_query
from ...core.figures import empty_figure
from ...core import compute as shared
from ...core.registry import View

log = logging.getLogger(__name__)

__all__ = ["GRID", "FINE_GRID", "STEPS_OPTIONS", "DEFAULT_STEPS", "BANDS", "fate_grid",
           "fate_map_banded", "fate_view", "fate_click", "fate_download", "run_fine_job",
           "make_layout", "register_callbacks"]

#: Side of the interactive map and of the fine (background) map.
GRID = 80
FINE_GRID = 300
#: GD steps run from every start (radio items ``fate-steps``).
STEPS_OPTIONS = (1000, 5000, 20000)
DEFAULT_STEPS = 1000
#: Bands of rows of the fine map (one progress update each).
BANDS = 20


def parse_steps(raw: Any) -> tuple[int | None, str | None]:
    v, err = parse_number("fate-map steps", raw)
    if err:
        return None, err
    if int(v) != v or int(v) not in STEPS_OPTIONS:
        return None, f"fate-map steps must be one of {', '.join(map(str, STEPS_OPTIONS))}"
    return int(v), None


def _window(p: ViewParams) -> tuple:
    (a, b), (c, d) = p.plot_window
    return (a, b), (c, d)


@memo.memoize
def fate_grid(eta, n_eff, x_norm, y, window, grid, steps) -> uvcore.FateMap:
    """Memoized :func:`uvcore.fate_map` over ``window`` ((Δf_lo, Δf_hi), (λ_lo, λ_hi))."""
    return uvcore.fate_map(shared.map_params(eta, n_eff, x_norm, y), *window, grid, steps)


def fate_map_banded(params: uvcore.MapParams, window, grid: int, steps: int,
                    progress: Callable[[int, int], None] | None = None,
                    bands: int = BANDS) -> uvcore.FateMap:
    """:func:`uvcore.fate_map` over ``window``, computed in ``bands`` bands of
    rows with ``progress(done, total)`` after each (the same map as unbanded)."""
    return uvcore.fate_map(params, *window, grid, steps, bands=bands, progress=progress)


def _trajectories(p: ViewParams) -> list:
    return [(t.start, t.traj) for t in
            (shared.trajectory(*p.map_key, d0, l0, p.steps) for d0, l0 in
             shared.resolved_starts(p))]


def _figure(fm: uvcore.FateMap, p: ViewParams, steps: int) -> tuple[dict, str]:
    fig = figures_fate.fate_figure(fm, _window(p), steps=steps, chaos_tol=uvcore.CHAOS_TOL,
                                   trajectories=_trajectories(p), large=p.large)
    cat = figures_fate.fate_categories(fm.period, fm.lyapunov, uvcore.CHAOS_TOL)
    return fig, figures_fate.fate_summary(cat, fm.df.size, steps)


def fate_view(state: Any, steps_raw: Any, tab: Any = ids.FATE_TAB, shown: Any = None) -> dict:
    """The interactive map: outputs ``figure``, ``status``, ``shown``.  Never raises.

    Nothing is computed (or sent) while another tab is open, nor when a map
    of the same state and steps is already shown (e.g. the fine map, or on
    coming back to the tab).
    """
    nothing = {"figure": no_update, "status": no_update, "shown": no_update}
    try:
        if tab != ids.FATE_TAB:
            return nothing
        p = from_query(state).params
        steps, err = parse_steps(steps_raw)
        if err:
            return {**nothing, "status": "⚠ " + err}
        query = to_query(p)
        if shown in ({"state": query, "grid": g, "steps": steps} for g in (GRID, FINE_GRID)):
            return nothing
        fm = fate_grid(*p.map_key, _window(p), GRID, steps)
        fig, text = _figure(fm, p, steps)
        return {"figure": fig, "status": text,
                "shown": {"state": query, "grid": GRID, "steps": steps}}
    except uvcore.UVInputError as exc:
        return {**nothing, "status": f"⚠ {exc}"}
    except Exception:  # noqa: BLE001
        log.exception("fate map failed")
        return {**nothing, "status": "Internal error while computing the fate map "
                                     "(logged on the server)."}


def fate_click(click: Any, state: Any) -> dict:
    """A click on the map: outputs ``search`` (new URL) and ``status``.  Never raises."""
    try:
        p = from_query(state).params
        point, err = point_from_click(click)
        if err:
            return {"search": no_update, "status": "⚠ " + err}
        df, lam = point
        refused = shared.forbidden_start_message(p, df, lam)
        if refused:
            return {"search": no_update, "status": refused}
        q = to_query(p.with_starts(shared.resolved_starts(p) + ((df, lam),)))
        return {"search": "?" + q,
                "status": f"Trajectory started at Δf₀ = {df:.4g}, λ₀ = {lam:.4g}."}
    except Exception:  # noqa: BLE001
        log.exception("fate click failed")
        return {"search": no_update, "status": "Internal error (logged on the server)."}


def _shown_map(shown: Any) -> tuple[uvcore.FateMap, int] | None:
    """The map a ``fate-shown`` store describes (recomputed, memoized), or None."""
    if not isinstance(shown, dict) or shown.get("grid") not in (GRID, FINE_GRID):
        return None
    steps, err = parse_steps(shown.get("steps"))
    if err:
        return None
    p = from_query(shown.get("state")).params
    return fate_grid(*p.map_key, _window(p), int(shown["grid"]), steps), steps


def fate_download(n_clicks: Any, shown: Any):
    """dcc.Download data: the CSV of the map shown (no_update if there is none)."""
    if not isinstance(n_clicks, int) or isinstance(n_clicks, bool) or n_clicks < 1:
        return no_update
    try:
        got = _shown_map(shown)
        if got is None:
            return no_update
        fm, steps = got
        return {"content": figures_fate.fate_csv(fm, steps=steps, chaos_tol=uvcore.CHAOS_TOL),
                "filename": "fate-map.csv", "type": "text/csv", "base64": False}
    except Exception:  # noqa: BLE001
        log.exception("fate-map CSV failed")
        return no_update


def run_fine_job(set_progress: Callable | None, n_clicks: Any, state: Any,
                 steps_raw: Any) -> tuple:
    """The background job: (figure, status, shown), all JSON.  Never raises.

    On a problem the map is replaced by the message (a job's answer is stored
    as JSON by Celery, so no ``no_update``) and ``shown`` by None.
    """
    try:
        p = from_query(state).params
        steps, err = parse_steps(steps_raw)
        if err:
            return _failed("⚠ " + err)

        def progress(done: int, total: int) -> None:
            if set_progress is not None:
                set_progress((str(done), str(total)))

        params = shared.map_params(*p.map_key)
        fm = fate_map_banded(params, _window(p), FINE_GRID, steps, progress)
        fig, text = _figure(fm, p, steps)
        return (json.loads(to_json_plotly(fig)), text,
                {"state": to_query(p), "grid": FINE_GRID, "steps": steps})
    except uvcore.UVInputError as exc:
        return _failed(f"⚠ {exc}")
    except Exception:  # noqa: BLE001 — the job must always answer
        log.exception("fine fate map failed")
        return _failed("Internal error while computing the fine fate map (logged on the "
                       "server).")


def _failed(message: str) -> tuple:
    return empty_figure(message), message, None


# -- layout and callbacks ------------------------------------------------------------

def make_layout() -> html.Div:
    return html.Div(className="fate-view", children=[
        html.Div(className="fate-toolbar", children=[
            html.Label("steps per start", htmlFor=ids.FATE_STEPS, className="toolbar-label"),
            dcc.RadioItems(id=ids.FATE_STEPS, value=DEFAULT_STEPS, inline=True,
                           className="toggle",
                           options=[{"label": f"{s:,}".replace(",", " "), "value": s}
                                    for s in STEPS_OPTIONS]),
            html.Button(f"Fine map ({FINE_GRID}×{FINE_GRID})", id=ids.FATE_FINE,
                        n_clicks=0, className="btn",
                        title="compute a finer map in the background"),
            html.Button("Cancel", id=ids.FATE_FINE_CANCEL, n_clicks=0, className="btn",
                        disabled=True),
            html.Progress(id=ids.FATE_FINE_PROGRESS, value="0", max="1"),
            html.Button("Download CSV", id=ids.FATE_DOWNLOAD_CSV, n_clicks=0, className="btn",
                        title="the fate map shown: one row per start"),
        ]),
        dcc.Graph(id=ids.FATE_MAP, className="graph fate-graph",
                  config=theme.graph_config("fate-map"), responsive=True,
                  figure=empty_figure("Computing the fate map…")),
        html.Div(id=ids.FATE_STATUS, className="summary", role="status",
                 **{"aria-live": "polite"}),
        html.P(className="hint", children=(
            "Each cell is a start (Δf₀, λ₀) of the phase plane's current window, run for the "
            "chosen number of steps at the current η: where does training end up? Click a "
            "cell to start a trajectory there; zoom on the phase plane to zoom here.")),
        dcc.Store(id=ids.FATE_SHOWN),
        dcc.Download(id=ids.FATE_DOWNLOAD),
    ])




def register_callbacks(app) -> None:
    @app.callback(
        output={"figure": Output(ids.FATE_MAP, "figure"),
                "status": Output(ids.FATE_STATUS, "children"),
                "shown": Output(ids.FATE_SHOWN, "data")},
        inputs={"state": Input(ids.STATE, "data"), "steps": Input(ids.FATE_STEPS, "value"),
                "tab": Input(ids.VIEW_TABS, "value"), "shown": State(ids.FATE_SHOWN, "data")})
    def _fate(state, steps, tab, shown):
        return fate_view(state, steps, tab, shown)

    @app.callback(
        output={"search": Output(ids.URL, "search", allow_duplicate=True),
                "status": Output(ids.FATE_STATUS, "children", allow_duplicate=True)},
        inputs={"click": Input(ids.FATE_MAP, "clickData"), "state": State(ids.STATE, "data")},
        prevent_initial_call=True)
    def _click(click, state):
        return fate_click(click, state)

    @app.callback(Output(ids.FATE_DOWNLOAD, "data"), Input(ids.FATE_DOWNLOAD_CSV, "n_clicks"),
                  State(ids.FATE_SHOWN, "data"), prevent_initial_call=True)
    def _download(n_clicks, shown):
        return fate_download(n_clicks, shown)

    @app.callback(
        Output(ids.FATE_MAP, "figure", allow_duplicate=True),
        Output(ids.FATE_STATUS, "children", allow_duplicate=True),
        Output(ids.FATE_SHOWN, "data", allow_duplicate=True),
        Input(ids.FATE_FINE, "n_clicks"),
        State(ids.STATE, "data"), State(ids.FATE_STEPS, "value"),
        prevent_initial_call=True,
        **jobs.background_kwargs(
            progress=[Output(ids.FATE_FINE_PROGRESS, "value"),
                      Output(ids.FATE_FINE_PROGRESS, "max")],
            cancel=[Input(ids.FATE_FINE_CANCEL, "n_clicks")],
            running=[(Output(ids.FATE_FINE, "disabled"), True, False),
                     (Output(ids.FATE_FINE_CANCEL, "disabled"), False, True)],
            failure=(ids.FATE_STATUS, "children")),
    )
    def _fine(set_progress, n_clicks, state, steps):
        return run_fine_job(set_progress, n_clicks, state, steps)


VIEW = View("Fate map", ids.FATE_TAB, make_layout, register_callbacks,
            order=20)
