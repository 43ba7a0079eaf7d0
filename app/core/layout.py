"""Layout factories: functions returning Dash components.

Adding a view
-------------
Another module adds a tab beside "Phase plane" without editing this file:

* put a module in :mod:`app.views` (it is imported by ``create_app``) that
  calls :func:`register_tab` at import time, and defines
  ``register_callbacks(app)`` for its callbacks; or
* call :func:`register_tab` yourself before ``create_app()``.

A view reads the dashboard's state with ``Input(ids.state_for(its tab), "data")``
(the canonical query string of :data:`ids.STATE`, passed on only while its tab
is shown; parse it with :func:`app.core.state.from_query`) and may use the
shared controls on the left as ``State``/``Input``.
"""

from __future__ import annotations

import math
from typing import Sequence

from dash import ClientsideFunction, Input, Output, State, dcc, html

from . import export, ids, intro
from .registry import View
from .state import FIELDS, LAYER_LABELS, LAYERS, ViewParams, fmt, slider_position, to_query

__all__ = ["make_layout", "control_row", "controls_panel", "register_callbacks",
           "PHASE_PLANE_TAB", "slider_specs", "help_note"]

PHASE_PLANE_TAB = "phase-plane-tab"


def help_note(text, align: str = "left", label: str = "help") -> html.Details:
    """A view's help text folded behind a small "help" summary; opened, it
    floats over the view (``.help`` in style.css) instead of taking the
    graphs' height.  ``align``: "left" or "right" edge of the popover at the
    summary's, "up" to open above it."""
    cls = " ".join(f"help-{a}" for a in align.split())
    return html.Details(className=f"help {cls}", children=[
        html.Summary(label), html.P(text, className="help-text")])


# -- controls ---------------------------------------------------------------------

_HELP = {
    "eta": "learning rate η",
    "width": "width n of the network (hidden units)",
    "n-eff": "effective width n_eff: α = 1/√n_eff (set by the preset unless custom)",
    "x-norm": "input norm ‖x‖",
    "y": "target y",
    "sigma": "initialization scale σ (used by Sample init)",
    "steps": "GD steps per trajectory",
}

_LABELS = {"eta": "η", "width": "n", "n-eff": "n_eff", "x-norm": "‖x‖", "y": "y",
           "sigma": "σ", "steps": "steps"}


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade(p: int) -> str:
    """Compact label of 10**p: 0.1, 1, 10, 10², 10⁻³ …"""
    return {-1: "0.1", 0: "1", 1: "10"}.get(p, "10" + str(p).translate(_SUPERSCRIPT))


def _marks(key: str) -> dict:
    spec = FIELDS[key]
    if key == "eta":
        return {p: _decade(p) for p in (-3, -1, 1, 3)}
    if spec.log:
        lo, hi = math.floor(math.log10(spec.lo)), math.floor(math.log10(spec.hi))
        step = 1 if hi - lo <= 4 else 2
        return {p: _decade(p) for p in range(lo, hi + 1, step)}
    return {v: fmt(v) for v in (-10, -5, 0, 5, 10)}


def control_row(key: str, value: float, extra=None, disabled: bool = False) -> html.Div:
    """A labelled slider with a typed numeric input beside it."""
    spec = FIELDS[key]
    if spec.log:
        lo, hi, step = math.log10(spec.lo), math.log10(spec.hi), 0.01
    else:
        lo, hi, step = spec.lo, spec.hi, 0.05
    # updatemode="drag": the slider reports every move; app/assets/live.js
    # forwards only the latest one to the server, when the plane is free
    return html.Div(className="control-row", title=_HELP.get(key, ""), children=[
        html.Label(_LABELS[key], htmlFor=ids.input_id(key), className="control-label"),
        dcc.Slider(id=key, min=lo, max=hi, step=step, value=slider_position(key, value),
                   marks=_marks(key), updatemode="drag", allow_direct_input=False,
                   disabled=disabled, className="control-slider"),
        dcc.Input(id=ids.input_id(key), type="number", value=value, debounce=True,
                  step="any", disabled=disabled,
                  className="control-input"),
        *([extra] if extra is not None else []),
    ])


