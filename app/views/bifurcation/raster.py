"""The orbit diagram's classes and image: period codes to colour classes,
the values drawn per η, and the (value bin × η) image of a diagram.

Pure functions of :class:`uvcore.BifurcationDiagram`-like objects (``eta``,
``lam`` of shape (K, M), ``period``, ``lyapunov``, ``map``); the image is sent
as Plotly's base64 typed array (:func:`typed_array`).
"""

from __future__ import annotations

import base64

import numpy as np

from uvcore.outcomes import Kind, PeriodCode, classify

from ...core import theme

__all__ = ["PLOT_KEEP", "CLASSES", "CLASS_LABELS", "CLASS_COLORS", "APERIODIC", "STALLED",
           "DIVERGED", "EMPTY", "RASTER_ROWS", "THICKEN", "period_classes", "values",
           "points_by_class", "diverged_runs", "raster", "typed_array", "image_codes",
           "decode_array"]

#: Late-time values drawn per η: the last PLOT_KEEP of an aperiodic orbit; a
#: period-k orbit is drawn as its k distinct values, a converged one as one.
PLOT_KEEP = 64

#: Period classes, in legend order: (key, legend label, colour).  Okabe–Ito
#: colours plus Paul Tol's indigo and wine (colour-blind safe); the current η
#: keeps the app's η colour (purple), so no class uses it.
CLASSES = (
    ("p1", "period 1", theme.BLUE),
    ("p2", "period 2", theme.ORANGE),
    ("p4", "period 4", theme.GREEN),
    ("p8", "period 8", theme.VERMILLION),
    ("p16", "period 2ᵏ ≥ 16", "#332288"),
    ("other", "other period", theme.SKY_BLUE),
    ("aperiodic", "aperiodic/chaotic", theme.GRAY),
    ("stalled", "stalled", "#882255"),
    ("diverged", "diverged", "#303030"),
)
CLASS_LABELS = tuple(label for _, label, _ in CLASSES)
CLASS_COLORS = tuple(color for _, _, color in CLASSES)
#: Class codes of the two special outcomes.
APERIODIC = 6
STALLED = 7
DIVERGED = 8
#: Code of an empty cell of the diagram image (drawn transparent; hovering
#: and clicking it still give its η).
EMPTY = -1
#: Value bins of the diagram image (per map row).
RASTER_ROWS = 300
#: Periodic values are drawn 2·THICKEN + 1 bins tall (≈ 1.7 % of the row).
THICKEN = 2


# -- classes and points -------------------------------------------------------------

def period_classes(period) -> np.ndarray:
    """Class code (index into :data:`CLASSES`) of each period code.

    The kind comes from :func:`uvcore.outcomes.classify`: converged → period 1;
    periodic 2, 4, 8 → their classes, 16, 32, 64 … → "2ᵏ ≥ 16", other k ≥ 3 →
    "other period"; not periodic → aperiodic/chaotic; stalled; diverged
    (forbidden, which diagrams never hold, is counted as "other").
    """
    p = np.asarray(period, dtype=np.int64)
    kind = classify(p)
    periodic = kind == Kind.PERIODIC
    out = np.full(p.shape, 5, dtype=np.int8)
    out[kind == Kind.CONVERGED] = 0
    out[periodic & (p == 2)] = 1
    out[periodic & (p == 4)] = 2
    out[periodic & (p == 8)] = 3
    out[periodic & (p >= 16) & ((p & (p - 1)) == 0)] = 4
    out[kind == Kind.APERIODIC] = APERIODIC
    out[kind == Kind.STALLED] = STALLED
    out[kind == Kind.DIVERGED] = DIVERGED
    return out


def values(diagram, quantity: str) -> np.ndarray:
    """The last :data:`PLOT_KEEP` values of λ (or ηλ) per η, shape (K, M)."""
    lam = np.asarray(diagram.lam, dtype=float)
    if lam.ndim != 2:
        lam = lam.reshape(np.asarray(diagram.eta).size, -1)
    lam = lam[:, -PLOT_KEEP:]
    if quantity == "eta-lam":
        lam = lam * np.asarray(diagram.eta, dtype=float)[:, None]
    return lam


