"""The Import tab: the upload area, Clear / Fit window / matched UV model, the
status line, the off-screen note, the traces directory (when ``TRACES_DIR``
is set) and the accepted formats.

The largest accepted file depends on the server's request limit
(``MAX_CONTENT_LENGTH``): it is read when the layout is built and handed to
the browser's size check (``app/assets/import_trace.js``) in the store
:data:`app.core.ids.IMPORT_LIMIT`.  The traces directory is listed each time
the page is loaded (and on Refresh).
"""

from __future__ import annotations

from dash import dcc, html

from ...core import ids, traces
from ...shell.config import ConfigError, traces_dir
from ...shell.server import max_content_length
from . import follow
from . import parse as imported

__all__ = ["FORMATS", "IDLE_S", "file_limit", "size_limit", "trace_options",
           "traces_section", "make_layout"]

# The poll interval and the follow stores (ids.IMPORT_INTERVAL, IMPORT_FOLLOWED,
# IMPORT_POLL, IMPORT_CLOCK) are in the core layout, outside the tabs: dcc.Tabs
# unmounts a hidden tab, and following must go on while the phase plane is shown.
#: Polling stops when a followed file has not changed for this long (s).
IDLE_S = 120


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

Lines `# key: value` before the header row describe the run (`model`, `eta`
are shown).

**JSON** — `{{"step": [0, 1, ...], "df": [...], "lam": [...], "lam_h": [...]}}`
(`lam_h` optional; lists of equal length).

**JSON lines** (what `uvcore.probe` writes) — a header line, then one object
per measurement:

```text
{{"header": {{"format": "sharpness-lab-trace", "version": 1, "model": "mlp", "eta": 0.05, "uv": null}}}}
{{"step": 0, "df": -1.9, "lam": 12.1, "lam_h": 11.8, "loss": 1.8, "eta": 0.05}}
```

A header with a matched UV model (`"uv": {{"eta", "n_eff", "x_norm", "y", "df0",
"lam0", ...}}`) enables “Show the matched UV model”. The file name does not
matter (a CSV named `.txt` is read); a last line without its newline that
does not parse (a file still being written) is ignored.

Rules: at most {traces.MAX_ROWS:,} rows and {{size}} (this server's limit, set by its
`MAX_CONTENT_LENGTH`); every
value a finite number with |value| ≤ {traces.MAX_ABS:g}; steps ≥ 0 and strictly
increasing. `df` is Δf = f − y, `lam` the NTK sharpness λ, `lam_h` the Hessian
sharpness λᴴ, in the same units as the phase plane.
"""


def trace_options(root) -> list[dict]:
    """Dropdown options of the files in the traces directory ``root``, newest first."""
    return [{"label": f"{f['name']} ({_size(f['size'])})", "value": f["name"]}
            for f in follow.list_traces(root)]


def traces_section() -> html.Div:
    """The traces directory's list, Refresh, Follow, Stop and the following line.

    When ``TRACES_DIR`` is not set (or unusable) they are hidden behind one hint
    line; they stay in the page so that every callback finds its components.
    """
    hint, root = None, None
    try:
        root = traces_dir()
    except ConfigError as err:
        hint = f"Traces directory unusable: {err}"
    if root is None and hint is None:
        hint = ("Following a trace file while it grows is off: the server's TRACES_DIR is "
                "not set.")
    options = trace_options(root)
    controls = html.Div(className="control-row", style={"display": "none"} if hint else None,
                        children=[
        html.Label("Trace on the server", htmlFor=ids.IMPORT_TRACES),
        dcc.Dropdown(id=ids.IMPORT_TRACES, options=options, clearable=False,
                     value=options[0]["value"] if options else None,
                     placeholder="no trace files yet", className="import-traces"),
        html.Button("Refresh", id=ids.IMPORT_REFRESH, n_clicks=0, className="btn"),
        html.Button("Follow", id=ids.IMPORT_FOLLOW, n_clicks=0, className="btn",
                    title="draw this file and redraw it while it grows"),
        html.Button("Stop", id=ids.IMPORT_STOP, n_clicks=0, className="btn"),
    ])
    return html.Div(className="import-follow", children=[
        html.Div(hint, className="hint") if hint else None,
        controls,
        html.Div(id=ids.IMPORT_FOLLOW_STATUS, className="message", role="status"),
    ])


def make_layout() -> html.Div:
    """The components of the "Import" tab."""
    limit = size_limit()
    # a page of help under the drop zone: it scrolls inside itself, with the scroll cue
    return html.Div(className="import-view scroll-region", children=[
        html.P(className="hint", children=(
            "Compare a measured run (e.g. a real network) with the UV model: the trace is "
            "drawn on the phase plane and the time series as a dashed green line.")),
        # no accept= filter: a file is judged by its content, whatever its name
        dcc.Upload(id=ids.IMPORT_UPLOAD, className="upload", multiple=False,
                   children=html.Div(["Drop a CSV, JSON or JSON-lines file here, or ",
                                      html.A("choose one", className="link")])),
        html.Div(className="control-row", children=[
            html.Button("Clear imported trace", id=ids.IMPORT_CLEAR, n_clicks=0,
                        className="btn"),
            html.Button("Fit window to trace", id=ids.IMPORT_FIT, n_clicks=0, className="btn",
                        disabled=True, title="set the phase plane's window around the trace"),
            html.Button("Show the matched UV model", id=ids.IMPORT_UV, n_clicks=0,
                        className="btn", disabled=True,
                        title="set η, n_eff, ‖x‖, y to the model matched to this run and "
                              "start a trajectory where it starts"),
        ]),
        html.Div(id=ids.IMPORT_STATUS, className="message", role="status",
                 **{"aria-live": "polite"}),
        html.Div(id=ids.IMPORT_WINDOW_NOTE, className="message"),
        traces_section(),
        dcc.Markdown(FORMATS.replace("{size}", limit["text"]), className="import-formats"),
        dcc.Store(id=ids.IMPORT_HEADER),
        dcc.Store(id=ids.IMPORT_PENDING),
        dcc.Store(id=ids.IMPORT_LIMIT, data=limit),
    ])
