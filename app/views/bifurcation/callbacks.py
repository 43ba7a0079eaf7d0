"""Callbacks of the Bifurcation view and the plain functions they call.

Each function parses what the browser sent (the core's store ``state``, the
options, this view's window store, a filtered zoom or click), calls the
engine (:mod:`.compute`) and the figures, and never raises: bad input is a
message, and an unforeseen error is logged and answered by
:func:`app.core.guard.guarded`.

A click on the diagram, the outcome strip or a guide sends the intent
"set η" to the phase plane (:mod:`app.core.intents`), which applies it as
the user's own change; the store ``state`` then brings the new η back here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from dash import ClientsideFunction, Input, Output, State, no_update

import uvcore

from ...core import compute as shared
from ...core import guard, ids, intents
from ...core.events import click_to_eta
from ...core.figures import empty_figure, fmt_value
from ...core.state import ViewParams, from_query
from ...shell import jobs
from . import compute
from . import figures as fb
from .cobweb import cobweb_figure
from .compute import NUM, TRANSIENT, GUIDE_LEVELS, Diagram
from .window import (default_window, fine_shown, mark_fine, store_data, stored_window,
                     stored_y_ranges, window_from_relayout, y_ranges_from_relayout)

__all__ = ["QUANTITIES", "EOS_STARTS", "OUTPUTS", "Setup", "selected_start", "eos_start_lam",
           "setup", "diagrams", "update_bifurcation", "update_cobweb", "click_intent",
           "download_csv", "fine_job", "register_callbacks"]

QUANTITIES = ("lam", "eta-lam")
EOS_STARTS = ("half-c", "start")

#: Output names of :func:`update_bifurcation` (keys of the dict it returns).
OUTPUTS = ("figure", "window", "message")


# -- parsing -----------------------------------------------------------------------------------

def selected_start(p: ViewParams) -> tuple[tuple[float, float], str]:
    """(Δf₀, λ₀) of the selected (latest) trajectory, or uvcore.default_start."""
    starts = shared.resolved_starts(p)
    if starts:
        label = "default start" if p.starts is None else "selected start"
        return (float(starts[-1][0]), float(starts[-1][1])), label
    d0, l0 = uvcore.default_start(shared.map_params(*p.map_key))
    return (float(d0), float(l0)), "default start"


def eos_start_lam(p: ViewParams, mode: str, start_lam: float) -> tuple[float, str, list]:
    """λ₀ of the EoS-map start (z₀ = ηλ₀/2), its label and notes.

    ``"half-c"``: z₀ = c/2 at every η (λ₀ = ‖x‖|y|/√n_eff); ``"start"``: the
    selected start's λ₀ (its projection onto the edge at the same λ).
    """
    if mode == "half-c" and p.y != 0:
        return shared.map_params(*p.map_key).lam_half_c, "z₀ = c/2", []
    notes = ["y = 0 (c = 0): the EoS map starts from the selected start's λ₀"] \
        if mode == "half-c" else []
    return start_lam, "z₀ = ηλ₀/2 (selected start)", notes


def _option(value: Any, allowed: tuple, default: str) -> str:
    return value if isinstance(value, str) and value in allowed else default


def _guides_on(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and "guides" in value


@dataclass(frozen=True)
class Setup:
    """What every callback of the view reads from the state and the options."""

    p: ViewParams
    start: tuple
    start_label: str
    eos_lam0: float
    eos_label: str
    quantity: str
    eos_mode: str
    guides: bool
    notes: tuple

    @property
    def uirevision(self) -> str:
        """The figure's uirevision, and the key the stored value ranges belong to."""
        p = self.p
        return f"{p.n_eff}|{p.x_norm}|{p.y}|{self.quantity}|{self.eos_mode}|{self.start}"


def setup(values: Mapping[str, Any]) -> Setup:
    """The :class:`Setup` of the inputs ``state``, ``quantity``, ``eos_start``, ``guides``."""
    parsed = from_query(values.get("state"))
    p = parsed.params
    notes = list(parsed.notes)
    quantity = _option(values.get("quantity"), QUANTITIES, "lam")
    eos_mode = _option(values.get("eos_start"), EOS_STARTS, "half-c")
    start, start_label = selected_start(p)
    eos_lam0, eos_label, eos_notes = eos_start_lam(p, eos_mode, start[1])
    notes += eos_notes
    return Setup(p, start, start_label, eos_lam0, eos_label, quantity, eos_mode,
                 _guides_on(values.get("guides")), tuple(notes))


