"""The "Presets" view: one click reproduces a regime of the paper.

Each card shows a preset of :mod:`app.teaching` — two or three sentences and
its equation, typeset by MathJax (``dcc.Markdown(mathjax=True)``; Dash serves
MathJax itself, no CDN) — and a button.  Applying a preset writes its state
to the URL (a history entry): the phase-plane callback reads the URL like a
link that was opened, so it sets the typed inputs, the sliders and the
trajectory store from it; the view then switches to the phase plane.
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update

from . import teaching

from ...core import ids, layout
from ...core.state import from_query, to_query
from ...core.registry import View

log = logging.getLogger(__name__)

__all__ = ["BUTTONS", "make_layout", "apply_preset", "register_callbacks"]

BUTTONS = {ids.teaching_button(p.key): p for p in teaching.PRESETS}


def _card(p: teaching.TeachingPreset) -> html.Div:
    return html.Div(className="preset-card", id=f"teaching-card-{p.key}", children=[
        html.H3(p.title),
        dcc.Markdown(teaching.text_of(p), mathjax=True, className="preset-text"),
        dcc.Markdown(f"$$\n{p.equation}\n$$", mathjax=True, className="preset-equation"),
        html.Button(f"Show: {p.label}", id=ids.teaching_button(p.key), n_clicks=0,
                    className="btn preset-apply",
                    title="set the controls and start this trajectory on the phase plane"),
    ])


def make_layout() -> html.Div:
    return html.Div(className="presets-view", children=[
        html.P(className="hint", children=(
            "Each preset sets η, the model (NTP, n = n_eff = 16, ‖x‖ = 1, y = 2, so "
            "η_c = 2) and one trajectory, then shows the phase plane. Its parameters were "
            "computed with uvcore and the claims below are checked by the tests. "
            "Back in the browser returns to the previous state.")),
        html.Div(id=ids.TEACHING_STATUS, className="message", role="status",
                 **{"aria-live": "polite"}),
        html.Div(className="preset-cards", children=[_card(p) for p in teaching.PRESETS]),
    ])




def apply_preset(button_id: Any, state: Any) -> dict:
    """Outputs of a click on a preset button: ``search``, ``tab``, ``status``.

    ``button_id`` is the clicked button's id; ``state`` the store (the
    current state, whose layers, font, σ and seed are kept).  Never raises.
    """
    preset = BUTTONS.get(button_id) if isinstance(button_id, str) else None
    if preset is None:
        return {"search": no_update, "tab": no_update, "status": no_update}
    try:
        parsed = teaching.apply(preset, from_query(state).params)
        if not parsed.ok:
            return {"search": no_update, "tab": no_update,
                    "status": f"⚠ preset {preset.label}: {parsed.message()}"}
        return {"search": "?" + to_query(parsed.params), "tab": layout.PHASE_PLANE_TAB,
                "status": f"Applied “{preset.title}” (η = {preset.eta:g})."}
    except Exception:  # noqa: BLE001
        log.exception("apply_preset failed")
        return {"search": no_update, "tab": no_update,
                "status": "Internal error while applying the preset (logged on the server)."}


def register_callbacks(app) -> None:
    @app.callback(
        output={"search": Output(ids.URL, "search", allow_duplicate=True),
                "tab": Output(ids.VIEW_TABS, "value", allow_duplicate=True),
                "status": Output(ids.TEACHING_STATUS, "children")},
        inputs={"clicks": [Input(b, "n_clicks") for b in BUTTONS],
                "state": State(ids.STATE, "data")},
        prevent_initial_call=True)
    def _apply(clicks, state):
        if not any(isinstance(c, int) and c > 0 for c in clicks):
            return {"search": no_update, "tab": no_update, "status": no_update}
        return apply_preset(ctx.triggered_id, state)


VIEW = View("Presets", ids.PRESETS_TAB, make_layout, register_callbacks,
            order=30)
