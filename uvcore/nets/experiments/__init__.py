"""The paper's real-network experiments (Figs 1, 4, 5) and their UV-model
counterparts (spec §6).

Every function takes a ``scale`` in (0, 1]: training-set size, width, step
counts and grid sizes are multiplied by it (with small floors) so the same
experiment runs at reduced size in CI.  ``progress(fraction)`` and
``cancel() -> bool`` hooks are called between and inside runs; cancelling
raises :class:`~uvcore.nets.train.Cancelled`.  These long jobs compute in
float32 by default (about twice the speed of float64: the speed budget of a
5,000-example, width-512 network is met only in float32, see
``docs/benchmarks.md``); a sharpness to 1e-3 is unaffected.  Pass
``dtype="float64"`` for full precision.

How the UV model beside a network is chosen (``structural``, ``calibrated``,
``fitted``) and its known limits are described in :mod:`uvcore.nets.matching`;
its names are re-exported here.

- :mod:`.trajectories` — :func:`fig1` (loss and λ^H trajectories);
- :mod:`.phase_diagrams` — :func:`fig4` (final η λ^H / 2 over (σ_w², c) and (s, c));
- :mod:`.route_to_chaos` — :func:`fig5` (bifurcations and spectra of linear networks);
- :mod:`.cells` — Fig 4 and Fig 5 as independent cells (:func:`fig4_plan`,
  :func:`fig5_plan`, :func:`run_cell`, :func:`aggregate`), their cache keys
  and runners (this process, local processes; Celery workers in
  :mod:`uvcore.nets.distributed`);
- :mod:`.serialise` — :func:`result_dict`;
- :mod:`.common` — :func:`scaled_size` and the drivers' shared helpers.
"""

from ..matching import GRID_MATCHINGS, MATCHINGS, UVMatch, uv_calibrate, uv_for_run, uv_match
# the calibration constants keep their old address too
from ..matching import CAL_DIPS, CAL_GOLDEN, CAL_SCAN, CAL_TOL  # noqa: F401
from .common import scaled_size
from .cells import (CELL_VERSION, DirCellCache, Plan, ProcessRunner, aggregate, cell_key,
                    inline_runner, run_cell, run_plan)
from .phase_diagrams import FIG4_CS, FIG4_SIGMA_W2S, FIG4_SS, Fig4Result, fig4, fig4_plan
from .route_to_chaos import FIG5_C_POINTS, FIG5_C_RANGE, FIG5_TRAJ_CS, Fig5Result, fig5, fig5_plan
from .serialise import result_dict
from .trajectories import FIG1_CONFIGS, Fig1Result, fig1

__all__ = ["UVMatch", "uv_match", "uv_calibrate", "uv_for_run", "result_dict", "MATCHINGS",
           "GRID_MATCHINGS", "Fig1Result", "fig1", "Fig4Result", "fig4",
           "Fig5Result", "fig5", "FIG1_CONFIGS", "FIG4_CS", "FIG4_SIGMA_W2S", "FIG4_SS",
           "FIG5_C_RANGE", "FIG5_C_POINTS", "FIG5_TRAJ_CS", "scaled_size", "fig4_plan",
           "fig5_plan", "Plan", "CELL_VERSION", "cell_key", "run_cell", "run_plan", "aggregate",
           "inline_runner", "ProcessRunner", "DirCellCache"]
