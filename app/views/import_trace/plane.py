"""What the Import view asks of the phase plane, as plain functions of the
state (a query string) and the imported trace's browser copy.

* :func:`window_note` — whether the trace lies (partly) outside the plane's
  window, in one line;
* :func:`fit_window` — the window (Δf_lo, Δf_hi, λ_lo, λ_hi) that holds every
  drawn point of the trace (sent as :func:`app.core.intents.set_window`);
* :func:`uv_state` — the state showing a trace's matched UV model: its
  (η, n_eff, ‖x‖, y) and a trajectory from its start (df0, lam0) (sent as
  :func:`app.core.intents.load_state`).

The trace's drawn points are its browser copy's (``traces.StoredTrace.plane``:
the first and last states of a long trace), exactly what the plane draws.
None of these raises.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ...core import compute, traces
from ...core.state import COORD_CAP, MAX_TRAJECTORIES, fmt, from_query, to_query

__all__ = ["PAD", "points", "outside", "window_note", "fit_window", "uv_state"]

#: Room left around the trace by :func:`fit_window` (fraction of its extent).
PAD = 0.06


def points(stored: traces.StoredTrace) -> tuple[np.ndarray, np.ndarray]:
    """(Δf, λ) of the trace's drawn points."""
    _, df, lam = stored.plane
    return np.asarray(df, dtype=float), np.asarray(lam, dtype=float)


def outside(stored: traces.StoredTrace, window) -> int:
    """How many drawn points of the trace lie outside ``window`` ((a, b), (c, d))."""
    (a, b), (c, d) = window
    df, lam = points(stored)
    inside = (df >= a) & (df <= b) & (lam >= c) & (lam <= d)
    return int(df.size - np.count_nonzero(inside))


def _span(lo: float, hi: float) -> str:
    return f"[{fmt(lo)}, {fmt(hi)}]"


def window_note(state: Any, imported: Any) -> str:
    """"" when there is no trace or all of it is in the window, else one line
    saying how much lies outside and what the window and the trace span."""
    stored = traces.from_store(imported)
    if stored is None:
        return ""
    window = from_query(state).params.plot_window
    n_out = outside(stored, window)
    if n_out == 0:
        return ""
    df, lam = points(stored)
    (a, b), (c, d) = window
    how = (f"all {df.size} points are off-screen" if n_out == df.size
           else f"{n_out} of {df.size} points are off-screen")
    where = "outside" if n_out == df.size else "partly outside"
    return (f"⚠ The imported trace lies {where} the window ({how}): the trace spans "
            f"Δf ∈ {_span(df.min(), df.max())}, λ ∈ {_span(lam.min(), lam.max())}, the window "
            f"Δf ∈ {_span(a, b)}, λ ∈ {_span(c, d)}. “Fit window to trace” shows all of it.")


def _range(values: np.ndarray, floor_zero: bool) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    extent = hi - lo
    pad = PAD * extent if extent > 1e-6 * max(abs(lo), abs(hi), 1.0) \
        else max(0.05 * max(abs(lo), abs(hi)), 0.05)
    a, b = lo - pad, hi + pad
    if floor_zero and lo >= 0 > a:
        a = 0.0
    return max(a, -COORD_CAP), min(b, COORD_CAP)


def fit_window(df: np.ndarray, lam: np.ndarray) -> tuple[tuple | None, str]:
    """(Δf_lo, Δf_hi, λ_lo, λ_hi) holding the points with a margin (λ not below 0
    when the trace is not), and a note; (None, why) when there are no points."""
    df, lam = np.asarray(df, dtype=float), np.asarray(lam, dtype=float)
    ok = np.isfinite(df) & np.isfinite(lam)
    if not np.any(ok):
        return None, "no imported trace to fit the window to"
    df, lam = df[ok], lam[ok]
    a, b = _range(df, False)
    c, d = _range(lam, True)
    note = ""
    if max(np.abs(df).max(), np.abs(lam).max()) > COORD_CAP:
        note = f"; the window is capped at ±{fmt(COORD_CAP)}"
    return (a, b, c, d), (f"window fitted to the trace: Δf ∈ {_span(a, b)}, "
                          f"λ ∈ {_span(c, d)}{note}")


def uv_state(state: Any, header: Any, imported: Any) -> tuple[str | None, str]:
    """(query string, message) of the current state with the matched UV model of
    ``header`` (its ``uv``: η, n_eff, ‖x‖, y, df0, lam0) and a trajectory from
    its start added; the window fitted to the trace and the start when they
    would be off-screen.  (None, why) when there is no usable model."""
    uv = header.get("uv") if isinstance(header, dict) else None
    if not isinstance(uv, dict):
        return None, "this trace carries no matched UV model"
    try:
        eta, n_eff, x_norm, y, df0, lam0 = (float(uv[k]) for k in
                                            ("eta", "n_eff", "x_norm", "y", "df0", "lam0"))
    except (KeyError, TypeError, ValueError):
        return None, "the trace's matched UV model is incomplete"
    base = from_query(state).params
    starts = tuple(base.starts or ())[-(MAX_TRAJECTORIES - 1):]
    p = replace(base, eta=eta, preset="custom", n_eff=n_eff, x_norm=x_norm, y=y,
                starts=starts + ((df0, lam0),))
    parsed = from_query(to_query(p))         # the URL's caps and rounding, with notes
    p = parsed.params
    df1, lam1 = p.starts[-1]
    refused = compute.forbidden_start_message(p, df1, lam1)
    if refused:
        return None, (f"the matched UV model's start ({df1:.4g}, {lam1:.4g}) is in its "
                      "forbidden region; nothing changed")
    notes = list(parsed.notes)
    stored = traces.from_store(imported)
    df, lam = points(stored) if stored is not None else (np.empty(0), np.empty(0))
    df, lam = np.append(df, df1), np.append(lam, lam1)
    (a, b), (c, d) = p.plot_window
    if np.any((df < a) | (df > b) | (lam < c) | (lam > d)):
        window, _ = fit_window(df, lam)
        p = replace(p, window=window)
        notes.append("window fitted to the trace and the start")
    method = uv.get("method") or "matched"
    msg = (f"matched UV model ({method}): η = {fmt(p.eta)}, n_eff = {fmt(p.n_eff)}, "
           f"‖x‖ = {fmt(p.x_norm)}, y = {fmt(p.y)}; trajectory from Δf₀ = {fmt(df1)}, "
           f"λ₀ = {fmt(lam1)}")
    return to_query(p), "; ".join([msg] + notes)
