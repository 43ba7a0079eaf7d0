"""The phase plane's trajectory starts: the list the user picks from, selecting
and deleting one, the cap of :data:`MAX_TRAJECTORIES` (and the note when a
start is dropped) and Sample init (the parameter-space draw of spec §1,
framed in the window and never added twice).

Every function takes a :class:`ViewParams` and returns the new one with the
note to show; none raises.  The latest start is the selected one in every view,
so selecting a trajectory moves it to the end of the list (the URL keeps its
``traj=`` format).
"""

from __future__ import annotations

import math
from typing import Any

from . import compute

from ...core import compute as shared
from ...core.figures import outcome_words
from ...core.state import (INPUT_DIM, MAX_TRAJECTORIES, ViewParams, fmt, parse_controls,
                           parse_coord)

__all__ = ["trajectory_options", "dropped_note", "add_start", "select", "delete", "sampled",
           "framed_window", "sample", "sample_fate"]


def trajectory_options(p: ViewParams) -> list[dict]:
    """Options of the trajectory dropdown: "k: (Δf₀, λ₀) — outcome", oldest first
    (the numbers and outcomes of the plane's legend)."""
    out = []
    for i, (d0, l0) in enumerate(shared.resolved_starts(p)):
        res = shared.trajectory(*p.map_key, d0, l0, p.steps)
        if res.traj is None:
            what = "not computed"
        elif res.traj.diverged:
            what = f"diverged at step {res.traj.diverged_at}"
        else:
            what = outcome_words(res.traj)
        out.append({"label": f"{i + 1}: ({d0:.4g}, {l0:.4g}) — {what}", "value": i + 1})
    return out


def dropped_note(starts: tuple) -> str | None:
    """What adding one more start to ``starts`` drops, if the list is full."""
    if len(starts) < MAX_TRAJECTORIES:
        return None
    d0, l0 = starts[0]
    return (f"at most {MAX_TRAJECTORIES} trajectories: the oldest, from ({d0:.4g}, "
            f"{l0:.4g}), was removed")


def add_start(p: ViewParams, start: tuple) -> tuple[ViewParams, str | None]:
    """The state with ``start`` added (the selected one) and the note when the
    oldest start had to go."""
    starts = shared.resolved_starts(p)
    return p.with_starts(starts + (start,)), dropped_note(starts)


def select(p: ViewParams, raw: Any) -> tuple[ViewParams, str | None]:
    """Select trajectory ``raw`` (1-based): it moves to the end of the list, so
    that it is the latest, which every view treats as the selected one."""
    starts = shared.resolved_starts(p)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= len(starts):
        return p, None if raw is None else (
            f"trajectory: no trajectory {str(raw)[:12]!r} to select; choose one of 1 … "
            f"{len(starts)}" if starts else "trajectory: there is no trajectory to select")
    if raw == len(starts):
        return p, None
    chosen = starts[raw - 1]
    rest = starts[:raw - 1] + starts[raw:]
    return (p.with_starts(rest + (chosen,)),
            f"selected the trajectory from ({chosen[0]:.4g}, {chosen[1]:.4g}); it is now "
            f"trajectory {len(starts)}, the latest")


def delete(p: ViewParams) -> tuple[ViewParams, str | None]:
    """Delete the selected (latest) trajectory."""
    starts = shared.resolved_starts(p)
    if not starts:
        return p, "no trajectory to delete"
    d0, l0 = starts[-1]
    return p.with_starts(starts[:-1]), f"deleted the trajectory from ({d0:.4g}, {l0:.4g})"


def sampled(p: ViewParams):
    """The seed's sampled start, rounded as the URL keeps it: ((Δf₀, λ₀), sample)
    or (None, sample) when it could not be drawn."""
    s = compute.sample_start(int(p.width), INPUT_DIM, p.preset, p.sigma, p.x_norm, p.y,
                             int(p.seed), p.n_eff)
    if s.error:
        return None, s
    (d0, _), (l0, _) = parse_coord("Δf₀", s.df0), parse_coord("λ₀", s.lam0)
    return ((d0, l0) if d0 is not None and l0 is not None else None), s


def framed_window(window, point, margin: float = 0.1) -> tuple | None:
    """The window (Δf_lo, Δf_hi, λ_lo, λ_hi) widened to hold ``point`` with
    ``margin`` × its span of room beyond it, or None when it already holds it."""
    (a, b), (c, d) = window
    x, y = point
    if a <= x <= b and c <= y <= d:
        return None
    a2, b2 = min(a, x), max(b, x)
    c2, d2 = min(c, y), max(d, y)
    mx, my = margin * (b2 - a2), margin * (d2 - c2)
    return (a2 - mx if x < a else a2, b2 + mx if x > b else b2,
            c2 - my if y < c else c2, d2 + my if y > d else d2)


def sample(p: ViewParams) -> tuple[ViewParams, str | None, list[str]]:
    """Add the start drawn from the parameter-space model (spec §1) at width n
    with the preset, σ and seed, and frame the window around it: (state,
    error, notes).  Pressing it again with the same draw adds nothing."""
    start, s = sampled(p)
    if s.error:
        return p, s.error, []
    if start is None:
        return p, "Sample init: the sampled start is out of the coordinate range", []
    starts = shared.resolved_starts(p)
    head = (f"sampled init (n = {fmt(p.width)}, {p.preset}, σ = {fmt(p.sigma)}, "
            f"seed {fmt(p.seed)}): Δf₀ = {start[0]:.4g}, λ₀ = {start[1]:.4g}")
    if start in starts:
        return p, None, [f"{head} is already trajectory {starts.index(start) + 1}: change "
                         "the seed for another draw"]
    later = []
    if s.n_eff is not None and not math.isclose(s.n_eff, p.n_eff, rel_tol=1e-6):
        later.append(f"the sampler used n_eff = {s.n_eff:g}; the map uses n_eff = "
                     f"{p.n_eff:g}")
    raw: dict[str, Any] = {"traj": list(starts) + [start]}
    window = framed_window(p.plot_window, start)
    if window is not None:
        raw["window"] = list(window)
        later.append("window widened to show it")
    parsed = parse_controls(raw, strict=True, base=p)
    if not parsed.ok:
        return p, "Sample init: " + parsed.message(), []
    # what matters most first: the message line may have to scroll on a projector
    fate = sample_fate(parsed.params, start)
    notes = [head] + [n for n in (fate, dropped_note(starts)) if n] + later
    return parsed.params, None, notes + ["change the seed for another draw"]


def sample_fate(p: ViewParams, start: tuple) -> str | None:
    """When the sampled start diverges: say that GD on the sampled weights
    themselves diverges too (it is the map's own answer at this η, not a fault)."""
    res = shared.trajectory(*p.map_key, *start, p.steps)
    if res.traj is None or not res.traj.diverged:
        return None
    text = (f"GD diverges from it at step {res.traj.diverged_at} (ηλ₀ = "
            f"{p.eta * start[1]:.3g} at η = {fmt(p.eta)})")
    ps = compute.paramspace_run(int(p.width), INPUT_DIM, p.preset, p.sigma, p.x_norm, p.y,
                                int(p.seed), p.eta, p.n_eff, int(p.steps))
    if ps.run is not None and ps.run.diverged_at == res.traj.diverged_at:
        text += ", as on the sampled weights themselves"
    return text + ": lower η or σ for a run that trains"
