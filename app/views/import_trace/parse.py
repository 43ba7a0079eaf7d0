"""Measured traces (step, Δf, λ) uploaded into the dashboard: parsing and the store.

A trace measured elsewhere (e.g. a real network trained by
``python -m uvcore network``) is drawn on the phase plane and the time
series beside the UV-model trajectories.  Accepted files:

* **CSV** with a header row naming at least the columns ``step``, ``df``,
  ``lam`` (any order; ``lam_h`` — or ``lam_hessian``, as in the dashboard's
  own trajectory CSV — optional; other columns are ignored), one row per
  step.  Blank lines and lines starting with ``#`` are skipped.
* **JSON**: an object ``{"step": [...], "df": [...], "lam": [...]}`` with an
  optional ``"lam_h": [...]`` of the same length (other keys are ignored).

Every value must be a finite number with |value| ≤ :data:`MAX_ABS`; steps
must be ≥ 0 and strictly increasing; at most :data:`MAX_ROWS` rows and
:data:`MAX_BYTES` bytes (through the dashboard, also at most
:func:`upload_limit` of the server's request limit).  Anything else is
refused with a one-line message: nothing here raises on any input.

The browser keeps a reduced copy of the trace (:func:`to_store`): the first
:data:`PLANE_HEAD` and last :data:`PLANE_TAIL` states for the phase plane and
per-bucket min/max envelopes of ≤ :data:`SERIES_POINTS` points for the time
series, so every request that carries it stays small.  :func:`from_store`
re-validates that copy on every use (it comes back from the browser).
No Dash imports here.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import math
import re
from typing import Any

import numpy as np

from ...core.guard import guarded
from ...core.traces import MAX_ABS, MAX_ROWS, ImportedTrace, clean_name

__all__ = ["MAX_BYTES", "REQUEST_OVERHEAD", "parse_upload", "parse_bytes", "upload_limit"]

#: Largest accepted file (bytes, decoded).  Through the dashboard a file must
#: also fit in one request to the server (see :func:`upload_limit`).
MAX_BYTES = 8_000_000
#: Bytes of a callback request besides the file's base64 text (JSON envelope,
#: ids, file name, data-URL header).
REQUEST_OVERHEAD = 4096

_COLUMNS = ("step", "df", "lam")
_LAM_H = ("lam_h", "lam_hessian")


def upload_limit(request_limit: int) -> int:
    """Largest file (bytes) whose upload fits in a request body of
    ``request_limit`` bytes (base64 is 4 characters per 3 bytes), at most
    :data:`MAX_BYTES`."""
    return max(0, min(MAX_BYTES, (int(request_limit) - REQUEST_OVERHEAD) * 3 // 4))


def _fail(message: str) -> tuple[None, str]:
    return None, message


@guarded(lambda exc: _fail("upload: could not read the file"), "upload")
def parse_upload(contents: Any, filename: Any = None) -> tuple[ImportedTrace | None, str]:
    """Decode a ``dcc.Upload`` ``contents`` (a ``data:…;base64,…`` URL) and parse it.

    Returns (trace, message): the trace and a one-line summary, or
    (None, one-line reason).  Never raises.
    """
    if not isinstance(contents, str) or not contents:
        return _fail("upload: no file received")
    head, sep, payload = contents.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        return _fail("upload: not a base64 data URL (expected what a file upload sends)")
    # 4 base64 characters per 3 bytes: refuse large files before decoding them
    if len(payload) > 4 * (MAX_BYTES // 3 + 1) + 4:
        return _fail(f"upload: file larger than {MAX_BYTES / 1e6:g} MB")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return _fail("upload: the file data is not valid base64")
    return parse_bytes(raw, filename)



@guarded(lambda exc: _fail("upload: could not read the file"), "upload")
def parse_bytes(raw: Any, filename: Any = None) -> tuple[ImportedTrace | None, str]:
    """Parse the bytes of a CSV or JSON file (see the module docstring). Never raises."""
    if not isinstance(raw, (bytes, bytearray)):
        return _fail("upload: no file data")
    if len(raw) > MAX_BYTES:
        return _fail(f"upload: file larger than {MAX_BYTES / 1e6:g} MB")
    if not raw.strip():
        return _fail("upload: the file is empty")
    if b"\x00" in raw:
        return _fail("upload: a binary file; expected CSV or JSON text")
    try:
        text = bytes(raw).decode("utf-8-sig")
    except UnicodeDecodeError:
        return _fail("upload: not UTF-8 text; expected CSV or JSON")
    name = clean_name(filename)
    lower = name.lower()
    is_json = lower.endswith(".json") or (not lower.endswith(".csv")
                                          and text.lstrip().startswith(("{", "[")))
    columns, err = _parse_json(text) if is_json else _parse_csv(text)
    if err:
        return _fail(err)
    return _validate(name, columns)



def _number(value: Any) -> float | None:
    """A finite float with |v| ≤ MAX_ABS from a JSON number or CSV cell, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40:
            return None
        try:
            v = float(text)
        except ValueError:
            return None
    elif isinstance(value, (int, float)):
        try:
            v = float(value)
        except (OverflowError, ValueError):
            return None
    else:
        return None
    return v if math.isfinite(v) and abs(v) <= MAX_ABS else None


