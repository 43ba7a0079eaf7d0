"""The Import view's callbacks.

* the browser's size check (clientside, ``app/assets/import_trace.js``) and
  the server's parse of an upload (:func:`handle_upload`) into the store
  :data:`app.core.ids.IMPORTED`;
* following a file of the traces directory (:func:`start_following`,
  :func:`poll`): the clientside ``follow_gate`` asks about once a second
  (the interval of the core layout), only while the page is visible and the file changed
  in the last :data:`.layout.IDLE_S` seconds; the server answers nothing
  when the file did not change;
* the off-screen note (:func:`window_note`), "Fit window to trace"
  (:func:`fit`) and "Show the matched UV model" (:func:`show_uv`), which steer
  the phase plane through intents.

Every function returns a dict of outputs and never raises.
"""

from __future__ import annotations

import secrets
from typing import Any

from dash import ClientsideFunction, Input, Output, State, no_update

from ...core import guard, ids, intents, layout, traces
from ...core.state import from_query
from ...shell.config import ConfigError, traces_dir
from . import follow, plane
from . import parse as imported
from .layout import IDLE_S, trace_options

__all__ = ["handle_upload", "start_following", "poll", "window_note", "fit", "show_uv",
           "refresh", "register_callbacks"]

_KEYS = ("store", "status", "status_class", "tab", "followed", "header")


def _out(**values) -> dict:
    return {k: values.get(k, no_update) for k in _KEYS}


def _error(message: str, **values) -> dict:
    return _out(status="⚠ " + message, status_class="message error", **values)


_PREPARE_FAILED = _error("upload: could not prepare the trace")


def _tab_for(stored: dict, state: Any):
    """The phase plane when all of the trace is in its window; else stay here,
    where the off-screen note and "Fit window to trace" are."""
    st = traces.from_store(stored)
    if st is None or plane.outside(st, from_query(state).params.plot_window):
        return no_update
    return layout.PHASE_PLANE_TAB


@guard.guarded(_PREPARE_FAILED, "to_store")
def _stored(result: imported.Result, state: Any = None, **values) -> dict:
    """Outputs for a parsed trace: its browser copy, header, message; the phase plane
    shown when the trace is in its window."""
    store = traces.to_store(result.trace)
    return _out(store=store, status=result.message, status_class="message note",
                tab=_tab_for(store, state), header=_header(result), **values)


def _header(result: imported.Result) -> dict:
    h = result.header or {}
    return {"name": result.trace.name if result.trace is not None else "",
            **{k: h[k] for k in ("model", "eta", "uv") if h.get(k) is not None}}


def handle_upload(pending: Any, clear: bool = False, state: Any = None) -> dict:
    """Outputs of an upload or a clear (keys ``store``, ``status``, ``status_class``,
    ``tab``, ``followed``, ``header``).

    ``pending`` is the :data:`ids.IMPORT_PENDING` store, {"contents": data
    URL, "filename": name}.  A valid file replaces the stored trace (and stops
    following one); a bad one leaves the stored trace alone and says why.
    """
    if clear:
        return _out(store=None, status="Imported trace removed.", status_class="message",
                    followed=None, header=None)
    contents = pending.get("contents") if isinstance(pending, dict) else None
    filename = pending.get("filename") if isinstance(pending, dict) else None
    result = imported.read_upload(contents, filename)
    if result.trace is None:
        return _error(result.message)
    return _stored(result, state, followed=None)


def _root() -> tuple[Any, str | None]:
    try:
        root = traces_dir()
    except ConfigError as err:
        return None, f"traces directory unusable: {err}"
    if root is None:
        return None, "following is off: the server's TRACES_DIR is not set"
    return root, None


def _followed(name: str, snap: follow.Snapshot, token: str, rows: int) -> dict:
    return {"name": name, "sig": snap.signature, "rows": rows, "token": token,
            "idle_ms": IDLE_S * 1000}


@guard.guarded(lambda exc: _error("trace: could not be read (logged on the server)"),
               "start_following")
def start_following(name: Any, state: Any = None) -> dict:
    """Outputs of "Follow": read ``name`` of the traces directory now and keep
    following it (``followed``), or say why not."""
    root, err = _root()
    if err:
        return _error(err)
    snap = follow.read_followed(root, name)
    if snap.error:
        return _error(snap.result.message)
    result = snap.result
    token = secrets.token_hex(4)
    rows = result.trace.rows if result.trace is not None else 0
    followed = _followed(name, snap, token, rows)
    if result.trace is None:                    # no row yet: wait for the first
        return _out(status=result.message, status_class="message note", store=None,
                    followed=followed, header=None)
    return _stored(result, state, followed=followed)


