"""Figure helpers every view shares: pure functions to Plotly figure dicts.

Rounding to what a screen shows, compact number formats, the empty figure
with a message, note annotations, discrete colour scales, legend entries,
min/max decimation of long series and the trajectory traces drawn on the
plane and on the fate map.  No Dash imports and no ``go.Figure`` (a dict is
built ten times faster); colours and fonts come from :mod:`app.core.theme`.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np

from uvcore.maps import CLASSIFY_WINDOW
from uvcore.outcomes import converging_rate

from . import theme

__all__ = ["PLANE_HEAD", "PLANE_TAIL", "MARKED_MAX", "ARROW_MARKS", "arrow_marks",
           "round_to_span", "fmt_value", "legend_dummy",
           "discrete_colorscale", "note_annotation", "wrap_words", "NOTE_LINE", "empty_figure",
           "decimate_minmax",
           "sig_round", "trajectory_traces", "TrajectoryNote", "trajectory_notes",
           "outcome_words", "figure_changes"]

#: A trajectory longer than PLANE_HEAD + PLANE_TAIL states is drawn in the
#: plane as its first PLANE_HEAD and last PLANE_TAIL states (with a gap);
#: the time series shows all of it.
PLANE_HEAD = 2000


PLANE_TAIL = 1000
#: A trajectory of at most this many states is drawn with an arrow at every
#: state; a longer one as a line with at most about :data:`ARROW_MARKS`
#: arrows (one SVG node per marker: a marker per state of a 1,000-step run
#: was most of the phase plane's drawing time in the browser).
MARKED_MAX = 100
#: Arrows along a long trajectory (see :func:`arrow_marks`).
ARROW_MARKS = 30
#: Smallest distance between two arrows, as a fraction of the window's size.
ARROW_GAP = 0.03


def _decimals(span: float, digits: int) -> int:
    """Decimals that keep ``digits`` significant digits of a window ``span``."""
    if not (span > 0 and math.isfinite(span)):
        return digits
    return int(digits - math.floor(math.log10(span)))


def round_to_span(a, span: float, digits: int = 5) -> np.ndarray:
    """Round to ``digits`` significant digits of a window ``span`` (what a
    screen resolves): smaller answers, same picture."""
    a = np.asarray(a, dtype=float)
    with np.errstate(all="ignore"):
        return np.round(a, _decimals(span, digits))


def fmt_value(v: float, digits: int = 4) -> str:
    """``v`` to ``digits`` significant digits; −0 (a start Δf₀ = −y with y = 0)
    reads 0, never "-0"."""
    return f"{float(v) + 0.0:.{digits}g}"


def legend_dummy(name: str, color: str, group: str) -> dict:
    """A legend-only square marker naming a region colour."""
    return {"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": name,
            "marker": {"symbol": "square", "size": 14, "color": color,
                       "line": {"color": "#888888", "width": 1}},
            "hoverinfo": "skip", "showlegend": True}


def discrete_colorscale(colors: Sequence[str]) -> list:
    n = len(colors)
    scale = []
    for i, c in enumerate(colors):
        scale += [[i / n, c], [(i + 1) / n, c]]
    return scale


def _plane_slice(n: int) -> tuple[np.ndarray, bool]:
    """Indices of a trajectory of n states drawn in the plane, and whether cut."""
    if n <= PLANE_HEAD + PLANE_TAIL:
        return np.arange(n), False
    return np.concatenate([np.arange(PLANE_HEAD), np.arange(n - PLANE_TAIL, n)]), True


def outcome_words(traj) -> str:
    """A finite run's outcome in words: its kind ("converged", "periodic 2", …),
    except that a not-periodic run whose |Δf| still shrinks at every step of its
    analysis window (:func:`uvcore.outcomes.converging_rate`) is "still
    converging after N steps", not "aperiodic"."""
    oc = traj.outcome
    if oc.kind == "aperiodic":
        window = traj.df[-max(3, min(CLASSIFY_WINDOW, traj.df.size // 2)):]
        if converging_rate(window) is not None:
            return f"still converging after {traj.df.size - 1} steps"
    return oc.kind + (f" {oc.period}" if oc.kind == "periodic" else "")


def arrow_marks(x, y, window, most: int = ARROW_MARKS) -> np.ndarray:
    """Indices (≥ 1) of the states of a long path that get a direction arrow.

    Candidates are geometrically spaced in the step index (steps 1, 2, 3 …
    then ×1.25), because the transient, where the path moves most, is early;
    a candidate closer than :data:`ARROW_GAP` of the window to the last kept
    arrow is skipped (a converged tail would pile arrows on one spot), and at
    most ``most`` are kept.
    """
    (a, b), (c, d) = window
    n = len(x)
    if n < 2:
        return np.zeros(0, dtype=int)
    cand = np.unique(np.round(1.25 ** np.arange(0, math.log(n) / math.log(1.25) + 1)))
    cand = cand[(cand >= 1) & (cand < n)].astype(int)
    sx, sy = max(b - a, 1e-300), max(d - c, 1e-300)
    keep: list[int] = []
    last = None
    for i in cand:
        if not (math.isfinite(x[i]) and math.isfinite(y[i])
                and math.isfinite(x[i - 1]) and math.isfinite(y[i - 1])):
            continue
        here = (x[i] / sx, y[i] / sy)
        if last is None or math.hypot(here[0] - last[0], here[1] - last[1]) >= ARROW_GAP:
            keep.append(int(i))
            last = here
        if len(keep) >= most:
            break
    return np.asarray(keep, dtype=int)


def _marks_trace(x, y, steps, idx, color: str, size: float, group: str, label: str) -> dict:
    """Arrows at the states ``idx``, each pointing from the state before it.

    Plotly orients an ``angleref="previous"`` marker from the point before it
    in the same trace, so each arrow comes with its predecessor, drawn with
    size 0.
    """
    pairs = np.stack([idx - 1, idx], axis=1).ravel()
    sizes = np.tile([0.0, float(size)], idx.size)
    return {"type": "scatter", "name": f"direction of {label}", "mode": "markers",
            "x": x[pairs], "y": y[pairs], "customdata": steps[pairs],
            "marker": {"symbol": "arrow", "angleref": "previous", "size": sizes,
                       "color": color, "line": {"width": 0}},
            "hoverinfo": "skip", "legendgroup": group, "showlegend": False}


def trajectory_traces(i: int, start, traj, window, selected: bool, large: bool) -> tuple:
    """Traces of one trajectory and the note it needs (or None)."""
    (a, b), (c, d) = window
    color = theme.TRAJECTORY_COLORS[i % len(theme.TRAJECTORY_COLORS)]
    lw = theme.LINE_WIDTH[large] * (1.0 if selected else 0.6)
    label = f"trajectory {i + 1}" + (" (selected)" if selected else "")
    note = None
    idx, cut = _plane_slice(traj.df.size)
    x = traj.df[idx]
    y = traj.lam[idx]
    steps = idx.astype(float)
    if cut:
        gap = PLANE_HEAD
        x = np.insert(x, gap, np.nan)
        y = np.insert(y, gap, np.nan)
        steps = np.insert(steps, gap, np.nan)
    out_name = label
    if traj.diverged:
        out_name += f": diverged at step {traj.diverged_at}"
        note = TrajectoryNote("diverged", i + 1, int(traj.diverged_at))
    else:
        out_name += f": {outcome_words(traj)}"
    msize = 6 if not large else 9
    x, y = round_to_span(x, b - a, 6), round_to_span(y, d - c, 6)
    marked = x.size <= MARKED_MAX
    line = {
        "type": "scatter", "name": out_name, "mode": "lines+markers" if marked else "lines",
        "x": x, "y": y, "customdata": steps,
        "line": {"color": color, "width": lw},
        "hovertemplate": f"{label}<br>step %{{customdata}}<br>Δf = %{{x:.5g}}<br>"
                         "λ = %{y:.5g}<extra></extra>",
        "legendgroup": f"traj{i}",
    }
    if marked:
        line["marker"] = {"symbol": "arrow", "angleref": "previous", "size": msize,
                          "color": color}
    traces = [line]
    if not marked:
        traces.append(_marks_trace(x, y, steps, arrow_marks(x, y, window), color,
                                   msize * 1.5, f"traj{i}", label))
    traces += [{
        "type": "scatter", "name": f"{label} start", "mode": "markers",
        "x": [float(start[0])], "y": [float(start[1])],
        "marker": {"symbol": "star", "size": 16 if not large else 22, "color": color,
                   "line": {"color": theme.BLACK, "width": 1}},
        "hovertemplate": f"{label} start<br>Δf₀ = {fmt_value(start[0])}<br>λ₀ = {fmt_value(start[1])}"
                         "<extra></extra>",
        "legendgroup": f"traj{i}", "showlegend": False,
    }]
    if traj.diverged and traj.df.size:
        traces.append({
            "type": "scatter", "name": f"{label} last finite state", "mode": "markers",
            "x": [float(traj.df[-1])], "y": [float(traj.lam[-1])],
            "marker": {"symbol": "x", "size": 14, "color": color,
                       "line": {"color": theme.BLACK, "width": 1}},
            "hovertemplate": f"{label}: last finite state (step {traj.df.size - 1})"
                             "<extra></extra>",
            "legendgroup": f"traj{i}", "showlegend": False,
        })
    if cut and note is None:
        note = TrajectoryNote("cut", i + 1, int(traj.df.size - 1))
    return traces, note


class TrajectoryNote(NamedTuple):
    """What a graph must say of one trajectory (:func:`trajectory_notes`):
    ``kind`` "diverged" (``step``: where) or "cut" (only its start and end
    drawn; ``step``: its last)."""

    kind: str
    number: int
    step: int


def _numbers(values: Sequence[int]) -> str:
    """1, 2, 3, 5 → "1–3, 5" (runs of consecutive numbers as ranges)."""
    runs: list[list[int]] = []
    for v in sorted(values):
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def trajectory_notes(notes: Sequence[TrajectoryNote]) -> list[str]:
    """The lines a graph shows for its trajectories' notes: one for those
    that diverged, one for those cut, however many there are (eight
    diverging starts once stacked eight notes over a third of the plane)."""
    out = []
    diverged = [n for n in notes if n.kind == "diverged"]
    if len(diverged) == 1:
        n = diverged[0]
        out.append(f"trajectory {n.number} diverged at step {n.step} "
                   "(drawn up to its last finite state)")
    elif diverged:
        lo, hi = min(n.step for n in diverged), max(n.step for n in diverged)
        steps = f"step {lo}" if lo == hi else f"steps {lo}–{hi}"
        out.append(f"trajectories {_numbers([n.number for n in diverged])} diverged "
                   f"(at {steps}), each drawn up to its last finite state")
    cut = [n for n in notes if n.kind == "cut"]
    if cut:
        who = (f"trajectory {cut[0].number}" if len(cut) == 1
               else f"trajectories {_numbers([n.number for n in cut])}")
        out.append(f"{who}: steps 0–{PLANE_HEAD - 1} and the last {PLANE_TAIL} shown; "
                   "the time series shows all")
    return out


#: Characters a line of a note on a graph holds (a plane about 460 px wide on
#: a projector's 1280×720 in large font).
NOTE_LINE = {False: 72, True: 44}


def wrap_words(text: str, width: int, words: Sequence[str] | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces (a
    longer word stands on a line of its own); ``words``: the pieces to break
    between instead (joined by a space), e.g. the clauses of a title."""
    lines: list[str] = []
    for word in (text.split(" ") if words is None else words):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def note_annotation(notes: Sequence[str], large: bool, width: int | None = None) -> dict:
    """The notes of a graph (at most four) in its top left corner, each wrapped
    to ``width`` characters a line (:data:`NOTE_LINE` by default)."""
    width = width or NOTE_LINE[large]
    lines = [line for note in notes[:4] for line in wrap_words(note, width)]
    return {"text": "<br>".join(lines), "xref": "paper", "yref": "paper",
            "x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top", "showarrow": False,
            "align": "left", "bgcolor": "rgba(255,255,255,0.85)", "bordercolor": theme.VERMILLION,
            "borderwidth": 1, "font": {"size": theme.FONT_SIZE[large] - 1,
                                       "color": theme.VERMILLION}}


#: Characters a line of an empty figure's message holds (the time series'
#: column is about 330 px wide on a projector's 1280×720).
EMPTY_LINE = {False: 40, True: 26}


def empty_figure(message: str, large: bool = False) -> dict:
    """A blank figure carrying a centred message (never an empty, broken plot),
    wrapped into lines of :data:`EMPTY_LINE` characters."""
    layout = theme.base_layout(large)
    text = "<br>".join(wrap_words(message, EMPTY_LINE[large]))
    layout.update({
        "xaxis": {"visible": False}, "yaxis": {"visible": False},
        "annotations": [{"text": text, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                         "showarrow": False, "font": {"size": theme.FONT_SIZE[large] + 2}}],
    })
    return {"data": [], "layout": layout}


def decimate_minmax(t: np.ndarray, series: Sequence[np.ndarray], max_points: int):
    """Per-bucket min and max (in step order) of each series, sharing one step axis.

    Keeps the visual envelope of fast oscillations (period 2 stays a band)
    while bounding the payload, and the first and last steps (a flat series
    would otherwise end at its last bucket's first step).  Returns
    (t, [series...]) unchanged when short.
    """
    n = t.size
    if n <= max_points:
        return t, list(series)
    buckets = (max_points - 2) // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    idx = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi <= lo:
            continue
        ref = series[0][lo:hi]
        finite = np.isfinite(ref)
        if not finite.any():
            idx += [lo]
            continue
        i_min = lo + int(np.nanargmin(np.where(finite, ref, np.nan)))
        i_max = lo + int(np.nanargmax(np.where(finite, ref, np.nan)))
        idx += sorted({i_min, i_max})
    idx = np.unique(np.concatenate([[0], idx, [n - 1]]).astype(int))
    return t[idx], [s[idx] for s in series]


def sig_round(a: np.ndarray, digits: int = 6) -> np.ndarray:
    """Round each value to ``digits`` significant digits (values span decades)."""
    a = np.asarray(a, dtype=float)
    with np.errstate(all="ignore"):
        mag = np.where(np.isfinite(a) & (a != 0), np.floor(np.log10(np.abs(a))), 0.0)
        scale = 10.0 ** (digits - 1 - mag)
        out = np.round(a * scale) / scale
    return np.where(np.isfinite(out), out, a)


def _same(a, b) -> bool:
    """Deep equality of figure parts (dicts, lists, numpy arrays; NaN equals NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            x, y = np.asarray(a), np.asarray(b)
            if x.shape != y.shape:
                return False
            if x.dtype.kind in "fc" or y.dtype.kind in "fc":
                return bool(np.array_equal(x, y, equal_nan=True))
            return bool(np.array_equal(x, y))
        except (TypeError, ValueError):
            return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def figure_changes(old: dict, new: dict) -> tuple[dict, dict] | None:
    """What turns figure ``old`` into ``new``: ({trace index: trace},
    {layout key: value}), or None when only a whole new figure will do (the
    traces differ in number, or a layout key went away).

    The phase plane sends only these parts (a Dash ``Patch``): for a new η
    the forbidden region, which does not depend on η (spec §2.2), and the
    legend entries stay as they are.
    """
    old_data, new_data = old.get("data", []), new.get("data", [])
    old_layout, new_layout = old.get("layout", {}), new.get("layout", {})
    if len(old_data) != len(new_data) or not set(old_layout) <= set(new_layout):
        return None
    data = {i: t for i, (s, t) in enumerate(zip(old_data, new_data)) if not _same(s, t)}
    layout = {k: v for k, v in new_layout.items()
              if k not in old_layout or not _same(old_layout[k], v)}
    return data, layout
