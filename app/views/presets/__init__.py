"""The "Presets" view: one click reproduces a regime of the paper.

Each card shows a preset of :mod:`.teaching` — two or three sentences and
its equation, typeset by MathJax (``dcc.Markdown(mathjax=True)``; Dash serves
MathJax itself, no CDN) — and a button.  Applying a preset sends the phase
plane the intent "load this state" (:mod:`app.core.intents`): the plane sets
its typed inputs, sliders and trajectories from it, with a history entry,
and the view switches to the phase plane.
"""

from ...core import ids
from ...core.registry import View
from . import callbacks, layout

VIEW = View("Presets", ids.PRESETS_TAB, layout.make_layout, callbacks.register_callbacks,
            order=30)
