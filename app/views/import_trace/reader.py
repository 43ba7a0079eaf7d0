"""Rows of a CSV or JSON-lines trace, read line by line and fed in pieces.

One reader serves an uploaded file (all its lines at once) and a followed
file that is still being written (:mod:`.follow` feeds the lines appended
since the last read).  Formats (what ``uvcore.probe`` and the Real networks
view write):

* **CSV**: optional ``# key: value`` comment lines (the header: ``model``,
  ``eta``, …; ``uv`` may hold a JSON object), a header row naming at least
  ``step``, ``df``, ``lam`` (``lam_h`` or ``lam_hessian`` optional; other
  columns ignored), one row per measurement.  Blank lines and other ``#``
  lines are skipped.
* **JSON lines**: a first line ``{"header": {"format": "sharpness-lab-trace",
  "version": 1, ...}}`` (optional), then one object per measurement
  ``{"step": …, "df": …, "lam": …, "lam_h": …, …}``.

Each value must be a finite number with |value| ≤ ``MAX_ABS``; at most
``MAX_ROWS`` rows.  Everything is refused with a one-line message, never an
exception.  A last line without its newline may be a line still being
written: :meth:`TraceReader.feed_text` keeps it back (``final=False``) or,
for a finished file, reads it when it parses and ignores it when it does
not.  Steps are checked by the caller on the whole arrays
(:func:`app.views.import_trace.parse.validate`).
"""

from __future__ import annotations

import csv
import json
import math
import re
from typing import Any

import numpy as np

from ...core.traces import MAX_ABS, MAX_ROWS

__all__ = ["FORMAT", "VERSION", "UV_KEYS", "TraceReader", "check_header", "check_uv",
           "number", "short", "shown", "sniff"]

#: The JSON-lines header's ``format`` and the one ``version`` read here.
FORMAT = "sharpness-lab-trace"
VERSION = 1
#: Numeric fields of a matched UV model (``header.uv``), and which must be > 0.
UV_KEYS = ("eta", "n_eff", "x_norm", "y", "df0", "lam0")
_UV_POSITIVE = ("eta", "n_eff", "x_norm")
#: Columns every row needs; the optional λᴴ column's names.
COLUMNS = ("step", "df", "lam")
LAM_H = ("lam_h", "lam_hessian")
#: CSV comment keys kept (``# key: value``): a word, at most 40 characters.
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
MAX_HEADER_KEYS = 50
MAX_TEXT = 200


def short(value: Any, n: int = 24) -> str:
    """``value`` as at most ``n`` printable characters (for messages)."""
    text = value if isinstance(value, str) else repr(value)
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text)
    return text if len(text) <= n else text[: n - 1] + "…"


def shown(value: Any, n: int = 24) -> str:
    """A JSON value as JSON text (strings quoted), at most ``n`` characters."""
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return short(text, n)