def controls_panel(p: ViewParams) -> html.Div:
    """The left column: parameters, layers, trajectory buttons, message."""
    eta_readout = html.Div(className="readout", children=[
        html.Span(["η_c = ", html.Span(id=ids.ETA_C, children=fmt_readout(p.eta_c))]),
        html.Span(["2/η = ", html.Span(id=ids.TWO_OVER_ETA, children=fmt_readout(2 / p.eta))]),
    ])
    # a region that scrolls inside itself when the screen is short (projector)
    return html.Div(className="controls scroll-region", children=[
        html.Div(className="control-group", children=[
            html.H2("Training"),
            control_row("eta", p.eta),
            eta_readout,
            control_row("steps", p.steps),
        ]),
        html.Div(className="control-group", children=[
            html.H2("Model"),
            html.Div(className="preset-row", title="NTP: n_eff = n;  μP: n_eff = 1;  "
                                                    "custom: n_eff set by hand", children=[
                html.Label("preset", className="control-label", htmlFor=ids.PRESET),
                dcc.RadioItems(id=ids.PRESET, value=p.preset, inline=True,
                               className="preset", options=[
                                   {"label": "NTP", "value": "ntp"},
                                   {"label": "μP", "value": "mup"},
                                   {"label": "custom", "value": "custom"}]),
            ]),
            control_row("width", p.width),
            control_row("n-eff", p.n_eff, disabled=p.preset != "custom"),
            control_row("x-norm", p.x_norm),
            control_row("y", p.y),
        ]),
        html.Div(className="control-group", children=[
            html.H2("Initialization"),
            control_row("sigma", p.sigma),
            html.Div(className="control-row seed-row", children=[
                html.Label("seed", className="control-label", htmlFor=ids.SEED),
                dcc.Input(id=ids.SEED, type="number", value=p.seed, debounce=True, step="any",
                          className="control-input"),
                html.Button("Sample init", id=ids.SAMPLE_INIT, n_clicks=0, className="btn",
                            title="add a trajectory from a random parameter-space "
                                  "initialization at width n (change the seed for another)"),
            ]),
        ]),
        html.Div(className="control-group", children=[
            html.H2("Layers"),
            dcc.Checklist(id=ids.LAYERS, value=list(p.layers), className="layers",
                          options=[{"label": LAYER_LABELS[k], "value": k} for k in LAYERS]),
        ]),
        html.Div(className="control-group buttons", children=[
            html.Button("Clear trajectories", id=ids.CLEAR, n_clicks=0, className="btn"),
            html.Button("Download CSV", id=ids.DOWNLOAD_CSV, n_clicks=0, className="btn",
                        title="the selected (latest) trajectory"),
            dcc.Checklist(id=ids.OVERLAY, value=[], className="overlay",
                          options=[{"label": "overlay parameter-space run",
                                    "value": "paramspace"}]),
        ]),
        html.Div(id=ids.MESSAGE, className="message", role="status", **{"aria-live": "polite"}),
    ])


def fmt_readout(v: float) -> str:
    return "∞" if v == float("inf") else f"{v:.4g}"


# -- views ----------------------------------------------------------------------------


def _tabs(views: Sequence[View]) -> dcc.Tabs:
    tabs = [dcc.Tab(label=v.label, value=v.value, children=v.layout(),
                    className="tab", selected_className="tab--selected") for v in views]
    return dcc.Tabs(id=ids.VIEW_TABS, value=views[0].value, children=tabs, className="tabs",
                    parent_className="tabs-parent", content_className="tab-content")


