"""Export of the Real networks view: a ``single`` run or one network of
``fig1`` as the CSV the Import view reads: ``step,df,lam,lam_h,loss`` at the
steps where the curvature was measured, with

    df := −√(2 · loss)   (loss = (1/2N) Σ‖F(x_i) − y_i‖², the training loss),
    lam := the top eigenvalue of the NTK J Jᵀ/N,   lam_h := λᴴ.

A network has N examples and no single residual: −√(2L) is the residual of a
one-example model with the same loss, on the side of the UV start f₀ = 0
with y > 0 (the calibrated matching starts the UV model there too).  Fig 5
and Fig 4 keep no loss or NTK per step, so they have nothing to export.
"""

from __future__ import annotations

import math
from typing import Any

from ...core.guard import guarded
from .store import cache_get, valid_key

__all__ = ["EXPORTABLE", "export_options", "export_csv", "download"]

#: Experiments whose payload keeps a loss and an NTK eigenvalue per measured step.
EXPORTABLE = ("single", "fig1")


def export_options(payload: dict) -> list[dict]:
    """The dropdown options naming the exportable runs of ``payload`` ([] for none)."""
    if payload.get("experiment") not in EXPORTABLE:
        return []
    return [{"label": r.get("label") or f"run {i + 1}", "value": i}
            for i, r in enumerate(payload.get("runs") or [])]


def _rows(run: dict) -> list[str]:
    rows = []
    for s, loss, lam, lam_h in zip(run.get("step") or [], run.get("train_loss") or [],
                                   run.get("ntk") or [], run.get("sharpness") or []):
        if all(v is not None and math.isfinite(v) for v in (loss, lam, lam_h)) and loss >= 0:
            rows.append(f"{int(s)},{-math.sqrt(2.0 * loss):.7g},{lam:.7g},{lam_h:.7g},"
                        f"{loss:.7g}")
    return rows


def _slug(label: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in label.lower()).strip("-")
    return "-".join(filter(None, slug.split("-")))[:40] or "network"


def export_csv(payload: dict, index: int) -> tuple[str, str]:
    """(file name, CSV text) of run ``index`` of a ``single``/``fig1`` payload in the
    Import view's format (module docstring).  Raises ValueError when there is nothing."""
    if payload.get("experiment") not in EXPORTABLE:
        raise ValueError("Fig 5 and Fig 4 keep only λᴴ (no loss or NTK per step): nothing to "
                         "export as a trace")
    runs = payload.get("runs") or []
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(runs):
        raise ValueError("choose a run to export")
    run = runs[index]
    rows = _rows(run)
    if not rows:
        raise ValueError("this run has no finite measured step to export")
    label = run.get("label") or "network"
    uv = run.get("uv") or {}
    head = [
        f"# Sharpness Lab, real network ({payload.get('experiment')}): {label}",
        f"# {payload.get('title', '')}",
        f"# eta={run.get('eta')}, c={run.get('c')}, lam0_h={run.get('lam0_h')}",
        ("# df := -sqrt(2*loss) with loss = (1/2N) sum_i |F(x_i) - y_i|^2 (N examples: the "
         "residual of a one-example model with the same loss)"),
        "# lam := top eigenvalue of the NTK J J^T / N; lam_h := top Hessian eigenvalue",
    ]
    if uv:
        head.append(f"# matched UV model ({uv.get('method')}): eta={uv.get('eta')}, "
                    f"n_eff={uv.get('n_eff')}, x_norm={uv.get('x_norm')}, y={uv.get('y')}")
    text = "\n".join(head + ["step,df,lam,lam_h,loss"] + rows) + "\n"
    return f"network-{payload.get('experiment')}-{_slug(label)}.csv", text


@guarded((None, "⚠ internal error while exporting", "message error"), "networks export")
def download(store: Any, which: Any) -> tuple[dict | None, str, str]:
    """(dcc.Download data or None, message, class) for the export button. Never raises.

    ``store`` is the browser's copy of the result's key; ``which`` the chosen
    run (anything else exports the first).
    """
    if not isinstance(store, dict) or not valid_key(store.get("key")):
        return None, "⚠ run something first", "message error"
    payload = cache_get(store["key"])
    if payload is None:
        return None, "⚠ this result is no longer cached on the server: run it again", \
            "message error"
    index = which if isinstance(which, int) and not isinstance(which, bool) else 0
    try:
        name, text = export_csv(payload, index)
    except ValueError as exc:
        return None, f"⚠ {exc}", "message error"
    return ({"content": text, "filename": name, "type": "text/csv", "base64": False},
            f"Exported {name}: open it in the Import view to draw it on the phase plane.",
            "message note")