@guard.guarded(lambda exc: _error("trace: could not be read (logged on the server)",
                                  followed=None), "poll")
def poll(request: Any, followed: Any) -> dict:
    """Outputs of one poll of the followed file: nothing when it did not change."""
    if not (isinstance(request, dict) and isinstance(followed, dict)
            and request.get("name") == followed.get("name")
            and isinstance(followed.get("token"), str)):
        return _out()
    root, err = _root()
    if err:
        return _error(err, followed=None)
    name = followed.get("name")
    snap = follow.read_followed(root, name, followed.get("sig"))
    if not snap.changed:
        return _out()
    result = snap.result
    if snap.error:
        return _error(f"{result.message}; stopped following", followed=None)
    rows = result.trace.rows if result.trace is not None else 0
    out = _followed(name, snap, followed["token"], rows)
    if result.trace is None:
        return _out(followed=out)
    store = traces.to_store(result.trace)
    return _out(store=store, status=result.message, status_class="message note",
                followed=out, header=_header(result))


def stop_following(followed: Any) -> dict:
    name = followed.get("name") if isinstance(followed, dict) else None
    if not isinstance(name, str):
        return _out(followed=None, status="Not following a trace.", status_class="message")
    return _out(followed=None, status=f"Stopped following {traces.clean_name(name)}; the "
                "trace stays drawn.", status_class="message")


@guard.guarded(("", "message", True, True), "import window note")
def window_note(state: Any, imported_data: Any, header: Any) -> tuple:
    """(note, its class, Fit disabled, UV disabled)."""
    note = plane.window_note(state, imported_data)
    has_trace = traces.from_store(imported_data) is not None
    has_uv = has_trace and isinstance(header, dict) and isinstance(header.get("uv"), dict)
    return note, "message error" if note else "message", not has_trace, not has_uv


def _steer(intent: dict, status: str) -> dict:
    return {"intent": intent, "status": status, "status_class": "message note",
            "tab": layout.PHASE_PLANE_TAB}


def _refuse(message: str) -> dict:
    return {"intent": no_update, "status": "⚠ " + message, "status_class": "message error",
            "tab": no_update}


@guard.guarded(lambda exc: _refuse("could not fit the window (logged on the server)"), "fit")
def fit(n_clicks: Any, imported_data: Any) -> dict:
    """Outputs of "Fit window to trace": a set-window intent and a message."""
    if not guard.clicked(n_clicks):
        return {k: no_update for k in ("intent", "status", "status_class", "tab")}
    stored = traces.from_store(imported_data)
    if stored is None:
        return _refuse("no imported trace to fit the window to")
    window, message = plane.fit_window(*plane.points(stored))
    if window is None:
        return _refuse(message)
    return _steer(intents.set_window(*window), message)


@guard.guarded(lambda exc: _refuse("could not show the matched UV model (logged on the "
                                   "server)"), "show_uv")
def show_uv(n_clicks: Any, header: Any, state: Any, imported_data: Any) -> dict:
    """Outputs of "Show the matched UV model": a load-state intent and a message."""
    if not guard.clicked(n_clicks):
        return {k: no_update for k in ("intent", "status", "status_class", "tab")}
    query, message = plane.uv_state(state, header, imported_data)
    if query is None:
        return _refuse(message)
    return _steer(intents.load_state(query), message)


def refresh(n_clicks: Any) -> tuple:
    """(dropdown options, status) of Refresh."""
    root, err = _root()
    if err:
        return no_update, "⚠ " + err
    options = trace_options(root)
    return options, f"{len(options)} trace file(s) in the traces directory"


def register_callbacks(app) -> None:
    """Attach the Import view's callbacks to ``app``."""
    _root()           # a TRACES_DIR that is not a directory fails here, at start
    app.clientside_callback(
        ClientsideFunction("import_trace", "size_check"),
        Output(ids.IMPORT_PENDING, "data"),
        Output(ids.IMPORT_STATUS, "children", allow_duplicate=True),
        Output(ids.IMPORT_STATUS, "className", allow_duplicate=True),
        Output(ids.IMPORT_UPLOAD, "contents"),
        Input(ids.IMPORT_UPLOAD, "contents"), State(ids.IMPORT_UPLOAD, "filename"),
        State(ids.IMPORT_LIMIT, "data"),
        prevent_initial_call=True)
    _register_upload(app)
    _register_follow(app)
    _register_plane(app)


def _outputs(dup: bool) -> dict:
    return {"store": Output(ids.IMPORTED, "data", allow_duplicate=dup),
            "status": Output(ids.IMPORT_STATUS, "children", allow_duplicate=dup),
            "status_class": Output(ids.IMPORT_STATUS, "className", allow_duplicate=dup),
            "tab": Output(ids.VIEW_TABS, "value", allow_duplicate=True),
            "followed": Output(ids.IMPORT_FOLLOWED, "data", allow_duplicate=dup),
            "header": Output(ids.IMPORT_HEADER, "data", allow_duplicate=dup)}


