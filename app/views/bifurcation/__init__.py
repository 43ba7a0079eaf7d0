"""The Bifurcation view: the orbit diagram against η, the cobweb of the EoS
map, and the route-to-chaos guides (spec §3).

Layout (:mod:`.layout`): the orbit diagram (late-time λ or ηλ against η for
the full 2-D map from the selected start and for the EoS map, coloured by
period; an outcome strip; the Lyapunov exponents beneath on the shared η
axis) beside the cobweb of z' = z(1 + c − z)² at the current η.

Interaction (:mod:`.callbacks`)
-------------------------------
* Clicking a point of the diagram, a cell of the outcome strip or a guide
  sends the phase plane the intent "set η" (:mod:`app.core.intents`); the
  plane applies it as the user's own change and the store ``state`` brings
  the new η back here.
* Zooming in η (``relayoutData`` on the x axis) recomputes the diagram at
  full resolution (:data:`compute.NUM` η values) for the zoomed window; a
  double-click goes back to the default window.  The window lives in the
  store ``bifurcation-window`` (:mod:`.window`) and follows changes of η_c
  (n_eff, ‖x‖, y) by rescaling: the picture is the same in c = η/η_c.
* "Fine diagram" computes :data:`compute.FINE_NUM` η values with a longer
  transient as a background job (progress bar, Cancel).
* "Download CSV": η, c, period, exponent and λ values of both maps.

The guides (flip points c₁ … c_L, the accumulation point c∞, the crisis and
the period-3 folds) come from one :func:`uvcore.cascade` located in c,
memoized once (in c it does not depend on n_eff, ‖x‖ or y) and rescaled to
η = c·√n_eff/(‖x‖|y|) for the current parameters.  The engine calls are in
:mod:`.compute`, the figures in :mod:`.figures`, :mod:`.raster` and
:mod:`.cobweb`; the zoom and click filters in ``app/assets/bifurcation.js``.
"""

from ...core import ids
from ...core.registry import View
from .callbacks import register_callbacks
from .layout import make_layout

VIEW = View("Bifurcation", ids.BIFURCATION_TAB, make_layout, register_callbacks, order=10)