# -- engine and figure -----------------------------------------------------------------------------

def diagrams(s: Setup, win, num: int, transient: int) -> tuple[Diagram | None,
                                                               Diagram | None, list]:
    """Both maps' memoized diagrams on ``num`` η of ``win``: (uv, eos, notes)."""
    p = s.p
    notes = []
    uv = compute.diagram("uv", win[0], win[1], num, p.n_eff, p.x_norm, p.y, s.start[0],
                         s.start[1], transient)
    eos = compute.diagram("eos", win[0], win[1], num, p.n_eff, p.x_norm, p.y, 0.0,
                          s.eos_lam0, transient)
    if uv.error:
        notes.append(f"2-D map not computed: {uv.error}")
    if eos.error:
        notes.append(f"EoS map not computed: {eos.error}")
    return uv.diagram, eos.diagram, notes


def _guides(s: Setup) -> tuple[list, list]:
    if not s.guides:
        return [], []
    if not math.isfinite(s.p.eta_c):
        return [], ["y = 0: η_c is infinite, so there is no route to chaos to mark"]
    res = compute.guide_cascade(GUIDE_LEVELS)
    if res.error:
        return [], [res.error]
    return fb.route_guides(res.cascade, s.p.eta_c), []


def _subtitle(s: Setup, win, num: int, fine: bool = False) -> str:
    p = s.p
    ec = "∞" if not math.isfinite(p.eta_c) else fmt_value(p.eta_c)
    head = ("Fine diagram: " if fine else "") + \
        f"{num} η in [{fmt_value(win[0], 5)}, {fmt_value(win[1], 5)}]"
    return (f"{head}, η_c = {ec} · 2-D map from the {s.start_label} (Δf₀, λ₀) = "
            f"({fmt_value(s.start[0])}, {fmt_value(s.start[1])}) · EoS map from {s.eos_label}")


def _figure(s: Setup, win, uv, eos, notes: list, num: int, fine: bool = False,
            yranges: dict | None = None) -> tuple[dict, list]:
    guides, gnotes = _guides(s)
    notes = list(notes) + gnotes
    p = s.p
    if not (p.eta_c == math.inf or win[0] <= p.eta <= win[1]):
        notes.append(f"the current η = {p.eta:g} is outside the window (double-click: "
                     "default window)")
    return fb.bifurcation_figure(uv, eos, window=win, eta=p.eta, eta_c=p.eta_c, guides=guides,
                                 quantity=s.quantity, yranges=yranges,
                                 subtitle=_subtitle(s, win, num, fine),
                                 large=p.large, uirevision=s.uirevision), notes


# -- the diagram -------------------------------------------------------------------------------

def _nothing(message: str | None = None) -> dict:
    out = {k: no_update for k in OUTPUTS}
    if message is not None:
        out["message"] = message
    return out


@guard.guarded(lambda exc: _nothing("Internal error while computing the bifurcation diagram "
                                    "(logged on the server)."), "update_bifurcation")
def update_bifurcation(changed: Any, values: Any) -> dict:
    """The diagram for the state, the options and a zoom event.

    ``values``: ``state`` (the core's store), ``zoom`` (filtered x-axis
    ``relayoutData``), ``quantity``, ``eos_start``, ``guides``, ``window`` (this
    view's store) and ``tab`` (the selected tab: nothing is computed while
    another tab is shown).  Returns the keys of :data:`OUTPUTS`.
    """
    changed = [c for c in changed if isinstance(c, str)] \
        if isinstance(changed, (list, tuple)) else []
    values = values if isinstance(values, Mapping) else {}
    tab = values.get("tab")
    if isinstance(tab, str) and tab != ids.BIFURCATION_TAB:
        return _nothing()
    s = setup(values)
    p = s.p
    notes = list(s.notes)
    key = s.uirevision
    win = stored_window(values.get("window"), p)
    ys = stored_y_ranges(values.get("window"), key)
    if f"{ids.BIFURCATION_ZOOM}.data" in changed:
        zoom = values.get("zoom")
        action, new, err = window_from_relayout(zoom, win or default_window(p, s.start[1]))
        if err:
            notes.append(f"zoom ignored: {err}")
        elif action == "reset":
            win, ys = None, {}
        else:
            if action == "set":
                win = new
            ys = y_ranges_from_relayout(zoom, ys)
    shown = win or default_window(p, s.start[1])
    uv, eos, dnotes = diagrams(s, shown, NUM, TRANSIENT)
    fig, notes = _figure(s, shown, uv, eos, notes + dnotes, NUM, yranges=ys)
    return {"figure": fig, "window": store_data(win, p, ys, key),
            "message": "; ".join(dict.fromkeys(notes))}


