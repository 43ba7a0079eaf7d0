"""The presets' callback: a click on a card's button asks the phase plane to
show the preset's state (:func:`app.core.intents.load_state`, a history
entry), switches to the phase plane's tab and hands the preset's explanation
to the lesson card beside the plane (the core store :data:`ids.LESSON`)."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, no_update

from ...core import guard, ids, intents, layout
from ...core.state import from_query, to_query
from . import teaching

__all__ = ["BUTTONS", "apply_preset", "lesson_of", "register_callbacks"]

#: The preset of each button id.
BUTTONS = {ids.teaching_button(p.key): p for p in teaching.PRESETS}

_NOTHING = {"intent": no_update, "tab": no_update, "status": no_update, "lesson": no_update}


@guard.guarded({**_NOTHING, "status": "Internal error while applying the preset (logged on "
                                      "the server)."}, "apply_preset")
def apply_preset(button_id: Any, state: Any, clicks: Any = 0) -> dict:
    """Outputs of a click on a preset button: ``intent``, ``tab``, ``status``,
    ``lesson``.

    ``button_id`` is the clicked button's id; ``state`` the store (the
    current state, whose layers, font, σ and seed are kept); ``clicks`` the
    buttons' click counts, which make each application's lesson a new value
    (a closed card opens again when the same preset is applied again).  The
    intent carries the preset's whole state as a query string; the lesson is
    the preset's title, explanation (Markdown with $…$ math, facts filled in)
    and equation (TeX).  Never raises.
    """
    preset = BUTTONS.get(button_id) if isinstance(button_id, str) else None
    if preset is None:
        return _NOTHING
    parsed = teaching.apply(preset, from_query(state).params)
    if not parsed.ok:
        return {**_NOTHING, "status": f"⚠ preset {preset.label}: {parsed.message()}"}
    return {"intent": intents.load_state(to_query(parsed.params)),
            "tab": layout.PHASE_PLANE_TAB,
            "status": f"Applied “{preset.title}” (η = {preset.eta:g}).",
            "lesson": lesson_of(preset, clicks)}


def lesson_of(preset: teaching.TeachingPreset, clicks: Any = 0) -> dict:
    """The lesson card's content for a preset (the store :data:`ids.LESSON`)."""
    nonce = sum(c for c in clicks if guard.clicked(c)) if isinstance(clicks, list) else 0
    return {"key": preset.key, "title": preset.title, "text": teaching.text_of(preset),
            "equation": preset.equation, "nonce": int(nonce) % 2**31}


def _clicked_button(clicks: Any) -> str | None:
    """The id of the button whose click fired the callback, or None."""
    if not isinstance(clicks, list) or not any(guard.clicked(c) for c in clicks):
        return None
    for prop in guard.triggered():
        button = prop.rpartition(".")[0]
        if button in BUTTONS:
            return button
    return None


def register_callbacks(app) -> None:
    """Attach the presets' callback to ``app``."""
    @app.callback(
        output={"intent": Output(*intents.TARGET, allow_duplicate=True),
                "tab": Output(ids.VIEW_TABS, "value", allow_duplicate=True),
                "status": Output(ids.TEACHING_STATUS, "children"),
                "lesson": Output(ids.LESSON, "data")},
        inputs={"clicks": [Input(b, "n_clicks") for b in BUTTONS],
                "state": State(ids.STATE, "data")},
        prevent_initial_call=True)
    def _apply(clicks, state):
        return apply_preset(_clicked_button(clicks), state, clicks)
