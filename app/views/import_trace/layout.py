"""The Import tab: the upload area, Clear, the status line and the accepted formats.

The largest accepted file depends on the server's request limit
(``MAX_CONTENT_LENGTH``): it is read when the layout is built and handed to
the browser's size check (``app/assets/import_trace.js``) in the store
:data:`app.core.ids.IMPORT_LIMIT`.
"""

from __future__ import annotations

from dash import dcc, html

from ...core import ids, traces
from ...shell.server import max_content_length
from . import parse as imported

__all__ = ["FORMATS", "file_limit", "size_limit", "make_layout"]

#: Store holding the browser's size check's limit, {"max_chars", "text"}.


def file_limit() -> int:
    """Largest file this server accepts (bytes)."""
    return imported.upload_limit(max_content_length())


def _size(n: int) -> str:
    return f"{n / 1e6:.3g} MB" if n >= 1e6 else f"{n / 1e3:.3g} kB"


def size_limit() -> dict:
    """The size check's limit: the longest data URL whose request the server
    accepts (``max_chars``) and the largest file in words (``text``)."""
    return {"max_chars": max_content_length() - imported.REQUEST_OVERHEAD,
            "text": _size(file_limit())}


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


def make_layout() -> html.Div:
    """The components of the "Import" tab."""
    limit = size_limit()
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
        dcc.Markdown(FORMATS.replace("{size}", limit["text"]), className="import-formats"),
        dcc.Store(id=ids.IMPORT_PENDING),
        dcc.Store(id=ids.IMPORT_LIMIT, data=limit),
    ])