def number(value: Any, strings: bool = True) -> float | None:
    """A finite float with |v| ≤ MAX_ABS from a JSON number (or a CSV cell when
    ``strings``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not strings or not text or len(text) > 40:
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


def _text(value: Any) -> str:
    return short(value.strip(), MAX_TEXT) if isinstance(value, str) else short(value, MAX_TEXT)


def check_uv(uv: Any, where: str = "header") -> tuple[dict | None, str | None]:
    """A matched UV model {eta, n_eff, x_norm, y, df0, lam0[, method, calibrated]}
    validated: (dict, None) or (None, one-line reason).  ``None`` is no model."""
    if uv is None:
        return None, None
    if not isinstance(uv, dict):
        return None, f"{where}: uv must be null or an object with {', '.join(UV_KEYS)}"
    out = {}
    for key in UV_KEYS:
        v = number(uv.get(key), strings=False)
        if v is None or (key in _UV_POSITIVE and v <= 0):
            rule = "> 0" if key in _UV_POSITIVE else f"with |value| ≤ {MAX_ABS:g}"
            return None, f"{where}: uv.{key} must be a finite number {rule} ({shown(uv.get(key))})"
        out[key] = v
    if uv.get("method") is not None:
        out["method"] = _text(uv["method"])
    if isinstance(uv.get("calibrated"), bool):
        out["calibrated"] = uv["calibrated"]
    return out, None


def check_header(header: Any) -> tuple[dict | None, str | None]:
    """The JSON-lines header object validated: (fields, None) or (None, reason)."""
    where = "JSONL header"
    if not isinstance(header, dict):
        return None, f'{where}: expected {{"header": {{"format": "{FORMAT}", "version": 1, ...}}}}'
    if header.get("format") != FORMAT:
        return None, (f'{where}: format must be "{FORMAT}" '
                      + (f'(got {shown(header["format"])})' if "format" in header
                         else "(it is missing)"))
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != VERSION:
        return None, (f"{where}: version {shown(version)} is not supported (this dashboard "
                      f"reads version {VERSION})")
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    for key in ("model", "loss", "dtype"):
        if header.get(key) is not None:
            if not isinstance(header[key], str):
                return None, f"{where}: {key} must be a string ({shown(header[key])})"
            out[key] = _text(header[key])
    if header.get("eta") is not None:
        eta = number(header["eta"], strings=False)
        if eta is None or eta <= 0:
            return None, f"{where}: eta must be a finite number > 0 ({shown(header['eta'])})"
        out["eta"] = eta
    batch = header.get("measure_batch")
    if batch is not None:
        if not isinstance(batch, int) or isinstance(batch, bool) or not 1 <= batch <= 10**9:
            return None, f"{where}: measure_batch must be a whole number ≥ 1 ({shown(batch)})"
        out["measure_batch"] = batch
    uv, err = check_uv(header.get("uv"), where)
    if err:
        return None, err
    out["uv"] = uv
    return out, None


def sniff(text: str, name: str = "") -> str:
    """``"jsonl"``, ``"json"`` or ``"csv"``: what the text looks like, whatever its
    file name.  A first line that is an object with a ``header`` starts JSON
    lines, and so does one with a scalar ``step`` unless it is the only line
    of a ``.json`` file (then it is a JSON object with a wrong value)."""
    body = text.lstrip()
    if not body.startswith(("{", "[")):
        return "csv"
    first, _, rest = body.partition("\n")
    try:
        obj = json.loads(first.strip())
    except (ValueError, RecursionError):
        return "json"
    if not isinstance(obj, dict):
        return "json"
    if "header" in obj:
        return "jsonl"
    one_line_json = not rest.strip() and name.lower().endswith(".json")
    if "step" in obj and not isinstance(obj["step"], list) and not one_line_json:
        return "jsonl"
    return "json"


class TraceReader:
    """Accumulates the rows of one CSV (``kind="csv"``) or JSON-lines trace.

    Feed it complete lines (:meth:`feed_lines`) or text (:meth:`feed_text`);
    the first error stops it (``error``).  ``header`` holds what the file says
    about itself; :meth:`columns` the rows read so far.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self.header: dict[str, Any] = {}
        self.error: str | None = None
        self.note: str | None = None
        self.line_no = 0
        self._names: list[str] | None = None    # CSV header row
        self._index: dict[str, int] = {}
        self._started = False                     # JSONL: past the first line
        self._keys: tuple[str, ...] | None = None
        self._rows: list[tuple] = []

    @property
    def rows(self) -> int:
        return len(self._rows)

    # -- feeding -------------------------------------------------------------------
    def feed_text(self, text: str, final: bool = True) -> int:
        """Read the lines of ``text``; returns the number of characters used.

        A last line without a newline is kept back when not ``final`` (a
        writer may be in the middle of it); when ``final`` it is read if it
        parses and otherwise ignored, with :attr:`note` saying so.
        """
        lines = text.split("\n")
        tail = lines.pop()             # "" when the text ends with a newline
        self.feed_lines(lines)
        used = len(text) - len(tail)
        if tail.strip() and final and self.error is None:
            row, err = self._parse(tail, self.line_no + 1, dry=True)
            if err is None:
                self.feed_lines([tail])
                used = len(text)
            else:
                self.line_no += 1
                self.note = f"ignored the incomplete last line {self.line_no}"
        return used

    def feed_lines(self, lines: list[str]) -> None:
        """Read complete lines (without their newlines)."""
        for line in lines:
            if self.error is not None:
                return
            self.line_no += 1
            row, err = self._parse(line, self.line_no)
            if err:
                self.error = err
            elif row is not None:
                if len(self._rows) >= MAX_ROWS:
                    self.error = f"{self._label()}: more than {MAX_ROWS} rows"
                    return
                self._rows.append(row)

    def columns(self) -> dict[str, np.ndarray] | None:
        """{step, df, lam[, lam_h]} of the rows read (None before a CSV header row)."""
        if self._keys is None:
            if self.kind == "csv":
                return None
            self._keys = COLUMNS
        data = np.array(self._rows, dtype=float).reshape(len(self._rows), len(self._keys))
        return {k: data[:, i].copy() for i, k in enumerate(self._keys)}

    # -- one line ------------------------------------------------------------------
    def _label(self) -> str:
        return "CSV" if self.kind == "csv" else "JSONL"

    def _parse(self, line: str, no: int, dry: bool = False):
        """(row tuple or None, error or None) of one line; ``dry`` changes nothing."""
        line = line.rstrip("\r")
        if no == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            return None, None
        if self.kind == "csv":
            return self._csv_line(line, no, dry)
        return self._jsonl_line(line, no, dry)

    def _csv_line(self, line: str, no: int, dry: bool):
        if line.lstrip().startswith("#"):
            if self._names is None and not dry:
                self._comment(line.lstrip()[1:])
            return None, None
        cells = line.split(",") if '"' not in line else _split_quoted(line)
        if cells is None:
            return None, f"CSV line {no}: could not split the row into fields"
        if self._names is None:
            return None, (None if dry else self._csv_header(cells))
        if len(cells) != len(self._names):
            return None, f"CSV line {no}: {len(cells)} fields, the header has {len(self._names)}"
        row = []
        for key in self._keys:
            cell = cells[self._index[key]]
            v = number(cell)
            if v is None:
                return None, (f"CSV line {no}: {key} = {short(cell)} is not a finite number "
                              f"with |value| ≤ {MAX_ABS:g}")
            row.append(v)
        return tuple(row), None

    def _comment(self, text: str) -> None:
        key, sep, value = text.partition(":")
        key = key.strip()
        if not sep or not _KEY.fullmatch(key) or len(self.header) >= MAX_HEADER_KEYS:
            return
        key, value = key.lower(), value.strip()
        if key == "uv":
            try:
                uv, err = check_uv(json.loads(value), "CSV header")
            except (ValueError, RecursionError):
                uv, err = None, "not JSON"
            if err is None and uv is not None:
                self.header["uv"] = uv
            return
        if key == "eta":
            eta = number(value)
            if eta is not None and eta > 0:
                self.header["eta"] = eta
            return
        self.header[key] = _text(value)

    def _csv_header(self, cells: list[str]) -> str | None:
        names = [c.strip().lower() for c in cells]
        missing = [k for k in COLUMNS if k not in names]
        if missing:
            shown = ",".join(h[:20] for h in names[:8])
            return (f"CSV: the header must name the columns step,df,lam (lam_h optional); "
                    f"missing {', '.join(missing)} in “{short(shown, 60)}”")
        if len(set(names)) != len(names):
            return "CSV: repeated column names in the header"
        lam_h = [k for k in LAM_H if k in names][:1]
        self._names = names
        self._index = {k: names.index(k) for k in COLUMNS + tuple(lam_h)}
        if lam_h:
            self._index["lam_h"] = self._index[lam_h[0]]
        self._keys = COLUMNS + (("lam_h",) if lam_h else ())
        return None

    def _jsonl_line(self, line: str, no: int, dry: bool):
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            return None, f"JSONL line {no}: not valid JSON"
        if not isinstance(obj, dict):
            return None, f"JSONL line {no}: expected an object {{\"step\": …, \"df\": …, \"lam\": …}}"
        if not self._started:
            if dry:
                return None, None
            self._started = True
            if "header" in obj:
                header, err = check_header(obj["header"])
                if err:
                    return None, err
                self.header = header
                return None, None
        elif "header" in obj:
            return None, f"JSONL line {no}: a second header (only the first line may be one)"
        keys = self._keys
        if keys is None:
            keys = COLUMNS + (("lam_h",) if obj.get("lam_h") is not None else ())
        row = []
        for key in keys:
            v = number(obj.get(key), strings=False)
            if v is None:
                what = "missing" if key not in obj else (
                    f"{shown(obj[key])} is not a finite number with |value| ≤ {MAX_ABS:g}")
                return None, f"JSONL line {no}: {key} {what}"
            row.append(v)
        if not dry:
            self._keys = keys
        return tuple(row), None


def _split_quoted(line: str) -> list[str] | None:
    try:
        return next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
