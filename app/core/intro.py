"""The first-visit introduction: what the plane shows, what to click and drag,
and where the paper is.

It opens on a browser's first visit, is dismissed with "Got it" (or Esc) and
then stays closed on every later visit of that browser (the dcc.Store
:data:`ids.INTRO_SEEN`, ``storage_type="local"``, holds ``true``); the
header's "?" button opens it again.  ``?intro=0`` in the URL keeps it closed
for that page load without remembering anything (links for a projector, the
screenshots).  The decision is made in the browser (``intro.toggle`` in
app/assets/intro.js), which reads the stored value before showing anything,
so a returning visitor never sees it flash over the plane.
"""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, dcc, html

from . import ids

__all__ = ["PAPER_URL", "intro_dialog", "about_button", "intro_store", "register_callbacks"]

#: The paper the dashboard illustrates.
PAPER_URL = "https://arxiv.org/abs/2311.02076"


def intro_store() -> dcc.Store:
    """Remembers (in the browser's local storage) that the intro was dismissed."""
    return dcc.Store(id=ids.INTRO_SEEN, storage_type="local")


def about_button() -> html.Button:
    """The header's small "?" button that opens the introduction again."""
    return html.Button("?", id=ids.INTRO_OPEN, n_clicks=0, className="btn intro-open",
                       title="about this dashboard", **{"aria-label": "about this dashboard"})


def intro_dialog() -> html.Div:
    """The introduction (hidden until the browser decides it is a first visit)."""
    return html.Div(id=ids.INTRO, className="intro hidden", role="dialog",
                    **{"aria-labelledby": "intro-title", "aria-modal": "false"}, children=[
        html.H2("Sharpness Lab", id="intro-title"),
        html.P([
            "The plane shows gradient descent on the UV model, a two-layer linear network "
            "trained on one example, in two numbers: the residual ", html.B("Δf = f − y"),
            " (across) and the sharpness ", html.B("λ"), " (up, the NTK's eigenvalue). "
            "The tints say what a step does there — the loss grows (blue), the sharpness "
            "falls (green) or grows (yellow); no weights reach the grey V. "
            "The purple line is ηλ = 2, the edge of stability."]),
        html.Ul([
            html.Li("Click the plane to start a trajectory there; drag a box to zoom, "
                    "double-click to zoom back out."),
            html.Li("Drag η (or any parameter) on the left; above η_c the orbits settle on "
                    "the edge of stability, period-double and turn chaotic."),
            html.Li("▶ above the time series plays the selected trajectory step by step "
                    "(space bar while the plane has focus)."),
            html.Li("The Presets tab sets up each regime of the paper in one click."),
        ]),
        html.P(["The paper: D. S. Kalra, T. He, M. Barkeshli, ",
                html.A("Universal Sharpness Dynamics in Neural Network Training "
                       "(arXiv:2311.02076)", href=PAPER_URL, target="_blank",
                       rel="noopener noreferrer", id="intro-paper"), "."]),
        html.Div(className="intro-buttons", children=[
            html.Button("Got it", id=ids.INTRO_CLOSE, n_clicks=0, className="btn intro-close",
                        title="close; it stays closed on your next visits (“?” opens it)"),
        ]),
    ])


def register_callbacks(app) -> None:
    """Show, dismiss and reopen the introduction (clientside, no round trip)."""
    app.clientside_callback(
        ClientsideFunction("intro", "toggle"),
        Output(ids.INTRO, "className"), Output(ids.INTRO_SEEN, "data"),
        Input(ids.INTRO_CLOSE, "n_clicks"), Input(ids.INTRO_OPEN, "n_clicks"))
