"""uvcore: the UV model of sharpness dynamics as a 2-D discrete map.

Reference: Kalra, He, Barkeshli, arXiv:2311.02076; formulas in the project's
specification (``uv-model.md``), cited below as "spec §N".

The public API is re-exported here; kernels live in :mod:`uvcore._kernels`.
"""

from .analysis import (MULTIPLIER_TOL, REGION_NAMES, Curve, FixedPoint, FixedPoints, LineI,
                       RegionGrid, VectorField, classify_multipliers, fixed_points,
                       forbidden_edge, nullclines, regions, vector_field)
from .continuation import (Bifurcation, Branch, Cascade, CascadeLevel, PeriodicOrbit, Window,
                           cascade, follow_branch, periodic_orbit, switch_branch)
from .maps import (CHAOS_TOL, MAX_PERIOD, PERIOD_TOL, Outcome, Trajectory, hessian_sharpness,
                   jacobian, power_spectrum, step, trajectory)
from .outcomes import KIND_NAMES, Kind, PeriodCode, classify
from .params import MapParams, UVInputError, eta_critical
from .paramspace import (MAX_PARAMS, MAX_WIDTH, ParamTrajectory, gd_step, initialize,
                         resolve_preset, sample_start, train)
from .sweeps import (BatchResult, BifurcationDiagram, EdgeExponents, EtaMax, EtaMaxScan,
                     FateMap, bifurcation, default_start, edge_exponents, eta_max, eta_max_scan,
                     fate_map, run_batch)
from ._kernels import DIVERGENCE_BOUND
from .warm import warmup

__all__ = [
    "MapParams", "UVInputError", "eta_critical", "DIVERGENCE_BOUND",
    "step", "jacobian", "trajectory", "Trajectory", "Outcome", "hessian_sharpness",
    "power_spectrum", "PERIOD_TOL", "CHAOS_TOL", "MAX_PERIOD",
    "PeriodCode", "Kind", "KIND_NAMES", "classify",
    "nullclines", "forbidden_edge", "fixed_points", "vector_field", "regions",
    "classify_multipliers", "Curve", "FixedPoint", "FixedPoints", "LineI",
    "VectorField", "RegionGrid", "REGION_NAMES", "MULTIPLIER_TOL",
    "run_batch", "bifurcation", "fate_map", "eta_max", "eta_max_scan", "edge_exponents",
    "default_start", "BatchResult", "BifurcationDiagram", "FateMap", "EtaMax", "EtaMaxScan",
    "EdgeExponents",
    "warmup",
    "train", "sample_start", "resolve_preset", "initialize", "gd_step", "ParamTrajectory",
    "MAX_WIDTH", "MAX_PARAMS",
    "cascade", "periodic_orbit", "follow_branch", "switch_branch", "Cascade", "CascadeLevel",
    "Window", "PeriodicOrbit", "Branch", "Bifurcation",
]
