"""The presets' tab: one card per preset (text, equation, button)."""

from __future__ import annotations

from dash import dcc, html

from ...core import ids
from . import teaching

__all__ = ["make_layout"]


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
    """The components of the "Presets" tab."""
    # a list of cards: it scrolls inside itself, with the scroll cue
    return html.Div(className="presets-view scroll-region", children=[
        html.P(className="hint", children=(
            "Each preset sets η, the model (NTP, n = n_eff = 16, ‖x‖ = 1, y = 2, so "
            "η_c = 2) and one trajectory, then shows the phase plane. Its parameters were "
            "computed with uvcore and the claims below are checked by the tests. "
            "Back in the browser returns to the previous state.")),
        html.Div(id=ids.TEACHING_STATUS, className="message", role="status",
                 **{"aria-live": "polite"}),
        html.Div(className="preset-cards", children=[_card(p) for p in teaching.PRESETS]),
    ])