def _parse_json(text: str) -> tuple[dict | None, str | None]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None, "JSON: not valid JSON"
    if not isinstance(data, dict):
        return None, 'JSON: expected an object {"step": [...], "df": [...], "lam": [...]}'
    missing = [k for k in _COLUMNS if k not in data]
    if missing:
        return None, f"JSON: missing key(s) {', '.join(missing)}"
    keys = list(_COLUMNS) + (["lam_h"] if data.get("lam_h") is not None else [])
    columns = {}
    for key in keys:
        values = data[key]
        if not isinstance(values, list):
            return None, f"JSON: {key} must be a list of numbers"
        if len(values) > MAX_ROWS:
            return None, f"JSON: more than {MAX_ROWS} rows"
        out = np.empty(len(values))
        for i, item in enumerate(values):
            v = _number(item) if not isinstance(item, str) else None
            if v is None:
                return None, (f"JSON: {key}[{i}] is not a finite number with |value| ≤ "
                              f"{MAX_ABS:g} ({_short(item)})")
            out[i] = v
        columns[key] = out
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        return None, "JSON: the lists must all have the same length"
    return columns, None


def _parse_csv(text: str) -> tuple[dict | None, str | None]:
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines())
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        return None, "CSV: no header row"
    if len(lines) - 1 > MAX_ROWS:
        return None, f"CSV: more than {MAX_ROWS} rows"
    try:
        rows = list(csv.reader(io.StringIO("\n".join(ln for _, ln in lines))))
    except csv.Error:
        return None, "CSV: could not split the rows into fields"
    header = [h.strip().lower() for h in rows[0]]
    missing = [k for k in _COLUMNS if k not in header]
    if missing:
        shown = ",".join(h[:20] for h in header[:8])
        return None, (f"CSV: the header must name the columns step,df,lam (lam_h optional); "
                      f"missing {', '.join(missing)} in “{_short(shown, 60)}”")
    if len(set(header)) != len(header):
        return None, "CSV: repeated column names in the header"
    keys = list(_COLUMNS) + [k for k in _LAM_H if k in header][:1]
    index = {k: header.index(k) for k in keys}
    n = len(rows) - 1
    columns = {k: np.empty(n) for k in keys}
    for r, row in enumerate(rows[1:]):
        line_no = lines[r + 1][0]
        if len(row) != len(header):
            return None, (f"CSV line {line_no}: {len(row)} fields, the header has "
                          f"{len(header)}")
        for k in keys:
            v = _number(row[index[k]])
            if v is None:
                return None, (f"CSV line {line_no}: {k} = {_short(row[index[k]])} is not a "
                              f"finite number with |value| ≤ {MAX_ABS:g}")
            columns[k][r] = v
    if "lam_hessian" in columns:
        columns["lam_h"] = columns.pop("lam_hessian")
    return columns, None


def _short(value: Any, n: int = 24) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _validate(name: str, columns: dict) -> tuple[ImportedTrace | None, str]:
    step = columns["step"]
    if step.size == 0:
        return _fail("upload: the file has a header but no rows")
    if step.size > MAX_ROWS:
        return _fail(f"upload: more than {MAX_ROWS} rows")
    if np.any(step < 0):
        return _fail("upload: steps must be ≥ 0")
    if step.size > 1 and np.any(np.diff(step) <= 0):
        i = int(np.argmax(np.diff(step) <= 0)) + 1
        return _fail(f"upload: steps must be strictly increasing (row {i + 1}: "
                     f"{step[i]:g} after {step[i - 1]:g})")
    trace = ImportedTrace(name, step, columns["df"], columns["lam"], columns.get("lam_h"))
    extra = " and λᴴ" if trace.lam_h is not None else ""
    return trace, (f"imported {name}: {trace.rows} steps ({step[0]:g}…{step[-1]:g}) of Δf, "
                   f"λ{extra}; drawn on the phase plane and the time series")


# -- the browser's copy --------------------------------------------------------------

