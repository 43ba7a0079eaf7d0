"""The paragraph under the Real networks figure: what a payload holds, in words
(runs and their outcomes, the matched UV models and why one diverged)."""

from __future__ import annotations

from typing import Any

from uvcore.continuation import C_CRISIS

from .figparts import finite

__all__ = ["summary"]


def _g(v: Any, digits: int = 4) -> str:
    return "–" if not finite(v) else f"{float(v):.{digits}g}"


def _run_text(run: dict) -> str:
    parts = [(f"{run.get('label') or 'run'}: η = {_g(run.get('eta'))}, "
              f"ηλ₀ᴴ = {_g(run.get('c'))}, "
              f"λ₀ᴴ = {_g(run.get('lam0_h'))}")]
    sharp = [v for v in run.get("sharpness") or [] if finite(v)]
    if run.get("diverged_at") is not None:
        parts.append(f"diverged at step {run['diverged_at']}")
    elif sharp:
        loss = run.get("loss") or [None]
        parts.append(f"final loss {_g(loss[-1])}, final λᴴ {_g(sharp[-1])} "
                     f"(ηλᴴ/2 = {_g(float(run['eta']) * sharp[-1] / 2, 3)})")
    uv = run.get("uv")
    if uv:
        fit = "" if uv.get("calibrated", True) else ", fit not exact"
        parts.append(f"UV model ({uv.get('method')}, n_eff = {_g(uv.get('n_eff'))}{fit}, "
                     f"c_UV = η/η_c = {_g(uv.get('coupling'), 3)}): {uv.get('outcome')}"
                     + _crisis_note(uv.get("coupling"), uv.get("outcome") == "diverged"))
    elif run.get("uv_note"):
        parts.append(str(run["uv_note"]))
    return "; ".join(parts)


def _crisis_note(coupling: Any, diverged: bool) -> str:
    """Why a UV model diverged, from its coupling (spec §3)."""
    if not (diverged and finite(coupling)):
        return ""
    cu = float(coupling)
    if cu > C_CRISIS:
        return (f" (c_UV > {C_CRISIS:g}: past the one-example model's EoS crisis, where "
                "it has no edge-of-stability attractor while a network can still sit at the edge)")
    if cu > 1.0:
        return (f" (1 < c_UV ≤ {C_CRISIS:g}: the model has an edge-of-stability attractor, "
                "but its start lies outside that attractor's basin)")
    return " (c_UV ≤ 1: its start lies outside the basin of its minima)"


def summary(payload: dict) -> str:
    """One paragraph describing a payload (shown under the figure)."""
    kind = payload.get("experiment")
    notes = list(payload.get("notes") or [])
    if kind in ("single", "fig1"):
        text = " | ".join(_run_text(r) for r in payload.get("runs") or [])
    elif kind == "fig5":
        c = payload.get("c") or []
        div = sum(1 for row in payload.get("bif") or [] if not row or row[0] is None)
        cu = [v for v in payload.get("uv_coupling") or [] if finite(v)]
        text = (f"{len(c)} values of ηλ₀ᴴ in [{_g(c[0] if c else None)}, "
                f"{_g(c[-1] if c else None)}]"
                f", {payload.get('steps')} steps each; {div} diverged; UV model "
                f"({payload.get('matching')}, n_eff = {_g(payload.get('uv_n_eff'))}"
                + ("" if payload.get("uv_calibrated", True) else ", fit not exact")
                + (f", c_UV from {_g(min(cu), 3)} to {_g(max(cu), 3)}" if cu else "") + ")")
    elif kind in ("fig4", "fig4s"):
        div = sum(1 for row in payload.get("diverged") or [] for v in row if v)
        cells = sum(len(row) for row in payload.get("diverged") or [])
        uv_div = sum(1 for row in payload.get("uv_diverged") or [] for v in row if v)
        past = sum(1 for row_d, row_c in zip(payload.get("uv_diverged") or [],
                                             payload.get("uv_coupling") or [])
                   for d, cu in zip(row_d or [], row_c or [])
                   if d and finite(cu) and float(cu) > C_CRISIS)
        label = payload.get("row_label") or "σ_w²"
        inexact = [f"{float(r):g}" for r, ok in zip(payload.get("rows") or [],
                                                    payload.get("uv_calibrated") or [])
                   if finite(r) and ok is False]
        text = (f"{cells} networks, {payload.get('steps')} steps each; {div} diverged; "
                f"UV model: {payload.get('matching')} matching per {label} row, "
                f"{uv_div} diverged"
                + (f" ({past} past its EoS crisis c_UV > {C_CRISIS:g}; hover for c_UV)"
                   if past else "")
                + (f"; fit not exact (no n_eff reproduces the network's NTK ratio, the "
                   f"closest is drawn) for {label.split(' ')[0]} = {', '.join(inexact)}"
                   if inexact else ""))
    else:
        text = ""
    return " ".join([text] + [f"({n})" for n in notes]).strip()