"""Callbacks of the phase-plane view: parse → compute → figures, nothing else.

Each Dash callback is a thin wrapper around a plain function of its inputs
(:func:`update_plane`, :func:`update_timeseries`, :func:`download_csv`),
which tests call directly (the export format is :mod:`app.core.export`'s).  None of them raises: bad
input becomes a visible message and nothing is computed.

State flow
----------
The Dash renderer drops the answer of a request when the same callback fires
again before it returns, so every request must carry the whole intent:

* The typed inputs (``eta-input`` …), preset, seed, layers and font toggle
  hold the parameters.  Each slider is kept equal to its typed input by a
  clientside callback (no round trip, nothing to drop), so the server reads
  only the typed inputs, all of them, on every call.
* Trajectory starts and the zoom window are accumulated by events (click,
  zoom, Clear, Sample init) on top of the last valid state, the
  ``dcc.Store`` :data:`ids.STATE` (a canonical query string).
* Plotly's spontaneous ``relayoutData`` (autosize) is filtered out in the
  browser (store :data:`ids.ZOOM`), so it cannot cancel a user's change.
* A measured trace imported by the user (store :data:`ids.IMPORTED`, see
  :mod:`app.imported`) is drawn on the phase plane and the time series; it is
  re-validated on every call.

:func:`update_plane` writes back the normalized inputs, the store, the URL
(only for user actions, so back/forward do not add history) and the figure.
Other views listen to ``Input(ids.STATE, "data")``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from dash import ClientsideFunction, Input, Output, State, no_update

import uvcore

from . import compute, echo, figures, lesson, player, starts
from . import live as live_path

from ...core import ids, intents
from ...core.state import (INPUT_DIM, Parsed, ViewParams, default_window, fmt, from_query,
                           parse_controls, to_query)
from ...core.events import point_from_click, window_from_relayout
from ...core.compute import forbidden_start_message
from ...core.figures import empty_figure, outcome_words
from ...core.guard import clicked, guarded, triggered
from ...core import compute as shared
from ...core import traces


__all__ = ["update_plane", "update_timeseries", "download_csv",
           "plane_figure", "register_callbacks", "PLANE_OUTPUTS"]

SLIDER_KEYS = live_path.SLIDER_KEYS

#: Output names of :func:`update_plane` (keys of the dict it returns).
PLANE_OUTPUTS = ("inputs", "seed", "preset", "layers", "large",
                 "state", "search", "figure", "message", "message_class", "eta_c",
                 "two_over_eta", "traj_options", "traj_value", "done", "shown",
                 "ts_state")

#: Props whose change means "the user edited a control".
CONTROL_PROPS = frozenset([f"{ids.input_id(k)}.value" for k in SLIDER_KEYS]
                          + [f"{c}.value" for c in (ids.SEED, ids.PRESET, ids.LAYERS,
                                                     ids.LARGE_FONT)])


def _prop(component_id: str, prop: str) -> str:
    return f"{component_id}.{prop}"


def _nothing(message: str = "", kind: str = "note", live: "live_path.Live | None" = None) -> dict:
    """Every output unchanged except the message (and the done signal)."""
    out = {k: no_update for k in PLANE_OUTPUTS}
    out["inputs"] = {k: no_update for k in SLIDER_KEYS}
    out["traj_options"] = no_update
    out["done"] = live_path.done_signal(live)
    if message:
        out["message"] = message
        out["message_class"] = f"message {kind}"
    return out


def plane_figure(p: ViewParams, imported_trace=None) -> tuple[dict, list[str]]:
    """Phase-plane figure of a state and the notes to show with it.

    ``imported_trace``: an :class:`app.core.traces.StoredTrace` drawn on top, or None.
    """
    data = compute.plane(p)
    trajs = [(t.start, t.traj) for t in data.trajectories]
    fig = figures.phase_plane(data.params, data.window, layers=p.layers, regions=data.regions,
                              field=data.field, curves=data.nullclines, fixed=data.fixed,
                              trajectories=trajs, notes=data.notes, large=p.large)
    if imported_trace is not None:
        fig["data"] += figures.imported_plane_traces(imported_trace, data.window, p.large)
    return fig, list(data.notes)


def _render(p: ViewParams, notes: list[str], push_url: bool, imported_trace=None,
            refusal: tuple | None = None, *, ctx: "live_path.Context | None" = None) -> dict:
    """Every output for state ``p``; ``refusal`` = (Δf, λ, text) pins a refused
    click's reason on the plane at the clicked point.

    ``ctx`` (None on the initial call) carries what the browser already shows
    and whether this is a live slider value: a figure equal to the one shown
    is not sent again (a changed one as a ``Patch`` of what differs), and a
    live value writes neither the URL nor the time series' state (both
    follow at the end of the gesture).
    """
    ctx = ctx or live_path.Context()
    shown = live_path.shown_key(p, ctx.imported)
    if refusal is not None:      # a figure of its own: the next one is sent whole
        shown += f"!refused {refusal[0]:.6g} {refusal[1]:.6g}"
    same = ctx.shown == shown
    if same:
        fig, fig_notes = no_update, []
    else:
        try:
            fig, fig_notes = live_path.cached_figure(shown, p, imported_trace, plane_figure)
        except uvcore.UVInputError as exc:
            return _nothing(f"Cannot compute: {exc}", "error", ctx.live)
        if refusal is not None:
            fig = figures.with_refusal(fig, *refusal, p.plot_window, p.large)
        else:
            fig = live_path.patch_from(ctx.shown, shown, fig, imported_trace, plane_figure)
    msgs = list(dict.fromkeys(list(notes) + fig_notes))
    query = to_query(p)
    options = starts.trajectory_options(p)
    live = ctx.live is not None and not ctx.live.final
    return {
        **echo.controls_out(p),
        "state": query,
        "search": "?" + query if push_url and not live else no_update,
        "figure": fig,
        # an unchanged figure keeps its notes on screen; only new ones are written
        "message": "; ".join(msgs) if msgs or not same else no_update,
        "message_class": ("message note" if msgs else "message") if msgs or not same
        else no_update,
        "traj_options": options,
        "traj_value": len(options) or None,
        "done": live_path.done_signal(ctx.live),
        "shown": shown if not same else no_update,
        "ts_state": no_update if live else query,
    }


def _from_controls(values: Mapping[str, Any], base: ViewParams) -> Parsed:
    """Parameters from every control (all of them: see the module docstring)."""
    inputs = values.get("inputs")
    if not isinstance(inputs, Mapping):
        return Parsed(None, ("controls: malformed request",))
    raw: dict[str, Any] = {key: inputs.get(key) for key in SLIDER_KEYS}
    for key in ("seed", "preset", "layers", "large"):
        raw[key] = values.get(key)
    if raw["preset"] != "custom":
        raw.pop("n-eff")  # fixed by the preset; its (disabled) input may lag
    return parse_controls(raw, strict=True, base=base)


def _flat_window(p: ViewParams) -> tuple:
    (a, b), (c, d) = p.plot_window
    return (a, b, c, d)


@guarded(lambda exc: _nothing("Internal error while updating the view (logged on the "
                              "server).", "error"), "update_plane")
def update_plane(changed: list[str] | None, values: Mapping[str, Any]) -> dict:
    """Apply the user's controls and events (or a URL change) and render.

    Parameters
    ----------
    changed : prop ids that triggered the call (``"eta-input.value"``,
        ``"phase-plane.clickData"``, ``"url.search"``, …); empty or None on
        the initial call.
    values : the callback's inputs by name: ``search``; ``inputs`` (dict of
        the typed inputs keyed by slider id); ``seed``, ``preset``,
        ``layers``, ``large``; events ``click``, ``zoom`` (a filtered
        ``relayoutData``), ``clear``, ``sample``; ``state`` (the store: the
        last valid query string); ``imported`` (the imported-trace store,
        optional); ``intent`` (a view's intent, :mod:`app.core.intents`);
        ``live`` (a slider value forwarded by the browser's gate, store
        :data:`ids.SLIDER_LIVE`, see :func:`parse_live`); ``shown`` (store
        :data:`ids.PLANE_SHOWN`: what the browser's figure shows);
        ``message_shown``, ``message_class_shown`` (the message line now);
        ``options_shown`` (the trajectory list now).

    Returns
    -------
    dict with the keys of :data:`PLANE_OUTPUTS`; ``no_update`` for each
    output the browser already holds (:func:`.echo.only_changes`).
    """
    changed = [c for c in changed if isinstance(c, str)] \
        if isinstance(changed, (list, tuple)) else []
    values = values if isinstance(values, Mapping) else {}
    return echo.only_changes(_update_plane(changed, values), values)


def _update_plane(changed: list[str], values: Mapping[str, Any]) -> dict:
    base_parsed = from_query(values.get("state"))
    base = base_parsed.params
    search = values.get("search")
    trace = traces.from_store(values.get("imported"))

    live = None
    if _prop(ids.SLIDER_LIVE, "data") in changed:
        live, err = live_path.parse_live(values.get("live"))
        if err:
            return _nothing("⚠ " + err, "error")
        if live.key is not None:
            inputs = values.get("inputs")
            inputs = dict(inputs) if isinstance(inputs, Mapping) else {}
            values = {**values, "inputs": {**inputs, live.key: live.value}}
    ctx = live_path.Context(values.get("shown"), values.get("imported"), live)

    # 1. navigation: the URL is the state (initial load, back/forward)
    if _prop(ids.URL, "search") in changed or not changed:
        if not changed and not (isinstance(search, str) and search.strip("?")):
            return _render(base, list(base_parsed.notes), push_url=False, imported_trace=trace,
                           ctx=ctx)
        parsed = from_query(search)
        return _render(parsed.params, list(parsed.notes), push_url=False, imported_trace=trace,
                       ctx=ctx)

    # a view's intent (app.core.intents) acts as the user's own change would
    intent = None
    if _prop(*intents.TARGET) in changed:
        intent, err = intents.parse(values.get("intent"))
        if err:
            return _nothing("⚠ " + err, "error")
        if intent.kind == "load-state":
            parsed = from_query(intent.query)
            return _render(parsed.params, list(parsed.notes), push_url=True,
                           imported_trace=trace, ctx=ctx)
        if intent.kind == "set-eta":
            values = {**values, "inputs": {**(values.get("inputs") or {}), "eta": intent.eta}}

    # 2. the controls hold the parameters; trajectories and window come from the store
    parsed = _from_controls(values, base)
    if not parsed.ok:
        return _nothing("⚠ " + parsed.message() + " — nothing recomputed", "error", live)
    p = parsed.params
    notes = list(parsed.notes)

    # 3. events on top of it.  A double-click both "clicks" and resets the
    #    axes (to the default or the first-drawn window): that click is ignored.
    reset = False
    if _prop(ids.ZOOM, "data") in changed:
        action, window, err = window_from_relayout(values.get("zoom"), _flat_window(p))
        if err:
            notes.append(f"zoom ignored: {err}")
        elif action != "none":
            default = default_window(*p.map_key)
            flat_default = (*default[0], *default[1])
            reset = action == "reset" or window in (flat_default, _flat_window(p))
            p = replace(p, window=None if action == "reset" or window == flat_default
                        else window)
            # the browser moved its axes itself (a double-click autoscales to
            # every point drawn, a diverged run's 10²³ too): what it shows is
            # no longer the figure it was sent, so the figure goes again even
            # when the state is unchanged
            ctx = replace(ctx, shown=None)
    if intent is not None and intent.kind == "set-window":
        p = replace(p, window=intent.window)
    if _prop(ids.CLEAR, "n_clicks") in changed:
        p = p.with_starts(())
    if _prop(ids.TRAJ_SELECT, "value") in changed:
        p, note = starts.select(p, values.get("select"))
        notes += [note] if note else []
    if _prop(ids.TRAJ_DELETE, "n_clicks") in changed and clicked(values.get("delete")):
        p, note = starts.delete(p)
        notes += [note] if note else []
    point = None
    if _prop(ids.PHASE_PLANE, "clickData") in changed and not reset:
        point, err = point_from_click(values.get("click"))
        if err:
            return _nothing("⚠ " + err, "error")
    elif intent is not None and intent.kind == "add-start":
        point = (intent.df, intent.lam)
    if point is not None:
        df, lam = point
        refused = forbidden_start_message(p, df, lam)
        if refused and intent is not None:     # another view's click: it says so itself
            return _nothing(refused, "error")
        if refused:
            return _refuse(p, base, df, lam, refused, trace)
        p, note = starts.add_start(p, (df, lam))
        notes += [note] if note else []
    if _prop(ids.SAMPLE_INIT, "n_clicks") in changed:
        p, err, sample_notes = starts.sample(p)
        if err:
            return _nothing("⚠ " + err, "error")
        notes += sample_notes

    # the end of a slider gesture writes the URL the live values skipped
    push = p != base or (live is not None and live.final and search != "?" + to_query(p))
    return _render(p, notes, push_url=push, imported_trace=trace, ctx=ctx)


def _refuse(p: ViewParams, base: ViewParams, df: float, lam: float, message: str,
            trace) -> dict:
    """A refused start: the message in the message line and pinned on the plane
    at the clicked point; nothing else changes."""
    if p != base:            # the controls changed too: refuse only the click
        return _nothing(message, "error")
    text = (f"forbidden: cannot start here<br>λ = {lam:.4g} is below the edge "
            f"{shared.edge_at(p, df):.4g}<br>(no weights give this point)")
    out = _render(p, [], push_url=False, imported_trace=trace, refusal=(df, lam, text))
    if out["figure"] is no_update:
        return _nothing(message, "error")
    # the figure's key too: the next figure is then sent whole, without the pin
    out = {**_nothing(message, "error"), "figure": out["figure"], "shown": out["shown"]}
    return out


# -- time series, download, export -----------------------------------------------------

@guarded(lambda exc: (empty_figure("Internal error (logged on the server)."), ""),
         "update_timeseries")
def update_timeseries(state: Any, overlay: Any, imported_data: Any = None) -> tuple[dict, str]:
    """(time-series figure, summary text) for a state.

    Normally the selected (latest) trajectory of the plane.  With the overlay
    on, the parameter-space GD run at width n from that trajectory's own
    start, drawn dashed over it.  An imported trace
    (``imported_data``, the :data:`ids.IMPORTED` store) is drawn on top.
    """
    p = from_query(state).params
    trace = traces.from_store(imported_data)
    res = compute.selected_trajectory(p)
    if res is None and trace is not None:
        # the trace alone: clearing the trajectories does not hide it
        return (figures.trace_timeseries(trace, p.eta, p.large),
                "No trajectory selected; the imported trace is drawn alone.")
    fig, text = _series(p, res, overlay)
    if trace is not None:
        fig = figures.add_imported_timeseries(fig, trace, p.large)
    return fig, text


def _series(p: ViewParams, res: shared.TrajectoryResult | None,
            overlay: Any) -> tuple[dict, str]:
    if res is None:
        return figures.timeseries(None, large=p.large), "No trajectory selected."
    if res.traj is None:
        return (empty_figure(f"Trajectory not computed: {res.error}", p.large),
                res.error or "")
    if isinstance(overlay, (list, tuple)) and "paramspace" in overlay:
        return _paramspace_series(p, res)
    return figures.timeseries(res.traj, start=res.start, large=p.large), _summary(res)


def _paramspace_series(p: ViewParams, res: shared.TrajectoryResult) -> tuple[dict, str]:
    """The selected trajectory with the parameter-space GD run from its own
    start drawn dashed over it: the seed's initialisation at width n, moved
    onto (Δf₀, λ₀) (:func:`uvcore.paramspace.weights_at`)."""
    d0, l0 = res.start
    ps = compute.paramspace_run(int(p.width), INPUT_DIM, p.preset, p.sigma, p.x_norm, p.y,
                                int(p.seed), p.eta, p.n_eff, int(p.steps), (d0, l0))
    if ps.error:
        return (figures.timeseries(res.traj, start=res.start, notes=[ps.error], large=p.large),
                f"{ps.error}. " + _summary(res))
    run = ps.run
    label = overlay_label(p.width, res.start)
    dev = run.max_rel_dev_from_map
    notes = [f"deviation ≤ {dev:.2g}"]       # one short line: the summary says the rest
    fig = figures.timeseries(res.traj, start=res.start, paramspace=(run.df, run.lam),
                             paramspace_label=label, notes=notes, large=p.large)
    return fig, (f"Parameter-space GD at width n = {fmt(p.width)} (dashed; seed "
                 f"{fmt(p.seed)}'s weights moved onto the selected start) over the "
                 f"function-space map, max relative deviation {dev:.2g}. " + _summary(res))


def overlay_label(width, start) -> str:
    """Legend name of the parameter-space run: its width and its start."""
    return f"GD on weights, n = {fmt(width)}, from ({start[0]:.4g}, {start[1]:.4g})"


def _summary(res: shared.TrajectoryResult) -> str:
    t = res.traj
    d0, l0 = res.start
    # the picker above names the start too; the line under the series is short
    head = f"From (Δf₀, λ₀) = ({d0:.4g}, {l0:.4g}): "
    if t.diverged:
        return head + f"diverged at step {t.diverged_at}."
    oc = t.outcome
    kind = f"period-{oc.period} orbit" if oc.kind == "periodic" else outcome_words(t)
    # the steps the series shows follow it (a zoom, the player): the page
    # writes them beside this line (ids.SERIES_RANGE, app/assets/player.js)
    return head + (f"{kind}; final ηλ = {oc.eta_lam:.4g}, max λ = {float(t.lam.max()):.4g}, "
                   f"final loss = {float(t.loss[-1]):.3g}.")


@guarded(no_update, "download_csv")
def download_csv(n_clicks: Any, state: Any):
    """dcc.Download data for the selected trajectory's CSV (no_update if none)."""
    if not clicked(n_clicks):
        return no_update
    p = from_query(state).params
    res = compute.selected_trajectory(p)
    if res is None or res.traj is None:
        return no_update
    return {"content": figures.trajectory_csv(res.traj), "filename": "trajectory.csv",
            "type": "text/csv", "base64": False}


# -- registration ---------------------------------------------------------------------------

def register_callbacks(app) -> None:
    """Attach this module's callbacks to a Dash app."""
    player.register_callbacks(app)
    lesson.register_callbacks(app)

    @app.callback(
        output={
            # first in the answer, before the URL (a history entry, ~3 ms in
            # the page) and the stores: one interleaved run drew the plane
            # ~5 ms sooner, within the host's noise (docs/benchmarks.md)
            "figure": Output(ids.PHASE_PLANE, "figure"),
            "inputs": {k: Output(ids.input_id(k), "value") for k in SLIDER_KEYS},
            "seed": Output(ids.SEED, "value"),
            "preset": Output(ids.PRESET, "value"),
            "layers": Output(ids.LAYERS, "value"),
            "large": Output(ids.LARGE_FONT, "value"),
            "state": Output(ids.STATE, "data"),
            "search": Output(ids.URL, "search"),
            "message": Output(ids.MESSAGE, "children"),
            "message_class": Output(ids.MESSAGE, "className"),
            "eta_c": Output(ids.ETA_C, "children"),
            "two_over_eta": Output(ids.TWO_OVER_ETA, "children"),
            "traj_options": Output(ids.TRAJ_SELECT, "options"),
            "traj_value": Output(ids.TRAJ_SELECT, "value"),
            "done": Output(ids.PLANE_DONE, "data"),
            "shown": Output(ids.PLANE_SHOWN, "data"),
            "ts_state": Output(ids.TIMESERIES_STATE, "data"),
        },
        inputs={
            "search": Input(ids.URL, "search"),
            "inputs": {k: Input(ids.input_id(k), "value") for k in SLIDER_KEYS},
            "seed": Input(ids.SEED, "value"),
            "preset": Input(ids.PRESET, "value"),
            "layers": Input(ids.LAYERS, "value"),
            "large": Input(ids.LARGE_FONT, "value"),
            "click": Input(ids.PHASE_PLANE, "clickData"),
            "zoom": Input(ids.ZOOM, "data"),
            "clear": Input(ids.CLEAR, "n_clicks"),
            "sample": Input(ids.SAMPLE_INIT, "n_clicks"),
            "select": Input(ids.TRAJ_SELECT, "value"),
            "delete": Input(ids.TRAJ_DELETE, "n_clicks"),
            "imported": Input(ids.IMPORTED, "data"),
            "intent": Input(*intents.TARGET),
            "live": Input(ids.SLIDER_LIVE, "data"),
            "state": State(ids.STATE, "data"),
            "shown": State(ids.PLANE_SHOWN, "data"),
            "message_shown": State(ids.MESSAGE, "children"),
            "message_class_shown": State(ids.MESSAGE, "className"),
            "options_shown": State(ids.TRAJ_SELECT, "options"),
        },
    )
    def _plane(**values):
        return update_plane(triggered(), values)

    for key in SLIDER_KEYS:
        # a moved slider goes through the gate of app/assets/live.js (store
        # SLIDER_LIVE); a typed value moves its slider
        app.clientside_callback(ClientsideFunction("live", "slider_sync"),
                                Output(key, "value"),
                                Input(key, "value"), Input(ids.input_id(key), "value"),
                                State(ids.SLIDER_SPECS, "data"), prevent_initial_call=True)
    # every answer of the plane frees the gate, which then sends the latest value
    app.clientside_callback(ClientsideFunction("live", "plane_done"),
                            Output(ids.SLIDER_LIVE, "data", allow_duplicate=True),
                            Input(ids.PLANE_DONE, "data"), prevent_initial_call=True)

    app.clientside_callback(ClientsideFunction("lab", "zoom_filter"), Output(ids.ZOOM, "data"),
                            Input(ids.PHASE_PLANE, "relayoutData"), prevent_initial_call=True)

    # n_eff (slider and typed input) is locked unless the preset is custom, in
    # the browser: an output of the plane's callback, the slider was marked
    # loading (and rendered again) twice on every change
    app.clientside_callback(ClientsideFunction("lab", "n_eff_locked"),
                            Output(ids.N_EFF, "disabled"), Output(ids.N_EFF_INPUT, "disabled"),
                            Input(ids.PRESET, "value"))

    @app.callback(Output(ids.TIMESERIES, "figure"), Output(ids.SUMMARY, "children"),
                  Input(ids.TIMESERIES_STATE, "data"), Input(ids.OVERLAY, "value"),
                  Input(ids.IMPORTED, "data"))
    def _timeseries(state, overlay, imported_data):
        return update_timeseries(state, overlay, imported_data)

    @app.callback(Output(ids.DOWNLOAD, "data"), Input(ids.DOWNLOAD_CSV, "n_clicks"),
                  State(ids.STATE, "data"), prevent_initial_call=True)
    def _download(n_clicks, state):
        return download_csv(n_clicks, state)
