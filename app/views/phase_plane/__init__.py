"""The phase plane: the (Δf, λ) plane with its layers and trajectories, and the
selected trajectory's time series (the dashboard's first tab)."""

from ...core.layout import PHASE_PLANE_TAB
from ...core.registry import View
from . import callbacks, layout

VIEW = View("Phase plane", PHASE_PLANE_TAB, layout.phase_plane_tab, callbacks.register_callbacks,
            order=0)
