"""The Import view's callbacks: the browser's size check (clientside,
``app/assets/import_trace.js``) and the server's parse of the file into the
store :data:`app.core.ids.IMPORTED`."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Input, Output, State, no_update

from ...core import guard, ids, layout, traces
from . import parse as imported

__all__ = ["handle_upload", "register_callbacks"]

_PREPARE_FAILED = {"store": no_update, "status": "⚠ upload: could not prepare the trace",
                   "status_class": "message error", "tab": no_update}


@guard.guarded(_PREPARE_FAILED, "to_store")
def _stored(trace, message: str) -> dict:
    """Outputs for a parsed trace: its browser copy, ``message``, the phase plane shown."""
    return {"store": traces.to_store(trace), "status": message,
            "status_class": "message note", "tab": layout.PHASE_PLANE_TAB}


def handle_upload(pending: Any, clear: bool = False) -> dict:
    """Outputs of an upload or a clear: ``store``, ``status``, ``status_class``, ``tab``.

    ``pending`` is the :data:`ids.IMPORT_PENDING` store, {"contents": data
    URL, "filename": name}.  A valid file replaces the stored trace and shows
    the phase plane; a bad one leaves the stored trace alone and says why.
    Never raises.
    """
    if clear:
        return {"store": None, "status": "Imported trace removed.", "status_class": "message",
                "tab": no_update}
    contents = pending.get("contents") if isinstance(pending, dict) else None
    filename = pending.get("filename") if isinstance(pending, dict) else None
    trace, message = imported.parse_upload(contents, filename)
    if trace is None:
        return {"store": no_update, "status": "⚠ " + message,
                "status_class": "message error", "tab": no_update}
    return _stored(trace, message)


def register_callbacks(app) -> None:
    """Attach the Import view's callbacks to ``app``."""
    app.clientside_callback(
        ClientsideFunction("import_trace", "size_check"),
        Output(ids.IMPORT_PENDING, "data"),
        Output(ids.IMPORT_STATUS, "children", allow_duplicate=True),
        Output(ids.IMPORT_STATUS, "className", allow_duplicate=True),
        Output(ids.IMPORT_UPLOAD, "contents"),
        Input(ids.IMPORT_UPLOAD, "contents"), State(ids.IMPORT_UPLOAD, "filename"),
        State(ids.IMPORT_LIMIT, "data"),
        prevent_initial_call=True)

    @app.callback(
        output={"store": Output(ids.IMPORTED, "data"),
                "status": Output(ids.IMPORT_STATUS, "children"),
                "status_class": Output(ids.IMPORT_STATUS, "className"),
                "tab": Output(ids.VIEW_TABS, "value", allow_duplicate=True),
                "pending": Output(ids.IMPORT_PENDING, "data", allow_duplicate=True)},
        inputs={"pending": Input(ids.IMPORT_PENDING, "data"),
                "clear": Input(ids.IMPORT_CLEAR, "n_clicks")},
        prevent_initial_call=True)
    def _upload(pending, clear):
        cleared = f"{ids.IMPORT_CLEAR}.n_clicks" in guard.triggered()
        if not cleared and pending is None:
            return {"store": no_update, "status": no_update, "status_class": no_update,
                    "tab": no_update, "pending": no_update}
        # drop the file from the browser's memory once it is read
        return {**handle_upload(pending, clear=cleared), "pending": None}
