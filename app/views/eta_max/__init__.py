"""The "η_max map" view: the largest non-diverging learning rate per start.

For every start (Δf₀, λ₀) of a grid over the phase plane's window, η_max is
the largest η whose orbit survives the state's ``steps`` steps (spec §3,
Corollary 5.1: the edge of stability needs η_max > η_c), located by
:func:`uvcore.eta_max_scan` (:mod:`.compute`).

This is a background job (:mod:`app.shell.jobs`): the request returns at once,
the bar shows progress, Cancel stops it.  :func:`.compute.eta_max_map` is the
plain computation and :func:`.figures.map_figure` the pure figure builder.
"""

from ...core.registry import View
from . import callbacks, layout

VIEW = View("η_max map", "eta-max-tab", layout.make_layout, callbacks.register_callbacks,
            order=60)
