"""The "Fate map" view: the outcome of every start of the phase plane's window.

At the current η, every start (Δf₀, λ₀) of a grid over the phase plane's
visible window runs ``steps`` GD steps (:func:`uvcore.fate_map`) and is
classified: converged, stalled, EoS period k, chaotic, aperiodic, diverged or
forbidden.  The map is a categorical heatmap (:mod:`.figures`) with the
state's trajectories on top; clicking a cell asks the phase plane to start a
trajectory there (an intent, :mod:`app.core.intents`: the plane refuses a
start in the forbidden region and says why, and the hover text of those
cells says so beforehand).

* The interactive map is :data:`.compute.GRID` squared (≈ 30 ms at 1000
  steps) and is computed only while its tab is open.
* "Fine fate map" computes :data:`.compute.FINE_GRID` squared as a
  background job (:mod:`app.shell.jobs`) in :data:`.compute.BANDS` bands of
  rows, with a progress bar and a Cancel button.
* "Download CSV" saves the map shown (one row per start, see
  :func:`.figures.fate_csv`).
"""

from ...core import ids
from ...core.registry import View
from . import callbacks, layout

VIEW = View("Fate map", ids.FATE_TAB, layout.make_layout, callbacks.register_callbacks,
            order=20)