def make_layout(views: Sequence[View], p: ViewParams | None = None) -> html.Div:
    """The whole page with the tabs of ``views`` (ordered; the first is the
    default) for state ``p`` (default: the default state)."""
    p = p or ViewParams()
    return html.Div(id=ids.ROOT, className="app large" if p.large else "app", children=[
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.STATE, data=to_query(p)),
        *[dcc.Store(id=ids.state_for(v.value)) for v in views],
        dcc.Store(id=ids.ZOOM),
        dcc.Store(id=ids.INTENT),
        dcc.Store(id=ids.SLIDER_SPECS, data=slider_specs()),
        dcc.Store(id=ids.TAB_VALUES, data=[v.value for v in views]),
        dcc.Store(id=ids.IMPORTED),
        # following a growing trace file (app/views/import_trace): outside the tabs,
        # which unmount hidden content, so it keeps polling while the plane is shown
        dcc.Interval(id=ids.IMPORT_INTERVAL, interval=1000, disabled=True),
        dcc.Store(id=ids.IMPORT_FOLLOWED),
        dcc.Store(id=ids.IMPORT_POLL),
        dcc.Store(id=ids.IMPORT_CLOCK),
        dcc.Store(id=ids.SLIDER_LIVE),
        dcc.Store(id=ids.PLANE_DONE),
        dcc.Store(id=ids.PLANE_SHOWN),
        dcc.Store(id=ids.TIMESERIES_STATE, data=to_query(p)),
        dcc.Store(id=ids.LESSON),
        intro.intro_store(),
        dcc.Download(id=ids.DOWNLOAD),
        html.Header(className="header", children=[
            html.H1("Sharpness Lab"),
            html.Span(className="subtitle subtitle-long", children=(
                "UV model of sharpness dynamics: the (Δf, λ) phase plane "
                "(Kalra, He & Barkeshli, arXiv:2311.02076)")),
            html.Span(className="subtitle subtitle-short",
                      children="UV model, arXiv:2311.02076"),
            html.Div(className="header-tools", children=[
                # a lecture needs the plots more than the sliders: the left
                # panel folds away (its message line then takes a row under the views)
                dcc.Checklist(id=ids.SHOW_CONTROLS, value=["show"], persistence=True,
                              persistence_type="local", className="toggle",
                              options=[{"label": "controls", "value": "show"}]),
                dcc.Checklist(id=ids.LARGE_FONT, value=["large"] if p.large else [],
                              options=[{"label": "large font", "value": "large"}],
                              className="toggle"),
                html.Span("export:", className="export-label"),
                # the chosen format is kept in this browser across reloads
                dcc.RadioItems(id=ids.EXPORT_FORMAT, value="png", inline=True,
                               className="toggle", persistence=True, persistence_type="local",
                               options=[{"label": "PNG", "value": "png"},
                                        {"label": "SVG", "value": "svg"}]),
                intro.about_button(),
            ]),
        ]),
        intro.intro_dialog(),
        html.Main(className="main", children=[
            controls_panel(p),
            html.Section(className="views", children=[_tabs(views)]),
        ]),
    ])


def slider_specs() -> dict:
    """{slider id: {"log", "lo", "hi", "integer"}}: each slider's scale, for the clientside
    sync of a slider with its typed input (``live.slider_sync``)."""
    out = {}
    for key, spec in FIELDS.items():
        if spec.slider:
            out[key] = {"log": spec.log, "lo": math.log10(spec.lo) if spec.log else spec.lo,
                        "hi": math.log10(spec.hi) if spec.log else spec.hi,
                        "integer": spec.integer}
    return out


def register_callbacks(app, views: Sequence[View]) -> None:
    """The shell's own callbacks: the active tab follows the URL's fragment
    (``lab.tab_hash`` in app/assets/lab.js); each view's copy of the state
    (:func:`ids.state_for`) follows it while its tab is shown; every graph exports in the
    header's format (:mod:`app.core.export`); the first-visit introduction
    (:mod:`app.core.intro`)."""
    export.register_callbacks(app, views)
    intro.register_callbacks(app)
    # each view's copy of the state follows it while the view's tab is shown:
    # one callback for all views (each callback fired costs the renderer work)
    app.clientside_callback(ClientsideFunction("lab", "state_for_tabs"),
                            [Output(ids.state_for(v.value), "data") for v in views],
                            Input(ids.STATE, "data"), Input(ids.VIEW_TABS, "value"),
                            [State(ids.state_for(v.value), "data") for v in views])
    # the root's class follows the large-font box in the browser: an output of
    # the plane's callback, the root was marked loading (and React rendered
    # the whole page again) twice on every change of η
    app.clientside_callback(ClientsideFunction("lab", "root_class"),
                            Output(ids.ROOT, "className"), Input(ids.LARGE_FONT, "value"),
                            Input(ids.SHOW_CONTROLS, "value"))
    app.clientside_callback(ClientsideFunction("lab", "tab_hash"),
                            Output(ids.URL, "hash"), Output(ids.VIEW_TABS, "value"),
                            Input(ids.URL, "hash"), Input(ids.VIEW_TABS, "value"),
                            State(ids.TAB_VALUES, "data"))
