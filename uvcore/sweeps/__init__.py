"""Many orbits at once: batches, bifurcation diagrams, fate maps, η_max and
the exponents of the EoS edge (spec §3).

- :mod:`.batch` — :func:`run_batch`, the runner every sweep calls;
- :mod:`.bifurcation` — orbit diagrams over η, edge exponents;
- :mod:`.fate_map` — the outcome of every start of a window;
- :mod:`.eta_max` — the largest non-diverging η of one start or many.

Long sweeps take ``progress=`` (called with (done, total) after each piece)
and a ``chunks`` / ``bands`` argument that sets the pieces.
"""

from .batch import MAX_KEEP_VALUES, MAX_ORBITS, MAX_WORK, BatchResult, default_start, run_batch
from .bifurcation import BifurcationDiagram, EdgeExponents, bifurcation, edge_exponents
from .eta_max import (SCAN_SPAN, EtaMax, EtaMaxScan, bisection_rounds, default_eta_scan, eta_max,
                      eta_max_scan)
from .fate_map import FATE_WINDOW, FORBIDDEN_CODE, FateMap, fate_map

__all__ = [
    "MAX_ORBITS", "MAX_KEEP_VALUES", "MAX_WORK", "FORBIDDEN_CODE", "FATE_WINDOW",
    "SCAN_SPAN", "BatchResult", "BifurcationDiagram", "FateMap", "EtaMax", "EtaMaxScan",
    "EdgeExponents", "run_batch", "bifurcation", "fate_map", "eta_max", "eta_max_scan",
    "bisection_rounds", "default_eta_scan", "edge_exponents",
    "default_start",
]
