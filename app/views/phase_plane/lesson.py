"""The lesson card: the last applied teaching preset's title, explanation and
equation, beside the plane (above the time series) until it is closed.

The Presets view writes the lesson into the core store :data:`ids.LESSON`
when a preset is applied; :func:`lesson_outputs` turns it into the card, so
its text stays readable next to the plane instead of on the Presets tab.  The
card's Markdown (typeset by MathJax) is made only when there is a lesson:
MathJax is not loaded with the phase plane.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, dcc, html

from ...core import ids
from ...core.guard import guarded, triggered

__all__ = ["lesson_card", "lesson_outputs", "register_callbacks", "MAX_TEXT"]

#: Longest title / explanation / equation accepted from the store (characters).
MAX_TEXT = 4000

_HIDDEN = ("lesson-card hidden", "", [])


def lesson_card() -> html.Div:
    """The (hidden until a preset is applied) card."""
    return html.Div(id=ids.LESSON_CARD, className="lesson-card hidden", role="note",
                    **{"aria-labelledby": ids.LESSON_TITLE}, children=[
        html.Div(className="lesson-head", children=[
            html.H3(id=ids.LESSON_TITLE, className="lesson-title"),
            html.Button("×", id=ids.LESSON_CLOSE, n_clicks=0, className="lesson-close",
                        title="close the lesson", **{"aria-label": "close the lesson"}),
        ]),
        html.Div(id=ids.LESSON_TEXT, className="lesson-body"),
    ])


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) <= MAX_TEXT else None


@guarded(_HIDDEN, "lesson_outputs")
def lesson_outputs(lesson: Any, closed: bool = False) -> tuple:
    """(card class, title, body children) for the store's value.

    A lesson is ``{"title", "text", "equation"}`` (strings; the text Markdown
    with $…$ math, the equation TeX).  Anything else, or ``closed``, hides
    the card.  Never raises.
    """
    if closed or not isinstance(lesson, dict):
        return _HIDDEN
    title, text = _text(lesson.get("title")), _text(lesson.get("text"))
    equation = _text(lesson.get("equation")) or ""
    if not title or text is None:
        return _HIDDEN
    body = [dcc.Markdown(text, mathjax=True, className="lesson-text")]
    if equation:
        body.append(dcc.Markdown(f"$$\n{equation}\n$$", mathjax=True,
                                 id=ids.LESSON_EQUATION, className="lesson-equation"))
    return "lesson-card", title, body


def register_callbacks(app) -> None:
    """The card follows the store; its × hides it."""
    @app.callback(Output(ids.LESSON_CARD, "className"), Output(ids.LESSON_TITLE, "children"),
                  Output(ids.LESSON_TEXT, "children"),
                  Input(ids.LESSON, "data"), Input(ids.LESSON_CLOSE, "n_clicks"),
                  prevent_initial_call=True)
    def _lesson(lesson, _closes):
        return lesson_outputs(lesson, f"{ids.LESSON_CLOSE}.n_clicks" in triggered())