def _drawn(diagram, quantity: str):
    """(values (K, M), mask of the values drawn, class per η)."""
    period = np.asarray(diagram.period, dtype=np.int64)
    vals = values(diagram, quantity)
    m = vals.shape[1]
    count = np.where(period >= 1, np.minimum(period, m),
                     np.where(period == PeriodCode.STALLED, 1,
                              np.where(period == PeriodCode.NOT_PERIODIC, m, 0)))
    mask = (np.arange(m)[None, :] >= (m - count)[:, None]) & np.isfinite(vals)
    return vals, mask, period_classes(period)


def points_by_class(diagram, quantity: str = "lam") -> dict:
    """{class code: (η, value, period, exponent)} of the values drawn.

    Per η: a period-k orbit gives its last k values (its distinct points), a
    converged or stalled one its last value, an aperiodic one its last
    :data:`PLOT_KEEP` values, a diverged one nothing.  Non-finite values
    are never returned.
    """
    eta = np.asarray(diagram.eta, dtype=float)
    period = np.asarray(diagram.period, dtype=np.int64)
    lyap = np.asarray(diagram.lyapunov, dtype=float)
    vals, mask, cls = _drawn(diagram, quantity)
    out = {}
    for code in range(len(CLASSES) - 1):
        i, j = np.nonzero(mask & (cls == code)[:, None])
        if i.size:
            out[code] = (eta[i], vals[i, j], period[i], lyap[i])
    return out


def diverged_runs(diverged) -> list[tuple[int, int]]:
    """Index ranges (first, last) of consecutive True entries."""
    d = np.asarray(diverged, dtype=bool).astype(np.int8)
    if not d.size:
        return []
    edges = np.diff(np.concatenate([[0], d, [0]]))
    starts = np.nonzero(edges == 1)[0]
    ends = np.nonzero(edges == -1)[0] - 1
    return list(zip(starts.tolist(), ends.tolist()))


def raster(diagram, quantity: str, y_range: tuple[float, float], rows: int = RASTER_ROWS):
    """The points of a diagram as a (rows × K) image: bin centres and codes.

    Cell (r, i) holds the class code of η_i where one of its drawn values
    (:func:`points_by_class`) falls in λ bin r of ``y_range``, :data:`EMPTY`
    elsewhere (drawn transparent; values outside the range are left out).  Periodic branches are
    thickened by :data:`THICKEN` bins up and down so a single value per η stays
    visible (the browser draws no cell thinner than a pixel).
    Columns of diverged η are empty.
    """
    eta = np.asarray(diagram.eta, dtype=float)
    y0, y1 = float(y_range[0]), float(y_range[1])
    z = np.full((rows, eta.size), EMPTY, dtype=np.int8)
    centres = y0 + (np.arange(rows) + 0.5) * (y1 - y0) / rows
    vals, mask, cls = _drawn(diagram, quantity)
    col, j = np.nonzero(mask)
    with np.errstate(all="ignore"):
        b = np.floor((vals[col, j] - y0) / (y1 - y0) * rows)
    inside = (b >= 0) & (b < rows)
    b, col = b[inside].astype(np.int64), col[inside]
    code = cls[col]
    thick = code != APERIODIC
    for d in [d for d in range(-THICKEN, THICKEN + 1) if d]:
        bd = b[thick] + d
        ok = (bd >= 0) & (bd < rows)
        z[bd[ok], col[thick][ok]] = code[thick][ok]
    z[b, col] = code
    return centres, z


def typed_array(a: np.ndarray) -> dict:
    """Plotly's base64 typed-array spec of an (u)int8/float array (what
    ``go.Figure`` itself sends; plotly.js decodes it): 1 byte per cell of the
    diagram image instead of 2–4 characters of JSON."""
    a = np.ascontiguousarray(a)
    return {"dtype": {"int8": "i1", "uint8": "u1", "float32": "f4",
                      "float64": "f8"}[a.dtype.name],
            "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
            "shape": ", ".join(str(n) for n in a.shape)}


def image_codes(trace: dict) -> np.ndarray:
    """Class codes (:data:`EMPTY` where nothing is drawn) of a diagram-image trace."""
    return decode_array(trace["z"]).astype(np.int16) + EMPTY


def decode_array(spec) -> np.ndarray:
    """Inverse of :func:`typed_array` (plain lists pass through)."""
    if isinstance(spec, dict) and "bdata" in spec:
        shape = tuple(int(n) for n in str(spec.get("shape", "-1")).split(","))
        return np.frombuffer(base64.b64decode(spec["bdata"]),
                             dtype=np.dtype(spec["dtype"])).reshape(shape)
    return np.asarray(spec)
