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
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core.figures import decimate_minmax, sig_round

__all__ = ["MAX_BYTES", "MAX_ROWS", "MAX_ABS", "MAX_NAME", "PLANE_HEAD", "PLANE_TAIL",
           "SERIES_POINTS", "REQUEST_OVERHEAD", "ImportedTrace", "StoredTrace", "parse_upload",
           "parse_bytes", "to_store", "from_store", "clean_name", "upload_limit"]

#: Largest accepted file (bytes, decoded).  Through the dashboard a file must
#: also fit in one request to the server (see :func:`upload_limit`).
MAX_BYTES = 8_000_000
#: Bytes of a callback request besides the file's base64 text (JSON envelope,
#: ids, file name, data-URL header).
REQUEST_OVERHEAD = 4096
#: Most rows (steps) of a trace.
MAX_ROWS = 100_000
#: Largest |value| accepted.
MAX_ABS = 1e12
#: Longest file name shown (longer names are cut with "…").
MAX_NAME = 60
#: States of the trace kept for the phase plane: the first PLANE_HEAD and the last PLANE_TAIL.
PLANE_HEAD = 1000
PLANE_TAIL = 500
#: Most points of each time series kept (per-bucket min and max).
SERIES_POINTS = 1000
#: Significant digits kept in the browser's copy.
STORE_DIGITS = 6

_COLUMNS = ("step", "df", "lam")
_LAM_H = ("lam_h", "lam_hessian")


@dataclass(frozen=True)
class ImportedTrace:
    """A validated trace: arrays of equal length ≥ 1 (``lam_h`` may be None)."""

    name: str
    step: np.ndarray
    df: np.ndarray
    lam: np.ndarray
    lam_h: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return int(self.step.size)


@dataclass(frozen=True)
class StoredTrace:
    """The browser's reduced copy, validated: what the figures draw.

    ``plane`` is (step, df, lam) of the kept states with ``gap`` the index
    where the middle was cut (0: nothing cut); ``series`` maps ``loss``,
    ``lam`` and optionally ``lam_h`` to (step, value) arrays.
    """

    name: str
    rows: int
    plane: tuple
    gap: int
    series: dict


def upload_limit(request_limit: int) -> int:
    """Largest file (bytes) whose upload fits in a request body of
    ``request_limit`` bytes (base64 is 4 characters per 3 bytes), at most
    :data:`MAX_BYTES`."""
    return max(0, min(MAX_BYTES, (int(request_limit) - REQUEST_OVERHEAD) * 3 // 4))


def clean_name(name: Any) -> str:
    """A file name without its folders or control characters, ≤ MAX_NAME chars.

    (Figures escape it before Plotly reads it as markup.)
    """
    if not isinstance(name, str) or not name.strip():
        return "trace"
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", "", name).strip()
    text = text.replace("\\", "/").rsplit("/", 1)[-1] or "trace"
    if len(text) > MAX_NAME:
        text = text[: MAX_NAME - 1] + "…"
    return text


def _fail(message: str) -> tuple[None, str]:
    return None, message


def parse_upload(contents: Any, filename: Any = None) -> tuple[ImportedTrace | None, str]:
    """Decode a ``dcc.Upload`` ``contents`` (a ``data:…;base64,…`` URL) and parse it.

    Returns (trace, message): the trace and a one-line summary, or
    (None, one-line reason).  Never raises.
    """
    try:
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
    except Exception:  # noqa: BLE001 — a hostile upload must never break a request
        return _fail("upload: could not read the file")


def parse_bytes(raw: Any, filename: Any = None) -> tuple[ImportedTrace | None, str]:
    """Parse the bytes of a CSV or JSON file (see the module docstring). Never raises."""
    try:
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
    except Exception:  # noqa: BLE001
        return _fail("upload: could not read the file")


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

def _sig(a: np.ndarray) -> list:
    return sig_round(a, STORE_DIGITS).tolist()


def to_store(trace: ImportedTrace) -> dict:
    """The reduced, JSON-ready copy of a trace kept in the browser."""
    n = trace.rows
    if n > PLANE_HEAD + PLANE_TAIL:
        idx = np.concatenate([np.arange(PLANE_HEAD), np.arange(n - PLANE_TAIL, n)])
        gap = PLANE_HEAD
    else:
        idx, gap = np.arange(n), 0
    series = {}
    named = [("loss", 0.5 * trace.df ** 2), ("lam", trace.lam)]
    if trace.lam_h is not None:
        named.append(("lam_h", trace.lam_h))
    for key, values in named:
        t, (v,) = decimate_minmax(trace.step, [values], SERIES_POINTS)
        series[key] = {"step": _sig(t), "value": _sig(v)}
    return {"name": trace.name, "rows": n, "gap": gap,
            "plane": {"step": _sig(trace.step[idx]), "df": _sig(trace.df[idx]),
                      "lam": _sig(trace.lam[idx])},
            "series": series}


def _array(values: Any, cap: int) -> np.ndarray | None:
    if not isinstance(values, list) or not 1 <= len(values) <= cap:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    a = np.asarray(values, dtype=float)
    return a if np.all(np.isfinite(a)) and np.all(np.abs(a) <= MAX_ABS) else None


def from_store(data: Any) -> StoredTrace | None:
    """Validate the browser's copy; None when absent or malformed. Never raises."""
    try:
        if not isinstance(data, dict):
            return None
        name, rows, gap = data.get("name"), data.get("rows"), data.get("gap")
        plane, series = data.get("plane"), data.get("series")
        if not (isinstance(name, str) and isinstance(plane, dict) and isinstance(series, dict)
                and isinstance(rows, int) and not isinstance(rows, bool)
                and 1 <= rows <= MAX_ROWS and isinstance(gap, int)
                and not isinstance(gap, bool)):
            return None
        cap = PLANE_HEAD + PLANE_TAIL
        step, df, lam = (_array(plane.get(k), cap) for k in ("step", "df", "lam"))
        if step is None or df is None or lam is None or not step.size == df.size == lam.size:
            return None
        if not 0 <= gap < step.size:
            return None
        out = {}
        for key in ("loss", "lam", "lam_h"):
            entry = series.get(key)
            if entry is None and key == "lam_h":
                continue
            if not isinstance(entry, dict):
                return None
            t, v = _array(entry.get("step"), SERIES_POINTS), _array(entry.get("value"),
                                                                     SERIES_POINTS)
            if t is None or v is None or t.size != v.size:
                return None
            out[key] = (t, v)
        return StoredTrace(clean_name(name), rows, (step, df, lam), gap, out)
    except Exception:  # noqa: BLE001
        return None
