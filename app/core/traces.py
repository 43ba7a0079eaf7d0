"""An imported training trace as the views share it.

:class:`ImportedTrace` is a validated trace (steps, Δf, λ, optionally λᴴ);
:func:`to_store` reduces it to the JSON copy kept in the browser (store
``imported``), which the Import view writes and the phase plane draws;
:func:`from_store` validates that copy again, since the browser may send
anything.  Parsing files is the Import view's (:mod:`app.views.import_trace`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .figures import decimate_minmax, sig_round
from .guard import guarded

__all__ = ["MAX_ROWS", "MAX_ABS", "MAX_NAME", "PLANE_HEAD", "PLANE_TAIL", "SERIES_POINTS",
           "ImportedTrace", "StoredTrace", "clean_name", "to_store", "from_store"]

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


@guarded(None, "imported trace store")
def from_store(data: Any) -> StoredTrace | None:
    """Validate the browser's copy; None when absent or malformed. Never raises."""
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