@guard.guarded(lambda exc: empty_figure("Internal error (logged on the server)."),
               "update_cobweb")
def update_cobweb(state: Any, eos_start: Any, tab: Any = None):
    """Cobweb figure of the EoS map at the state's η (no_update while hidden)."""
    if isinstance(tab, str) and tab != ids.BIFURCATION_TAB:
        return no_update
    s = setup({"state": state, "eos_start": eos_start})
    p = s.p
    z0 = 0.5 * p.eta * s.eos_lam0
    orb = compute.eos_orbit(p.eta, p.n_eff, p.x_norm, p.y, z0)
    c = abs(shared.map_params(*p.map_key).c)
    if orb.error:
        return empty_figure(f"Cobweb not drawn: {orb.error}", p.large)
    return cobweb_figure(c, orb.z, eta=p.eta, z0=z0, start_label=f"({s.eos_label})",
                         diverged_at=orb.diverged_at, outcome=orb.outcome, large=p.large)


# -- clicks, CSV, the fine diagram ------------------------------------------------------------------

def click_intent(click: Any) -> tuple[Any, str]:
    """(intent "set η" for the phase plane, message) of a filtered ``clickData``.

    The clicked η is read by :func:`app.core.events.click_to_eta` (a guide
    within reach wins; clamped to the η range); an unreadable click gives
    (no_update, why).
    """
    value, message = click_to_eta(click, "x")
    if value is no_update:
        return no_update, message
    return intents.set_eta(value), message


@guard.guarded(no_update, "bifurcation download")
def download_csv(n_clicks: Any, state: Any, window: Any, eos_start: Any):
    """dcc.Download data: CSV of both maps' diagrams in the current window, those
    of the fine diagram while it is the one shown (:func:`.window.fine_shown`)."""
    if not guard.clicked(n_clicks):
        return no_update
    s = setup({"state": state, "eos_start": eos_start})
    p = s.p
    win = stored_window(window, p) or default_window(p, s.start[1])
    if fine_shown(window, win, s.uirevision):         # the CSV holds what is shown
        uv, eos, _ = compute.fine_diagrams((p.n_eff, p.x_norm, p.y), s.start, s.eos_lam0,
                                           win)
    else:
        uv, eos, _ = diagrams(s, win, NUM, TRANSIENT)
    if uv is None and eos is None:
        return no_update
    text = fb.bifurcation_csv((uv, eos), x_norm=p.x_norm, n_eff=p.n_eff, y=p.y)
    return {"content": text, "filename": "bifurcation.csv", "type": "text/csv",
            "base64": False}


@guard.guarded(lambda exc: (no_update, "Internal error while computing the fine diagram "
                                       "(logged on the server).", no_update),
               "fine bifurcation job")
def fine_job(set_progress: Callable | None, n_clicks: Any, state: Any, window: Any,
             quantity: Any, eos_start: Any, guides: Any) -> tuple[Any, str, Any]:
    """The background job: (figure as plain JSON, message, the window store
    marked "fine shown").  Never raises."""
    if not guard.clicked(n_clicks):
        return no_update, "", no_update
    s = setup({"state": state, "quantity": quantity, "eos_start": eos_start,
               "guides": guides})
    p = s.p
    win = stored_window(window, p) or default_window(p, s.start[1])
    ys = stored_y_ranges(window, s.uirevision)

    progress = jobs.progress_reporter(set_progress,
                                      f"fine diagram, {compute.FINE_NUM} η × 2 maps")
    uv, eos, notes = compute.fine_diagrams((p.n_eff, p.x_norm, p.y), s.start, s.eos_lam0,
                                           win, progress=progress)
    fig, notes = _figure(s, win, uv, eos, list(s.notes) + notes, compute.FINE_NUM, fine=True,
                         yranges=ys)
    from plotly.io.json import to_json_plotly  # noqa: PLC0415
    msg = (f"fine diagram: {compute.FINE_NUM} η values, transient {compute.FINE_TRANSIENT} "
           "steps; any change of the parameters or the window redraws the normal diagram")
    return (json.loads(to_json_plotly(fig)), "; ".join([msg] + list(dict.fromkeys(notes))),
            mark_fine(window, win, s.uirevision))


