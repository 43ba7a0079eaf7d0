"""The "Import" view: draw a trace measured elsewhere beside the UV model.

Upload a CSV (header ``step,df,lam``, optional ``lam_h``) or a JSON object
``{"step": [...], "df": [...], "lam": [...]}`` of a run measured elsewhere,
e.g. a real network (``python -m uvcore network``).  It is validated
strictly (:mod:`app.imported`: size, rows, finite numbers; a one-line
message on any problem), kept in the store :data:`app.core.ids.IMPORTED` in a
reduced form, and drawn on the phase plane and the time series as
"imported: <file name>" until cleared.

Data flow: ``dcc.Upload`` → a clientside check of the size (a file whose
request would exceed the server's ``MAX_CONTENT_LENGTH`` is refused in the
browser with a message, instead of a silent 413) → store
:data:`app.core.ids.IMPORT_PENDING` → the server parses it → :data:`app.core.ids.IMPORTED`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update

from . import parse as imported

from ...core import ids, layout
from ...shell.server import max_content_length
from ...core import traces
from ...core.registry import View

log = logging.getLogger(__name__)

__all__ = ["make_layout", "handle_upload", "size_check_js", "register_callbacks"]


def _file_limit() -> int:
    """Largest file this server accepts (bytes)."""
    return imported.upload_limit(max_content_length())


FORMATS = f"""
**CSV** — a header row naming the columns `step`, `df`, `lam` (any order; `lam_h`
optional, `lam_hessian` accepted; other columns ignored), then one row per step:

```text
step,df,lam,lam_h
0,-2.0,0.50,0.55
1,-1.6,0.62,0.66
```

Lines starting with `#` are skipped, so the dashboard's own trajectory CSV
can be imported back.

**JSON** — `{{"step": [0, 1, ...], "df": [...], "lam": [...], "lam_h": [...]}}`
(`lam_h` optional; lists of equal length).

Rules: at most {traces.MAX_ROWS:,} rows and {{size}} (this server's limit, set by its
`MAX_CONTENT_LENGTH`); every
value a finite number with |value| ≤ {traces.MAX_ABS:g}; steps ≥ 0 and strictly
increasing. `df` is Δf = f − y, `lam` the NTK sharpness λ, `lam_h` the Hessian
sharpness λᴴ, in the same units as the phase plane.
"""


def _size(n: int) -> str:
    return f"{n / 1e6:.3g} MB" if n >= 1e6 else f"{n / 1e3:.3g} kB"


def make_layout() -> html.Div:
    return html.Div(className="import-view", children=[
        html.P(className="hint", children=(
            "Compare a measured run (e.g. a real network) with the UV model: the trace is "
            "drawn on the phase plane and the time series as a dashed green line.")),
        dcc.Upload(id=ids.IMPORT_UPLOAD, className="upload", multiple=False,
                   accept=".csv,.json,text/csv,application/json",
                   children=html.Div(["Drop a CSV or JSON file here, or ",
                                      html.A("choose one", className="link")])),
        html.Div(className="control-row", children=[
            html.Button("Clear imported trace", id=ids.IMPORT_CLEAR, n_clicks=0,
                        className="btn"),
        ]),
        html.Div(id=ids.IMPORT_STATUS, className="message", role="status",
                 **{"aria-live": "polite"}),
        dcc.Markdown(FORMATS.replace("{size}", _size(_file_limit())),
                     className="import-formats"),
        dcc.Store(id=ids.IMPORT_PENDING),
    ])




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
    try:
        store = traces.to_store(trace)
    except Exception:  # noqa: BLE001
        log.exception("to_store failed")
        return {"store": no_update, "status": "⚠ upload: could not prepare the trace",
                "status_class": "message error", "tab": no_update}
    return {"store": store, "status": message, "status_class": "message note",
            "tab": layout.PHASE_PLANE_TAB}


def size_check_js(max_chars: int, limit_text: str) -> str:
    """Clientside callback: forward an upload to the server, or refuse it here
    when its request would be larger than the server accepts.  Always resets
    the upload, so choosing the same file again is a new event."""
    return f"""
function(contents, filename) {{
    const nu = window.dash_clientside.no_update;
    if (typeof contents !== "string" || !contents) return [nu, nu, nu, nu];
    if (contents.length > {int(max_chars)}) {{
        const kb = Math.round(contents.length * 0.75 / 1000);
        return [nu, "⚠ upload: file of about " + kb + " kB is larger than this server's "
                    + "limit of " + {json.dumps(limit_text)}, "message error", null];
    }}
    return [{{contents: contents, filename: filename}}, "Reading the file…", "message", null];
}}"""


def register_callbacks(app) -> None:
    limit = _file_limit()
    app.clientside_callback(
        size_check_js(max_content_length() - imported.REQUEST_OVERHEAD, _size(limit)),
        Output(ids.IMPORT_PENDING, "data"),
        Output(ids.IMPORT_STATUS, "children", allow_duplicate=True),
        Output(ids.IMPORT_STATUS, "className", allow_duplicate=True),
        Output(ids.IMPORT_UPLOAD, "contents"),
        Input(ids.IMPORT_UPLOAD, "contents"), State(ids.IMPORT_UPLOAD, "filename"),
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
        cleared = ctx.triggered_id == ids.IMPORT_CLEAR
        if not cleared and pending is None:
            return {"store": no_update, "status": no_update, "status_class": no_update,
                    "tab": no_update, "pending": no_update}
        # drop the file from the browser's memory once it is read
        return {**handle_upload(pending, clear=cleared), "pending": None}


VIEW = View("Import", ids.IMPORT_TAB, make_layout, register_callbacks,
            order=40)
