"""The Universality view: Feigenbaum scaling of the period-doubling cascade.

For the current (n_eff, ‖x‖, y), :func:`uvcore.cascade` locates the flip
points c₁ < c₂ < … of the EoS map and of the full 2-D map (whose cascade
lives on the invariant edge).  The panel shows

* δ_k = (c_k − c_{k−1})/(c_{k+1} − c_k) against k for both maps, converging
  to Feigenbaum's δ = 4.6692016… (horizontal line);
* the flip points against level in η (each parameter set on its own scale:
  η_k = c_k · η_c) and in c = η/η_c, where they collapse onto one curve —
  the current parameters are overlaid with two reference sets
  (:data:`REFERENCE_SETS`), each located independently by uvcore;
* a table of the located values.

Clicking a flip point of the current parameters sets η there: the view sends
the phase plane the intent "set η" (:mod:`app.core.intents`).  Layout in
:mod:`.layout`, callbacks in :mod:`.callbacks`, the memoized cascades in
:mod:`.compute`, the panel in :mod:`.figures`.
"""

from ...core import ids
from ...core.registry import View
from .callbacks import register_callbacks
from .layout import make_layout

VIEW = View("Universality", ids.UNIVERSALITY_TAB, make_layout, register_callbacks, order=11)