# -- registration -----------------------------------------------------------------------------------

def _register_diagram(app) -> None:
    # the filters live in app/assets/bifurcation.js
    app.clientside_callback(ClientsideFunction("bifurcation", "zoom_filter"),
                            Output(ids.BIFURCATION_ZOOM, "data"),
                            Input(ids.BIFURCATION_GRAPH, "relayoutData"),
                            prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("bifurcation", "click_filter"),
                            Output(ids.BIFURCATION_CLICK, "data"),
                            Input(ids.BIFURCATION_GRAPH, "clickData"),
                            prevent_initial_call=True)

    @app.callback(
        output={"figure": Output(ids.BIFURCATION_GRAPH, "figure"),
                "window": Output(ids.BIFURCATION_WINDOW, "data"),
                "message": Output(ids.BIFURCATION_MESSAGE, "children")},
        inputs={"state": Input(ids.state_for(ids.BIFURCATION_TAB), "data"),
                "zoom": Input(ids.BIFURCATION_ZOOM, "data"),
                "quantity": Input(ids.BIFURCATION_QUANTITY, "value"),
                "eos_start": Input(ids.BIFURCATION_EOS_START, "value"),
                "guides": Input(ids.BIFURCATION_GUIDES, "value"),
                "tab": Input(ids.VIEW_TABS, "value"),
                "window": State(ids.BIFURCATION_WINDOW, "data")},
    )
    def _bifurcation(**values):
        return update_bifurcation(guard.triggered(), values)

    @app.callback(Output(ids.BIFURCATION_COBWEB, "figure"),
                  Input(ids.state_for(ids.BIFURCATION_TAB), "data"),
                  Input(ids.BIFURCATION_EOS_START, "value"),
                  Input(ids.VIEW_TABS, "value"))
    def _cobweb(state, eos_start, tab):
        return update_cobweb(state, eos_start, tab)

    @app.callback(Output(*intents.TARGET, allow_duplicate=True),
                  Output(ids.BIFURCATION_MESSAGE, "children", allow_duplicate=True),
                  Input(ids.BIFURCATION_CLICK, "data"), prevent_initial_call=True)
    def _click(click):
        return click_intent(click)


def _register_jobs(app) -> None:
    @app.callback(Output(ids.BIFURCATION_DOWNLOAD, "data"),
                  Input(ids.BIFURCATION_DOWNLOAD_CSV, "n_clicks"),
                  State(ids.STATE, "data"), State(ids.BIFURCATION_WINDOW, "data"),
                  State(ids.BIFURCATION_EOS_START, "value"), prevent_initial_call=True)
    def _download(n_clicks, state, window, eos_start):
        return download_csv(n_clicks, state, window, eos_start)

    @app.callback(
        Output(ids.BIFURCATION_GRAPH, "figure", allow_duplicate=True),
        Output(ids.BIFURCATION_MESSAGE, "children", allow_duplicate=True),
        Output(ids.BIFURCATION_WINDOW, "data", allow_duplicate=True),
        Input(ids.BIFURCATION_FINE, "n_clicks"),
        State(ids.STATE, "data"), State(ids.BIFURCATION_WINDOW, "data"),
        State(ids.BIFURCATION_QUANTITY, "value"), State(ids.BIFURCATION_EOS_START, "value"),
        State(ids.BIFURCATION_GUIDES, "value"),
        prevent_initial_call=True,
        **jobs.job_controls(start=ids.BIFURCATION_FINE, cancel=ids.BIFURCATION_FINE_CANCEL,
                            progress=ids.BIFURCATION_FINE_PROGRESS,
                            failure=(ids.BIFURCATION_MESSAGE, "children")),
    )
    def _fine(set_progress, n_clicks, state, window, quantity, eos_start, guides):
        return fine_job(set_progress, n_clicks, state, window, quantity, eos_start, guides)


def register_callbacks(app) -> None:
    """Attach the view's callbacks to a Dash app."""
    _register_diagram(app)
    _register_jobs(app)
