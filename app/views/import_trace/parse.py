"""Measured traces (step, Δf, λ) uploaded or followed: files to :class:`ImportedTrace`.

A trace measured elsewhere (a real network trained by ``python -m uvcore
network``, or a PyTorch run with ``uvcore.probe``) is drawn on the phase
plane and the time series beside the UV-model trajectories.  Accepted files,
told apart by their content (the file name does not matter, so a CSV named
``.txt`` is read):

* **CSV** with a header row naming at least the columns ``step``, ``df``,
  ``lam`` (any order; ``lam_h`` — or ``lam_hessian``, as in the dashboard's
  own trajectory CSV — optional; other columns are ignored), one row per
  step, optionally preceded by ``# key: value`` lines (``model``, ``eta``).
  Blank lines and lines starting with ``#`` are skipped.
* **JSON**: an object ``{"step": [...], "df": [...], "lam": [...]}`` with an
  optional ``"lam_h": [...]`` of the same length (other keys are ignored).
* **JSON lines** (:mod:`.reader`): a header line ``{"header": {"format":
  "sharpness-lab-trace", "version": 1, "model", "eta", "uv", ...}}``, then
  one object per measurement.

Every value must be a finite number with |value| ≤ :data:`MAX_ABS`; steps
must be ≥ 0 and strictly increasing; at most :data:`MAX_ROWS` rows and
:data:`MAX_BYTES` bytes (through the dashboard, also at most
:func:`upload_limit` of the server's request limit).  Anything else is
refused with a one-line message: nothing here raises on any input.  A last
line without its newline that does not parse (a file still being written)
is ignored.  No Dash imports here.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, NamedTuple

import numpy as np

from ...core.guard import guarded
from ...core.traces import MAX_ABS, MAX_ROWS, ImportedTrace, clean_name
from .reader import TraceReader, number, short, sniff

__all__ = ["MAX_BYTES", "REQUEST_OVERHEAD", "Result", "parse_upload", "parse_bytes",
           "read_upload", "read_bytes", "decode", "validate", "summary", "upload_limit"]

#: Largest accepted file (bytes, decoded).  Through the dashboard a file must
#: also fit in one request to the server (see :func:`upload_limit`).
MAX_BYTES = 8_000_000
#: Bytes of a callback request besides the file's base64 text (JSON envelope,
#: ids, file name, data-URL header).
REQUEST_OVERHEAD = 4096

_COLUMNS = ("step", "df", "lam")


def upload_limit(request_limit: int) -> int:
    """Largest file (bytes) whose upload fits in a request body of
    ``request_limit`` bytes (base64 is 4 characters per 3 bytes), at most
    :data:`MAX_BYTES`."""
    return max(0, min(MAX_BYTES, (int(request_limit) - REQUEST_OVERHEAD) * 3 // 4))


class Result(NamedTuple):
    """A parsed file: the trace (None when refused), what the file says about
    itself (``header``: ``model``, ``eta``, ``uv``, …) and a one-line message."""

    trace: ImportedTrace | None
    header: dict
    message: str


def _fail(message: str) -> Result:
    return Result(None, {}, message)


def parse_upload(contents: Any, filename: Any = None) -> tuple[ImportedTrace | None, str]:
    """(trace, one-line summary) or (None, one-line reason) of an upload. Never raises."""
    r = read_upload(contents, filename)
    return r.trace, r.message


def parse_bytes(raw: Any, filename: Any = None) -> tuple[ImportedTrace | None, str]:
    """(trace, summary) or (None, reason) of a file's bytes. Never raises."""
    r = read_bytes(raw, filename)
    return r.trace, r.message


@guarded(lambda exc: _fail("upload: could not read the file"), "upload")
def read_upload(contents: Any, filename: Any = None) -> Result:
    """Decode a ``dcc.Upload`` ``contents`` (a ``data:…;base64,…`` URL) and parse it.
    Never raises."""
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
    return read_bytes(raw, filename)


def decode(raw: Any, what: str = "upload") -> tuple[str | None, str | None]:
    """(text, None) of a file's bytes, or (None, one-line reason): size, NUL
    bytes (a binary file), UTF-8 (a BOM is dropped)."""
    if not isinstance(raw, (bytes, bytearray)):
        return None, f"{what}: no file data"
    if len(raw) > MAX_BYTES:
        return None, f"{what}: file larger than {MAX_BYTES / 1e6:g} MB"
    if b"\x00" in raw:
        return None, f"{what}: a binary file; expected CSV, JSON or JSON-lines text"
    try:
        return bytes(raw).decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, f"{what}: not UTF-8 text; expected CSV, JSON or JSON lines"


@guarded(lambda exc: _fail("upload: could not read the file"), "upload")
def read_bytes(raw: Any, filename: Any = None) -> Result:
    """Parse the bytes of a CSV, JSON or JSON-lines file (module docstring). Never raises."""
    if isinstance(raw, (bytes, bytearray)) and not raw.strip():
        return _fail("upload: the file is empty")
    text, err = decode(raw)
    if err:
        return _fail(err)
    name = clean_name(filename)
    kind = sniff(text, name)
    if kind == "json":
        columns, err = _parse_json(text)
        if err:
            return _fail(err)
        return validate(name, columns, {})
    reader = TraceReader(kind)
    reader.feed_text(text, final=True)
    if reader.error:
        return _fail(reader.error)
    columns = reader.columns()
    if columns is None:
        return _fail("CSV: no header row (expected step,df,lam[,lam_h], or JSON / JSON lines)")
    return validate(name, columns, reader.header, reader.note)


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
            v = number(item, strings=False)
            if v is None:
                return None, (f"JSON: {key}[{i}] is not a finite number with |value| ≤ "
                              f"{MAX_ABS:g} ({short(item)})")
            out[i] = v
        columns[key] = out
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        return None, "JSON: the lists must all have the same length"
    return columns, None


def validate(name: str, columns: dict, header: dict, note: str | None = None,
             what: str = "upload", verb: str = "imported") -> Result:
    """The trace of ``columns`` (steps checked) and its one-line summary."""
    step = columns["step"]
    if step.size == 0:
        return _fail(f"{what}: the file has a header but no rows")
    if step.size > MAX_ROWS:
        return _fail(f"{what}: more than {MAX_ROWS} rows")
    if np.any(step < 0):
        return _fail(f"{what}: steps must be ≥ 0")
    if step.size > 1 and np.any(np.diff(step) <= 0):
        i = int(np.argmax(np.diff(step) <= 0)) + 1
        return _fail(f"{what}: steps must be strictly increasing (row {i + 1}: "
                     f"{step[i]:g} after {step[i - 1]:g})")
    trace = ImportedTrace(name, step, columns["df"], columns["lam"], columns.get("lam_h"))
    return Result(trace, dict(header), summary(trace, header, note, verb))


def summary(trace: ImportedTrace, header: dict, note: str | None = None,
            verb: str = "imported") -> str:
    """``imported run.csv: 200 steps (0…199) of Δf, λ and λᴴ; model mlp, η = 0.05; …``."""
    extra = " and λᴴ" if trace.lam_h is not None else ""
    step = trace.step
    parts = [f"{verb} {trace.name}: {trace.rows} steps ({step[0]:g}…{step[-1]:g}) of Δf, "
             f"λ{extra}"]
    about = []
    if header.get("model"):
        about.append(f"model {header['model']}")
    if header.get("eta") is not None:
        about.append(f"η = {header['eta']:.6g}")
    if header.get("uv"):
        about.append("with a matched UV model")
    if about:
        parts.append(", ".join(about))
    if note:
        parts.append(note)
    return "; ".join(parts)