def _register_upload(app) -> None:
    @app.callback(
        output={**_outputs(False),
                "pending": Output(ids.IMPORT_PENDING, "data", allow_duplicate=True)},
        inputs={"pending": Input(ids.IMPORT_PENDING, "data"),
                "clear": Input(ids.IMPORT_CLEAR, "n_clicks"),
                "follow": Input(ids.IMPORT_FOLLOW, "n_clicks"),
                "stop": Input(ids.IMPORT_STOP, "n_clicks"),
                "name": State(ids.IMPORT_TRACES, "value"),
                "followed": State(ids.IMPORT_FOLLOWED, "data"),
                "state": State(ids.STATE, "data")},
        prevent_initial_call=True)
    def _upload(pending, clear, follow, stop, name, followed, state):
        fired = guard.triggered()
        if f"{ids.IMPORT_FOLLOW}.n_clicks" in fired and guard.clicked(follow):
            return {**start_following(name, state), "pending": no_update}
        if f"{ids.IMPORT_STOP}.n_clicks" in fired and guard.clicked(stop):
            return {**stop_following(followed), "pending": no_update}
        cleared = f"{ids.IMPORT_CLEAR}.n_clicks" in fired
        if not cleared and (pending is None or f"{ids.IMPORT_PENDING}.data" not in fired):
            return {**_out(), "pending": no_update}
        # drop the file from the browser's memory once it is read
        return {**handle_upload(pending, clear=cleared, state=state), "pending": None}


def _register_follow(app) -> None:
    app.clientside_callback(
        ClientsideFunction("import_trace", "follow_gate"),
        Output(ids.IMPORT_POLL, "data"), Output(ids.IMPORT_INTERVAL, "disabled"),
        Output(ids.IMPORT_FOLLOW_STATUS, "children"), Output(ids.IMPORT_CLOCK, "data"),
        Input(ids.IMPORT_INTERVAL, "n_intervals"), Input(ids.IMPORT_FOLLOWED, "data"),
        State(ids.IMPORT_CLOCK, "data"))

    @app.callback(output={k: v for k, v in _outputs(True).items() if k != "tab"},
                  inputs={"request": Input(ids.IMPORT_POLL, "data"),
                          "followed": State(ids.IMPORT_FOLLOWED, "data")},
                  prevent_initial_call=True)
    def _poll(request, followed):
        out = poll(request, followed)
        out.pop("tab", None)
        return out

    @app.callback(Output(ids.IMPORT_TRACES, "options"),
                  Output(ids.IMPORT_STATUS, "children", allow_duplicate=True),
                  Input(ids.IMPORT_REFRESH, "n_clicks"), prevent_initial_call=True)
    @guard.guarded((no_update, "⚠ could not list the traces (logged on the server)"),
                   "refresh")
    def _refresh(n_clicks):
        return refresh(n_clicks)


def _register_plane(app) -> None:
    @app.callback(Output(ids.IMPORT_WINDOW_NOTE, "children"),
                  Output(ids.IMPORT_WINDOW_NOTE, "className"),
                  Output(ids.IMPORT_FIT, "disabled"), Output(ids.IMPORT_UV, "disabled"),
                  Input(ids.state_for(ids.IMPORT_TAB), "data"), Input(ids.IMPORTED, "data"),
                  Input(ids.IMPORT_HEADER, "data"))
    def _note(state, imported_data, header):
        return window_note(state, imported_data, header)

    steer = {"intent": Output(*intents.TARGET, allow_duplicate=True),
             "status": Output(ids.IMPORT_STATUS, "children", allow_duplicate=True),
             "status_class": Output(ids.IMPORT_STATUS, "className", allow_duplicate=True),
             "tab": Output(ids.VIEW_TABS, "value", allow_duplicate=True)}

    @app.callback(output=steer, inputs={"n": Input(ids.IMPORT_FIT, "n_clicks"),
                                        "imported_data": State(ids.IMPORTED, "data")},
                  prevent_initial_call=True)
    def _fit(n, imported_data):
        return fit(n, imported_data)

    @app.callback(output=steer, inputs={"n": Input(ids.IMPORT_UV, "n_clicks"),
                                        "header": State(ids.IMPORT_HEADER, "data"),
                                        "state": State(ids.STATE, "data"),
                                        "imported_data": State(ids.IMPORTED, "data")},
                  prevent_initial_call=True)
    def _uv(n, header, state, imported_data):
        return show_uv(n, header, state, imported_data)
